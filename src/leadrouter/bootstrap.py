"""The composition root: builds the engine, clock and friends once, from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from leadrouter.clock import Clock, SystemClock
from leadrouter.config import Settings
from leadrouter.sealing import Sealer, sealer
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store.db import make_engine
from leadrouter.store.uow import UnitOfWork


@dataclass
class Container:
    """What a request or a command needs from the outside world."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    routing: RoutingCaches = field(default_factory=RoutingCaches)  # per-process caches

    @cached_property
    def sealer(self) -> Sealer:
        """Seals and opens the secrets kept in the database."""
        return sealer(self.settings)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly)


def _pool_options(settings: Settings) -> dict[str, int]:
    """The connection pool of each process (PostgreSQL; SQLite keeps its own defaults)."""
    if settings.database_url.startswith("sqlite"):
        return {}
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Wire leadrouter for the given settings."""
    return Container(
        settings=settings,
        engine=make_engine(settings.database_url, **_pool_options(settings)),
        clock=clock or SystemClock(),
    )
