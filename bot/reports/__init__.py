"""Pictures and summaries sent to people about their training."""
