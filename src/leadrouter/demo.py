"""The demo agency that ``make run`` loads into an empty database.

Harbor & Main Insurance: four producers in four pods that back each other up, ZIP
territories North County 10001-10099, South County 10100-10199, Metro 10200-10299 and West
Side 10300-10399, licenses in several states (one expiring within 30 days, one already
expired), a few lead sources with costs and some existing clients. The roster comes from
the CSV files in ``demo_data/`` through the ordinary CSV importer; their dates are written
``{{today+N}}`` and computed from ``now``, so the demo is always current.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.services.admin import agencies
from leadrouter.services.people.users import add_user, hash_password, producer_id_of
from leadrouter.services.roster.csv_import import import_csv
from leadrouter.store.statistics import analyze_new_tables

DEMO_NAME = "Harbor & Main Insurance"
DEMO_TIMEZONE = "America/New_York"
DEMO_REGISTRY = "demo registry"
DEMO_FILES = ("sources", "producers", "licenses", "territories", "clients")
# One user per role; the producer user is Alice Moreno (P001), so the portal has her leads.
DEMO_USERS = (
    ("manager@harborandmain.example", "Morgan Hale", Role.MANAGER, None),
    ("supervisor@harborandmain.example", "Sam Ortiz", Role.SUPERVISOR, None),
    ("alice.moreno@harborandmain.example", "Alice Moreno", Role.PRODUCER, "P001"),
    ("compliance@harborandmain.example", "Casey Lin", Role.COMPLIANCE, None),
)
_TODAY = re.compile(r"\{\{today([+-]\d+)?\}\}")


def render(template: str, today: date) -> str:
    """A demo CSV with each ``{{today+N}}`` replaced by the date N days from ``today``."""
    return _TODAY.sub(lambda m: (today + timedelta(days=int(m[1] or 0))).isoformat(), template)


def demo_csv(kind: str, today: date) -> str:
    """The demo agency's CSV of ``kind``, dated from ``today``."""
    template = (resources.files("leadrouter") / "demo_data" / f"{kind}.csv").read_text("utf-8")
    return render(template, today)


def ensure_demo_agency(c: Container, *, announce: Callable[[str], None]) -> int | None:
    """Load the demo agency if there is no agency yet; returns its id when it was created."""
    if agencies.count_agencies(uow=c.uow(readonly=True)) > 0:
        return None
    now = c.clock.now()
    new = agencies.create_agency(
        uow=c.uow(),
        name=DEMO_NAME,
        now=now,
        timezone=DEMO_TIMEZONE,
        api_key=c.settings.demo_api_key,
    )
    today = now.astimezone(ZoneInfo(DEMO_TIMEZONE)).date()
    counts = []
    for kind in DEMO_FILES:
        report = import_csv(
            uow=c.uow(),
            agency_id=new.agency_id,
            kind=kind,
            data=demo_csv(kind, today),
            now=now,
            verified_by=DEMO_REGISTRY if kind == "licenses" else None,
        )
        if report.errors or not report.committed:
            raise RuntimeError(f"the demo {kind} file is broken: {report.errors}")
        counts.append(f"{report.created} {kind}")
    _, compliance_key = agencies.issue_key(
        uow=c.uow(),
        agency_id=new.agency_id,
        name="demo compliance",
        now=now,
        role=Role.COMPLIANCE,
    )
    password = c.settings.demo_password or secrets.token_urlsafe(12)
    hashed = hash_password(password)  # one argon2 hash for the four users: a faster start
    for email, name, role, producer in DEMO_USERS:
        add_user(
            uow=c.uow(),
            agency_id=new.agency_id,
            email=email,
            name=name,
            role=role,
            producer_id=None if producer is None else _producer_id(c, new.agency_id, producer),
            password=password,
            password_hash=hashed,
            now=now,
        )
    with c.uow() as uow:  # the planner's statistics of the rows just loaded (PostgreSQL)
        analyze_new_tables(uow.conn)
        uow.commit()
    announce(f"demo agency {DEMO_NAME!r} created (id {new.agency_id}): {', '.join(counts)}")
    announce(f"demo API key (manager): {new.api_key}")
    announce(f"demo API key (compliance): {compliance_key}")
    announce(f"demo public form key: {new.public_form_key}")
    for email, _, role, _ in DEMO_USERS:
        announce(f"demo sign-in ({role}): {email}")
    shown = "as set by LEADROUTER_DEMO_PASSWORD" if c.settings.demo_password else password
    announce(f"demo password (every demo user): {shown}")
    return new.agency_id


def _producer_id(c: Container, agency_id: int, external_id: str) -> int:
    found = producer_id_of(uow=c.uow(readonly=True), agency_id=agency_id, external_id=external_id)
    if found is None:
        raise RuntimeError(f"the demo producers file has no {external_id}")
    return found
