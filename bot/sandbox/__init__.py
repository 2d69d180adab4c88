"""Loopback Bot API double and the offline chat."""
