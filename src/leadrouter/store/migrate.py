"""Run Alembic migrations from code (``make run``, tests, ``leadrouter migrate``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from leadrouter.store.db import normalize_url


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our packaged migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", "leadrouter.store:migrations")
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url), revision)
