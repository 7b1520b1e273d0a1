"""One factory per entity, each through the real services: agencies, producers, licenses, leads
(and the demo agency with a few leads, for the command-line tests).

Each returns the new row's id (an agency: its id and keys) and fails the test if the service
refuses. The defaults make a row that routing takes at any hour; a test names what it checks
(a state, a phone, a name) in its call, so the reader sees it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.api.schemas.leads import LeadCreate
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings
from leadrouter.demo import ensure_demo_agency
from leadrouter.intake.settings import DEFAULT_REQUIRED
from leadrouter.roster.specs import LicenseSpec, ProducerSpec
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.roster.licenses import create_license
from leadrouter.services.roster.producers import create_producer
from leadrouter.services.routing.route import after_intake
from leadrouter.store.audit import append_decision
from leadrouter.store.migrate import upgrade
from leadrouter.store.tables import leads, producers

_EXAMPLE: dict[str, Any] = LeadCreate.model_json_schema()["example"]
LEAD_BODY: dict[str, Any] = {name: _EXAMPLE[name] for name in DEFAULT_REQUIRED}
"""The API's documented ``POST /v1/leads`` example with only the fields intake requires by
default (Maria Lopez, New York, personal auto); a test copies it (``{**LEAD_BODY, ...}``) to
change a field."""


@dataclass(frozen=True)
class TestAgency:
    __test__ = False  # a factory's product, not a test class

    id: int
    key: str
    form_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_agency(c: Container, name: str = "Acme Insurance") -> TestAgency:
    """A new agency with its manager key and public form key."""
    new = create_agency(uow=c.uow(), name=name, now=c.clock.now())
    return TestAgency(id=new.agency_id, key=new.api_key, form_key=new.public_form_key)


def make_producer(
    c: Container,
    agency_id: int,
    n: int = 1,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    licensed_in: Collection[str] = (),
    **fields: Any,
) -> int:
    """Producer ``n``: "Producer n" <pn@agency.example> (a named one: first.last@agency.example),
    phone +1 212 555 nnnn, no working hours on file (so always available), personal lines;
    with a verified personal-lines license ``L-n-<state>`` in each state of ``licensed_in``."""
    fields.setdefault("working_hours", ())
    fields.setdefault("business_lines", frozenset({"personal"}))
    if email is None:
        email = (
            f"{name.lower().replace(' ', '.')}@agency.example" if name else f"p{n}@agency.example"
        )
    spec = ProducerSpec(
        name=name or f"Producer {n}", email=email, phone=phone or f"+1212555{n:04d}", **fields
    )
    producer_id = create_producer(
        uow=c.uow(), agency_id=agency_id, spec=spec, now=c.clock.now()
    ).producer.id
    for i, state in enumerate(licensed_in):
        make_license(c, agency_id, producer_id, state, f"L-{n}-{state}", resident=i == 0)
    return producer_id


def make_license(
    c: Container,
    agency_id: int,
    producer_id: int,
    state: str = "NY",
    number: str = "LIC-1",
    *,
    lines: Collection[str] = ("personal_lines",),
    effective: date = date(2020, 1, 1),
    expires: date | None = None,
    resident: bool = True,
    verifier: str | None = "test registry",
    status: str = "active",
) -> int:
    """A license in force since 2020, verified by a registry unless ``verifier`` is None."""
    spec = LicenseSpec(
        producer_id=producer_id,
        state=state,
        number=number,
        lines=frozenset(lines),
        resident=resident,
        effective_date=effective,
        expiration_date=expires,
        status=status,
    )
    return create_license(
        uow=c.uow(), agency_id=agency_id, spec=spec, now=c.clock.now(), verifier=verifier
    ).license.id


def lead_body(n: int = 1, *, zip_code: str = "10001", **fields: Any) -> dict[str, Any]:
    """The JSON body of lead ``n`` (``make_lead``'s); ``fields`` override it."""
    return {
        "first_name": "Casey",
        "last_name": f"Lead{n}",
        "zip": zip_code,
        "email": f"lead{n}@consumer.example",
        "phone": f"(646) 555-{n if n < 100 else n + 100:04d}",
        "insurance_type": "personal_auto",
        **fields,
    }


def make_lead(
    c: Container,
    agency_id: int,
    n: int = 1,
    *,
    zip_code: str = "10001",
    routed: bool = True,
    **fields: Any,
) -> int:
    """Lead ``n`` (Casey Lead<n>, lead<n>@consumer.example, (646) 555-nnnn past the fictional
    555-01xx block that intake refuses, personal auto)
    through the real intake, routed in the intake's transaction as ``POST /v1/leads`` does
    (``routed=False``: taken in only, status new); ``fields`` override the body."""
    payload = lead_body(n, zip_code=zip_code, **fields)
    result = receive_lead(
        uow=c.uow(),
        agency_id=agency_id,
        payload=payload,
        idempotency_key=None,
        now=c.clock.now(),
        after_store=after_intake(c.routing) if routed else None,
    )
    assert result.created
    return result.lead_id


def migrated(database_url: str, **settings: Any) -> Container:
    """A container on the database at ``database_url``, migrated to the head first."""
    upgrade(database_url)
    return bootstrap(Settings(database_url=database_url, **settings))


def make_demo_agency(c: Container) -> int:
    """The demo agency (``make run``'s), made without a word on the console; its id."""
    agency_id = ensure_demo_agency(c, announce=lambda _: None)
    assert agency_id is not None
    return agency_id


def make_demo(database_url: str, lead: dict[str, Any], leads: int = 3) -> None:
    """A migrated database with the demo agency and ``leads`` routed copies of ``lead`` (lead
    n: demo<n>@example.com, (212) 736-01nn), on the system clock as ``make run`` has it."""
    c = migrated(database_url)
    agency_id = make_demo_agency(c)
    for n in range(leads):
        receive_lead(
            uow=c.uow(),
            agency_id=agency_id,
            payload={**lead, "email": f"demo{n}@example.com", "phone": f"(212) 736-01{n:02d}"},
            idempotency_key=None,
            now=c.clock.now(),
            after_store=after_intake(c.routing),
        )
    c.engine.dispose()


def lead_row(*, agency_id: int, now: datetime, **values: object) -> dict[str, object]:
    """A ``leads`` row's values, taken in ``now`` (Ada Lovelace, New York, personal auto,
    status new) with ``values`` over them: for inserting rows in bulk below intake."""
    return {
        "agency_id": agency_id,
        "status": "new",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": None,
        "phone": None,
        "zip": "10001",
        "state": "NY",
        "county": "New York County",
        "city": "New York",
        "timezone": "America/New_York",
        "insurance_type": "personal_auto",
        "business_line": "personal",
        "exclusive": False,
        "attributes": {},
        "flags": {},
        "do_not_contact": False,
        "touch_count": 1,
        "last_touch_at": now,
        "created_at": now,
        "status_changed_at": now,
        **values,
    }


def insert_lead(conn: sa.Connection, *, agency_id: int, now: datetime, **values: object) -> int:
    """A bare ``leads`` row in the caller's transaction, for tests below intake (the outbox,
    the audit chain, statistics): no normalizing, no routing, any column as given."""
    row = lead_row(agency_id=agency_id, now=now, **values)
    return int(conn.execute(leads.insert().values(**row).returning(leads.c.id)).scalar_one())


def make_chain(c: Container, agency_id: int, n: int, first: int = 0) -> list[int]:
    """``n`` routing decisions of one bare lead on the agency's audit chain, a second apart
    (decision i names producer i as the winner), in one transaction; their ids."""
    now = c.clock.now()
    with c.engine.begin() as conn:
        lead_id = insert_lead(conn, agency_id=agency_id, now=now)
        return [
            append_decision(
                conn,
                agency_id=agency_id,
                lead_id=lead_id,
                kind="route",
                outcome="assigned",
                producer_id=i,
                policy_version=1,
                explanation={"winner": i, "candidates": [{"id": i, "score": 0.5 + i}]},
                actor=None,
                now=now + timedelta(seconds=i),
            )
            for i in range(first, first + n)
        ]


def producer_ids(conn: sa.Connection, agency_id: int) -> list[int]:
    """The agency's producer ids, oldest first."""
    return list(
        conn.execute(
            sa.select(producers.c.id)
            .where(producers.c.agency_id == agency_id)
            .order_by(producers.c.id)
        ).scalars()
    )


def insert_drifting_week(
    conn: sa.Connection, *, agency_id: int, now: datetime, insurance_type: str = "personal_auto"
) -> tuple[int, int]:
    """Two producers' high-intent leads of two days ago, contacted in 3 minutes: the first
    binds 8 of 16, the second 2 (a drift the rebalancing monitor reports)."""
    first, second = producer_ids(conn, agency_id)[:2]
    for producer_id, bound in ((first, 8), (second, 2)):
        for n in range(16):
            at = now - timedelta(days=2, minutes=n)
            insert_lead(
                conn,
                agency_id=agency_id,
                now=at,
                status="bound" if n < bound else "lost",
                first_name="Week",
                last_name=str(n),
                insurance_type=insurance_type,
                intent_tier="high",
                owner_id=producer_id,
                first_contact_at=at + timedelta(minutes=3),
                response_seconds=180,
            )
    return first, second
