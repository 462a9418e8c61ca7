"""Alembic environment of the roster database."""
from services.roster.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
