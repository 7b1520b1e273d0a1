"""The demo agency that ``make run`` loads into an empty database."""

from __future__ import annotations

from collections.abc import Callable

from leadrouter.bootstrap import Container
from leadrouter.services import agencies


def ensure_demo_agency(c: Container, *, announce: Callable[[str], None]) -> int | None:
    """Load the demo agency if there is no agency yet; returns its id when it was created."""
    if agencies.count_agencies(uow=c.uow(readonly=True)) > 0:
        return None
    new = agencies.create_agency(
        uow=c.uow(), name="Demo Insurance Agency", now=c.clock.now(),
        api_key=c.settings.demo_api_key,
    )
    announce(f"demo agency created (id {new.agency_id})")
    announce(f"demo API key: {new.api_key}")
    return new.agency_id
