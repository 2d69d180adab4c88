"""Pure rules of the coach: no Telegram, no database; state in, new state out."""
