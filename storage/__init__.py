"""Persistence: SQLModel tables, engine and sessions, data-access functions, migrations."""
