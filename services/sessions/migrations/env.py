"""Alembic environment of the sessions database."""
from services.sessions.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
