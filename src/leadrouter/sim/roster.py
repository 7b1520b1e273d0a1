"""The simulated agency's roster through the real CSV importer, and the policies compared."""

from __future__ import annotations

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.policy import put_policy
from leadrouter.sim.agency import import_roster, roster_files_of, write_csv
from leadrouter.sim.scenario import MAX_OPEN, Scenario, working_hours
from leadrouter.store.tables import producers

LICENSE_LINES = {"personal": "Personal Lines", "commercial": "Property; Casualty", "life": "Life"}

# Reassign a lead nobody has called within 30 minutes; no alerts or consumer cadence (they
# do not change who binds here, and every timer step costs the run time).
TIMING = """
timing:
  escalation:
    - {after: 30m, action: reassign}
  cadence: []
"""

_HARD = """
  steps:
%s    - type: availability
    - type: caps
  fallback: {any_eligible: true}
"""

POLICIES = {
    "round robin": "name: round robin\nrouting:" + _HARD % "" + "  strategy: round_robin\n",
    "territory": "name: territory\nrouting:"
    + _HARD % "    - {type: territory, match: [state], on_empty: skip}\n"
    + "  strategy: round_robin\n",
    "weighted score": "name: weighted score\nrouting:"
    + _HARD % "    - {type: line, include_generalists: true, on_empty: skip}\n"
    + "  strategy: weighted_score\n",
    "optimizer": "name: optimizer\nrouting:"
    + _HARD % ""
    + """  strategy:
    type: optimizer
    objective: binds
    exploration: 0.05
    capacity_price: 0.5
    fairness: {period: week, min_share: 0.01, max_share: 0.15}
""",
}
MIN_SHARE = 0.01  # the optimizer's weekly floor, as the fairness column checks it


def roster_files(s: Scenario) -> dict[str, str]:
    """Producers, licenses and territories (each producer's resident state) as CSV."""
    people, licenses, territories = [], [], []
    for p in s.producers:
        ext = f"S{p.index:03d}"
        people.append(
            [
                ext,
                f"Producer {p.index}",
                f"producer{p.index}@sim.example",
                "",
                "America/New_York",
                working_hours(p),
                "",
                ";".join(p.lines),
                MAX_OPEN,
                p.max_daily,
                f"Team {p.index % 4}",
                "",
                "producer",
                "yes",
            ]
        )
        lines = "; ".join(LICENSE_LINES[line] for line in p.lines)
        for k, state in enumerate(p.states):
            licenses.append(
                [
                    ext,
                    state,
                    f"{state}-{p.index:05d}",
                    lines,
                    "yes" if k == 0 else "no",
                    "2000-01-01",
                    "2099-12-31",
                    "active",
                ]
            )
        territories.append([f"Home {p.index}", "", "", p.states[0], "", "", ext, ""])
    return {
        **roster_files_of(people, licenses),
        "territories": write_csv(
            [
                "name",
                "zip_ranges",
                "zip_prefixes",
                "states",
                "counties",
                "pod",
                "producer",
                "lines",
            ],
            territories,
        ),
    }


def load_roster(c: Container, s: Scenario, policy: str) -> tuple[int, dict[int, int]]:
    """Create the agency, import its roster, save ``policy``; (agency id, index -> producer id)."""
    now = c.clock.now()
    agency = create_agency(uow=c.uow(), name="Simulated Agency", now=now)
    import_roster(c, agency_id=agency.agency_id, files=roster_files(s), now=now, source="simulated")
    put_policy(
        uow=c.uow(),
        agency_id=agency.agency_id,
        text=policy + TIMING,
        fmt="yaml",
        actor="sim",
        now=now,
    )
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(producers.c.id, producers.c.email).where(
                producers.c.agency_id == agency.agency_id
            )
        ).all()
    ids = {int(email.split("@")[0].removeprefix("producer")): int(pid) for pid, email in rows}
    return agency.agency_id, ids
