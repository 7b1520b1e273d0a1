"""How every list endpoint pages: ``?limit=&cursor=`` in, ``{items, next_cursor}`` out.

The scheme itself (keyset on id, opaque cursors naming their list) is ``leadrouter.paging``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from leadrouter.api.deps import ContainerDep, PrincipalDep, ReadableLeadId
from leadrouter.paging import Page

if TYPE_CHECKING:
    from leadrouter.bootstrap import Container
    from leadrouter.services.admin.agencies import Principal
    from leadrouter.store.uow import UnitOfWork

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items.")]
Cursor = Annotated[
    str | None, Query(max_length=100, description="next_cursor of the previous page.")
]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page.")


class Paged(Protocol):
    """What a service's page holds (``leadrouter.paging.Page``, ``LeadPage``)."""

    @property
    def items(self) -> list[Any]: ...

    @property
    def next_cursor(self) -> str | None: ...


def page_out(found: Page[S], build: Callable[[S], T]) -> PageOut[T]:
    """A service's page with each item made into its API body by ``build``."""
    return PageOut[Any](items=[build(item) for item in found.items], next_cursor=found.next_cursor)


def page_body(found: Paged) -> dict[str, Any]:
    """A service's page as every list answers it: ``{items, next_cursor}``."""
    return {"items": found.items, "next_cursor": found.next_cursor}


class LeadRead(Protocol[R_co]):
    """A use case that reads one page of a lead's records (its decisions, its activities)."""

    def __call__(
        self, *, uow: UnitOfWork, agency_id: int, lead_id: int, cursor: str | None, limit: int
    ) -> R_co: ...


@dataclass(frozen=True)
class LeadListing:
    """A request for one page of a lead's records: the lead (one the caller may read), who
    asks, and which page."""

    lead_id: int
    container: Container
    principal: Principal
    limit: int
    cursor: str | None

    def read(self, use_case: LeadRead[R]) -> R:
        """What ``use_case`` reads of the page, for the caller's agency."""
        return use_case(
            uow=self.container.uow(readonly=True),
            agency_id=self.principal.agency_id,
            lead_id=self.lead_id,
            cursor=self.cursor,
            limit=self.limit,
        )


def lead_listing(default_limit: int) -> Any:
    """The dependency of a list about one lead (``/leads/{lead_id}/...``), ``default_limit``
    items a page unless the request asks for another number."""

    def asked(limit: Limit = default_limit, cursor: Cursor = None) -> tuple[int, str | None]:
        return limit, cursor

    def listing(
        lead_id: ReadableLeadId,
        container: ContainerDep,
        principal: PrincipalDep,
        page: tuple[int, str | None] = Depends(asked),  # an annotation cannot name a local
    ) -> LeadListing:
        return LeadListing(lead_id, container, principal, *page)

    return Depends(listing)
