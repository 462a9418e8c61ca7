"""Alembic, driven from code: each service keeps its migrations in services/<name>/migrations.

`upgrade(service, database_url)` is what the one-shot migrate step, `make run` and the tests call.
The shared `run_env` is the body of every service's migrations/env.py.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy import create_engine

from shared.config import REPO_ROOT


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def schema_at_head(service: str, database_url: str) -> bool:
    """Whether the database's schema is at the newest revision this code knows (what the migrate
    Job leaves behind); False while the Job has not run yet, or has not finished."""
    heads = set(ScriptDirectory.from_config(alembic_config(service, database_url)).get_heads())
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()


def run_env(target_metadata: MetaData) -> None:
    """Run migrations online against the configured URL (batch mode so SQLite can ALTER)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"), compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def migrations_dir(service: str) -> Path:
    return REPO_ROOT / "services" / service / "migrations"
