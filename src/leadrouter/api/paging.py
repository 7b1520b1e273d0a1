"""How every list endpoint pages: ``?limit=&cursor=`` in, ``{items, next_cursor}`` out.

The scheme itself (keyset on id, opaque cursors naming their list) is ``leadrouter.paging``.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")

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


def page_body(found: Paged) -> dict[str, Any]:
    """A service's page as every list answers it: ``{items, next_cursor}``."""
    return {"items": found.items, "next_cursor": found.next_cursor}
