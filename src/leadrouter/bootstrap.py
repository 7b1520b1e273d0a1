"""The composition root: builds the engine, clock and friends once, from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from leadrouter.clock import Clock, SystemClock
from leadrouter.config import Settings
from leadrouter.ratelimit import RateLimits, rate_limits
from leadrouter.sealing import Sealer, audit_key, sealer
from leadrouter.services.admin.agencies import KnownKeys
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store import audit
from leadrouter.store.db import make_engine
from leadrouter.store.uow import UnitOfWork


@dataclass
class Container:
    """What a request or a command needs from the outside world."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    routing: RoutingCaches = field(default_factory=RoutingCaches)  # per-process caches
    keys: KnownKeys = field(default_factory=KnownKeys)  # API keys' identities, by hash

    @cached_property
    def rate_limits(self) -> RateLimits:
        """This process's rate-limit buckets (see ratelimit.py for the caveat)."""
        return rate_limits(self.settings)

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


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None
) -> Container:
    """Wire leadrouter for the given settings; ``engine``, when given, is one the caller made
    for ``settings.database_url`` and keeps across containers (the tests keep one per process,
    so SQLAlchemy compiles each statement once per process, as a server does)."""
    engine = engine or make_engine(settings.database_url, **_pool_options(settings))
    audit.use_key(engine, audit_key(settings))
    return Container(settings=settings, engine=engine, clock=clock or SystemClock())
