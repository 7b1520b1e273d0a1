"""A demo agency for the call-path simulator: three producers, calls from covered,
uncovered and unknown states, played in-process on a throw-away SQLite database."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.roster.specs import LicenseSpec, ProducerSpec
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.security import update_security
from leadrouter.services.calls.presence import set_presence
from leadrouter.services.roster.licenses import create_license
from leadrouter.services.roster.producers import create_producer
from leadrouter.sim.calls import Caller, CallSimulator, CallTrace
from leadrouter.store.migrate import upgrade

TOKEN = "demo-voice-auth-token"
# name, phone, licensed states, presence, what they do when rung
ROSTER = (
    ("Ana Ortiz", "+12125550101", ("NY", "NJ"), "available", "no-answer"),
    ("Ben Cole", "+12125550102", ("NY",), "available", "completed"),
    ("Cruz Diaz", "+12125550103", ("NJ",), "away", "completed"),
)
CALLS = (
    (
        "covered state (NY), a vendor's transfer with a ZIP",
        Caller("CA-covered", "+12127361701", "NY", fields={"zip": "10001", "first_name": "Casey"}),
    ),
    (
        "unknown state, the caller types an NJ ZIP",
        Caller("CA-unknown", "+12127361702", "NJ", zip_code="07030"),
    ),
    ("uncovered state (PA)", Caller("CA-uncovered", "+12127361703", "PA", fields={"zip": "19103"})),
    ("unknown state, no ZIP given", Caller("CA-silent", "+12127361704", None)),
)


@dataclass(frozen=True)
class DemoCall:
    label: str
    trace: CallTrace


def run_demo(at: datetime = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)) -> list[DemoCall]:
    """Play every demo call; raises ``CallPathError`` on any answer the path must not give."""
    with tempfile.TemporaryDirectory(prefix="leadrouter-calls-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'calls.db'}"
        upgrade(url)
        c = bootstrap(Settings(database_url=url), clock=FixedClock(at))
        try:
            agency = create_agency(uow=c.uow(), name="Demo Insurance", now=at)
            update_security(
                uow=c.uow(), sealer=c.sealer, agency_id=agency.agency_id, sms_auth_token=TOKEN
            )
            for name, phone, states, presence, _ in ROSTER:
                spec = ProducerSpec(
                    name=name, email=f"{name.split()[0].lower()}@demo.example", phone=phone
                )
                pid = create_producer(uow=c.uow(), agency_id=agency.agency_id, spec=spec, now=at)
                for state in states:
                    lic = LicenseSpec(
                        producer_id=pid.producer.id,
                        state=state,
                        number=f"{state}-{pid.producer.id}",
                        lines=frozenset({"personal_lines"}),
                        resident=state == states[0],
                        effective_date=at.date().replace(year=2020),
                        expiration_date=None,
                        status="active",
                    )
                    create_license(
                        uow=c.uow(),
                        agency_id=agency.agency_id,
                        spec=lic,
                        now=at,
                        verifier="demo registry",
                    )
                set_presence(
                    uow=c.uow(),
                    agency_id=agency.agency_id,
                    producer_id=pid.producer.id,
                    presence=presence,
                )
            answers = {phone: answer for _, phone, _, _, answer in ROSTER}
            with TestClient(create_app(c)) as client:
                sim = CallSimulator(
                    client=client,
                    form_key=agency.public_form_key,
                    token=TOKEN,
                    licensed={phone: frozenset(states) for _, phone, states, _, _ in ROSTER},
                    answers=lambda phone: answers[phone],
                )
                return [DemoCall(label, sim.call(caller)) for label, caller in CALLS]
        finally:
            c.engine.dispose()
