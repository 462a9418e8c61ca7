"""Alembic environment of the notifications database."""
from services.notifications.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
