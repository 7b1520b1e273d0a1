"""A synthetic agency loaded through the real CSV importer: producers licensed in given states."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.policy import put_policy
from leadrouter.services.roster.csv_import import import_csv

ALL_LINES = "Property; Casualty; Personal Lines; Life; Accident & Health"

ROUND_ROBIN_POLICY = """
name: round robin, no territories
routing:
  steps:
    - type: availability
    - type: caps
  strategy:
    type: round_robin
  fallback:
    any_eligible: false
"""


@dataclass(frozen=True)
class SyntheticAgency:
    agency_id: int
    api_key: str
    producer_count: int


PRODUCER_COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "timezone",
    "working_hours",
    "out_of_office",
    "lines",
    "max_open",
    "max_daily",
    "team",
    "backup",
    "role",
    "active",
)
LICENSE_COLUMNS = (
    "producer",
    "state",
    "number",
    "lines",
    "resident",
    "effective_date",
    "expiration_date",
    "status",
)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A CSV file of the roster import's layout: the header, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def roster_csvs(
    *,
    producers: int,
    states: Sequence[str],
    states_per_producer: int,
    max_open: int | None,
    max_daily: int | None,
    rng: random.Random,
) -> dict[str, str]:
    """Producers working around the clock, each licensed (all lines) in some of ``states``."""
    people = []
    licenses = []
    for i in range(1, producers + 1):
        people.append(
            [
                f"S{i:05d}",
                f"Producer {i}",
                f"producer{i}@synthetic.example",
                "",
                "America/New_York",
                "Mon-Sun 00:00-24:00",
                "",
                "personal;commercial;life;health",
                "" if max_open is None else max_open,
                "" if max_daily is None else max_daily,
                f"Team {i % 8}",
                "",
                "producer",
                "yes",
            ]
        )
        for state in rng.sample(list(states), min(states_per_producer, len(states))):
            licenses.append(
                [
                    f"S{i:05d}",
                    state,
                    f"{state}-{i:06d}",
                    ALL_LINES,
                    "no",
                    "2000-01-01",
                    "2099-12-31",
                    "active",
                ]
            )
    return roster_files_of(people, licenses)


def roster_files_of(
    people: Sequence[Sequence[object]], licenses: Sequence[Sequence[object]]
) -> dict[str, str]:
    """The producers and licenses CSV files of these rows (in the import's column order)."""
    return {
        "producers": write_csv(PRODUCER_COLUMNS, people),
        "licenses": write_csv(LICENSE_COLUMNS, licenses),
    }


def import_roster(
    c: Container, *, agency_id: int, files: Mapping[str, str], now: datetime, source: str
) -> None:
    """Import each roster file (licenses verified by ``source``'s registry), all or nothing."""
    for kind, data in files.items():
        report = import_csv(
            uow=c.uow(),
            agency_id=agency_id,
            kind=kind,
            data=data,
            now=now,
            verified_by=f"{source} registry",
        )
        if not report.committed:
            raise RuntimeError(f"{source} {kind} did not import: {report.errors[:3]}")


def load_synthetic_agency(
    c: Container,
    *,
    producers: int,
    states: Sequence[str] = ("NY",),
    states_per_producer: int = 1,
    max_open: int | None = None,
    max_daily: int | None = None,
    policy: str | None = ROUND_ROBIN_POLICY,
    seed: int = 1,
    name: str = "Synthetic Agency",
) -> SyntheticAgency:
    """Create the agency, import its roster (licenses verified), and save ``policy``."""
    now = c.clock.now()
    new = create_agency(uow=c.uow(), name=name, now=now)
    files = roster_csvs(
        producers=producers,
        states=states,
        states_per_producer=states_per_producer,
        max_open=max_open,
        max_daily=max_daily,
        rng=random.Random(seed),
    )
    import_roster(c, agency_id=new.agency_id, files=files, now=now, source="synthetic")
    if policy is not None:
        put_policy(
            uow=c.uow(),
            agency_id=new.agency_id,
            text=policy,
            fmt="yaml",
            actor="synthetic",
            now=c.clock.now(),
        )
    return SyntheticAgency(new.agency_id, new.api_key, producers)
