"""Each process's PostgreSQL pool is sized by the settings (docs/deployment.md)."""

from __future__ import annotations

from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings


def test_postgres_pool_size_and_overflow_come_from_the_settings() -> None:
    settings = Settings(
        database_url="postgresql://nobody@127.0.0.1:9/none",
        database_pool_size=3,
        database_max_overflow=4,
    )
    c = bootstrap(settings)  # no connection is made until one is needed
    assert (c.engine.pool.size(), c.engine.pool._max_overflow) == (3, 4)  # type: ignore[attr-defined]
    c.engine.dispose()
