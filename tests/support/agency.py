"""Helpers to set up an agency through the real services, for tests."""

from __future__ import annotations

from dataclasses import dataclass

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import create_agency


@dataclass(frozen=True)
class TestAgency:
    id: int
    key: str
    form_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_agency(c: Container, name: str = "Acme Insurance") -> TestAgency:
    new = create_agency(uow=c.uow(), name=name, now=c.clock.now())
    return TestAgency(id=new.agency_id, key=new.api_key, form_key=new.public_form_key)
