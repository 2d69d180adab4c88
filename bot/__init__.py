"""Mobility Coach: the application core (configuration, database, domain, services)."""
