"""Client bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from leadrouter.api.ids import RowIdField
from leadrouter.api.schemas.roster.common import Body, Email, ExternalId, Name, Phone
from leadrouter.api.schemas.roster.common import refuse_null as _refuse_null
from leadrouter.roster.specs import ClientSpec
from leadrouter.store.roster_records import ClientRecord


class ClientFields(Body):
    external_id: ExternalId | None = Field(default=None, description="Its id in your AMS.")
    phone: Phone | None = None
    email: Email | None = None
    owner_producer_id: RowIdField | None = None
    csr_producer_id: RowIdField | None = None


class ClientCreate(ClientFields):
    """An existing client; a lead with its phone or email goes to its owner or CSR."""

    name: Name

    def to_spec(self) -> ClientSpec:
        return ClientSpec(**self.given())


class ClientPatch(ClientFields):
    name: Name | None = None

    _not_null = field_validator("name", mode="before")(_refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.given(self.model_fields_set)


class ClientOut(BaseModel):
    id: int
    external_id: str | None
    name: str
    phone: str | None
    email: str | None
    owner_producer_id: int | None
    csr_producer_id: int | None

    @classmethod
    def of(cls, record: ClientRecord) -> ClientOut:
        c = record.client
        return cls(
            id=c.id,
            external_id=record.external_id,
            name=c.name,
            phone=c.phone,
            email=c.email,
            owner_producer_id=c.owner_producer_id,
            csr_producer_id=c.csr_producer_id,
        )
