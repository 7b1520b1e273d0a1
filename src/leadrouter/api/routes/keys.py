"""API keys of the caller's agency."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from leadrouter.api.deps import ContainerDep, ManagerDep
from leadrouter.api.ids import RowId
from leadrouter.domain.model import Role
from leadrouter.services.admin import agencies

router = APIRouter(tags=["api keys"])


class KeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.MANAGER
    producer_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Required for role producer: the key then acts only as this producer.",
    )


class KeyCreated(BaseModel):
    id: int
    key: str = Field(description="Shown once; only its hash is stored.")


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated)
def create_key(body: KeyCreate, container: ContainerDep, principal: ManagerDep) -> KeyCreated:
    """Issue another key for this agency."""
    key_id, key = agencies.issue_key(
        uow=container.uow(),
        agency_id=principal.agency_id,
        name=body.name,
        now=container.clock.now(),
        role=body.role,
        producer_id=body.producer_id,
    )
    return KeyCreated(id=key_id, key=key)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: RowId, container: ContainerDep, principal: ManagerDep) -> None:
    """Revoke a key of this agency."""
    agencies.revoke_key(
        uow=container.uow(), agency_id=principal.agency_id, key_id=key_id, now=container.clock.now()
    )
