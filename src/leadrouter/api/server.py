"""How ``serve`` runs uvicorn so that slow or numerous clients cannot starve the others.

uvicorn bounds idle keep-alive connections but not a client that sends its request head (or
body) a byte at a time: a few hundred of those hold every file descriptor and ``/healthz``
stops answering. ``GuardedH11Protocol`` gives each request head and each body a deadline and
closes the connection when it passes; ``run`` adds the connection limit and header size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from typing import Any

import h11
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from leadrouter import serving
from leadrouter.config import Settings
from leadrouter.logs import install_redaction


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with deadlines for the request head and body."""

    head_timeout: float = 10.0
    body_timeout: float = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request head."""
        super().connection_made(transport)
        self._armed_for: object = None
        self._deadline: asyncio.TimerHandle | None = None
        self._rearm()

    def handle_events(self) -> None:
        """Parse what arrived, then move the deadline if the request moved on."""
        super().handle_events()
        self._rearm()

    def on_response_complete(self) -> None:
        """The next request head on this connection gets a fresh deadline."""
        super().on_response_complete()
        self._rearm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._cancel()
        super().connection_lost(exc)

    def _rearm(self) -> None:
        state = self.conn.their_state
        if state is self._armed_for:
            return  # a deadline covers the whole head or body, not each chunk of it
        self._cancel()
        self._armed_for = state
        limit = {h11.IDLE: self.head_timeout, h11.SEND_BODY: self.body_timeout}.get(state)
        if limit is not None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(limit, self._too_slow)

    def _cancel(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.logger.info("closing a connection whose request did not arrive in time")
            self.transport.close()


def guarded_protocol(settings: Settings) -> type[GuardedH11Protocol]:
    """The protocol class with the configured deadlines."""
    return type(
        "ConfiguredH11Protocol",
        (GuardedH11Protocol,),
        {
            "head_timeout": settings.header_timeout_seconds,
            "body_timeout": settings.body_timeout_seconds,
        },
    )


class RedactQueryStrings(logging.Filter):
    """Drops query strings from access log lines: they can hold a phone number or an email
    (``GET /v1/leads?phone=...``), and logs are kept longer and read more widely than data."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the path argument of uvicorn's access record; never drop the record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (*args[:2], f"{path}?[redacted]", *args[3:])
        return True


def redact_access_log() -> None:
    """Install the query-string redaction on uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())


def raise_descriptor_limit() -> None:
    """Use the whole file-descriptor allowance the system grants (the soft limit is small)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class EnvironmentH11Protocol(GuardedH11Protocol):
    """The guarded protocol of a server process, its deadlines set by ``app_from_environment``.

    Several processes get their configuration by import (uvicorn pickles it for each), which
    a class made at run time by ``guarded_protocol`` cannot be.
    """


APP_FACTORY = "leadrouter.api.server:app_from_environment"


def app_from_environment() -> FastAPI:
    """The API for the settings in the environment: what each of several processes runs."""
    from leadrouter.api.app import create_app
    from leadrouter.bootstrap import bootstrap

    settings = Settings()
    prepare_process(settings)
    return create_app(bootstrap(settings))


def prepare_process(settings: Settings) -> None:
    """What every server process sets up before it serves: redacted logs (each process
    configures its own loggers) and the deadlines of its HTTP protocol."""
    redact_access_log()
    install_redaction()
    EnvironmentH11Protocol.head_timeout = settings.header_timeout_seconds
    EnvironmentH11Protocol.body_timeout = settings.body_timeout_seconds


def uvicorn_options(settings: Settings, workers: int = 1) -> dict[str, Any]:
    """uvicorn's settings for the limits of docs/security.md, and its access log."""
    protocol: type[GuardedH11Protocol] | str = guarded_protocol(settings)
    if workers > 1:
        protocol = f"{__name__}:{EnvironmentH11Protocol.__name__}"
    return {
        "log_level": "info",
        "http": protocol,
        "limit_concurrency": settings.max_connections,
        "backlog": settings.listen_backlog,
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def run(app: FastAPI | str, settings: Settings, workers: int = 1) -> None:
    """Serve ``app`` with the limits of docs/security.md, in ``workers`` processes.

    Several processes need ``app`` as the import string of an app factory (``APP_FACTORY``).
    """
    raise_descriptor_limit()
    prepare_process(settings)
    if isinstance(app, FastAPI):
        app.openapi()  # built before listening, not while the first client waits for it
    serving.serve(
        app,
        host=settings.host,
        port=settings.port,
        workers=workers,
        **uvicorn_options(settings, workers),
    )
