"""The fault suite: the bot while Telegram, the process and the people misbehave.

- test_random_faults: 10% of Bot API calls fail at random while fifty people do routines.
- test_lost_calls: single lost calls where they hurt most (and a 400 stays the bot's error).
- test_kill_restart: `python -m bot run` killed with SIGKILL at chosen and random moments.
- test_duplicate_delivery: one press handled by two bot instances at the same moment.
- test_any_update: Hypothesis-made updates in every state of the conversation.

Each test checks what a person would notice (the chat as it stands, the toasts) and the rows.
"""
