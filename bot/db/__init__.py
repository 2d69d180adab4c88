"""Persistence: typed models, engine and sessions, repositories and Alembic migrations."""
