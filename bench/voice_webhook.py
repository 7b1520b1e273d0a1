"""The voice webhook's routing answer: inbound call → lead → gate → ``<Dial>``, timed.

An agency of PRODUCERS producers, all licensed in NY and available. Each call is a new caller
with a vendor's NY ZIP: the timed request is ``POST /hooks/voice/{form_key}`` (signature check,
intake, routing through the license gate, the dial plan's audit record, the TwiML answer),
in-process through the ASGI app. The call is then answered and ended (not timed) so the
producer is free again. Target: p99 <= 50 ms on SQLite and PostgreSQL. The CPU columns are
the process's CPU time per request (client and app, in-process): on a machine others load,
they move far less than the wall-clock figures.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from bench.harness import QUICK
from bench.intake_http import database
from leadrouter.api.app import create_app
from leadrouter.bootstrap import bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.roster.specs import LicenseSpec, ProducerSpec
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.security import update_security
from leadrouter.services.roster.licenses import create_license
from leadrouter.services.roster.producers import create_producer
from leadrouter.sim.calls import CallSimulator

PRODUCERS = 20
CALLS = 60 if QUICK else 300
WARMUP = 10
TOKEN = "bench-voice-token"
AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York: working hours


def run(kind: str) -> dict[str, float | str]:
    """p50/p99 (ms) of the routing answer on one database."""
    with database(kind) as url:
        c = bootstrap(Settings(database_url=url), clock=FixedClock(AT))
        now = AT
        agency = create_agency(uow=c.uow(), name="Bench Insurance", now=now)
        update_security(
            uow=c.uow(), sealer=c.sealer, agency_id=agency.agency_id, sms_auth_token=TOKEN
        )
        for n in range(PRODUCERS):
            spec = ProducerSpec(
                name=f"P {n}", email=f"p{n}@bench.example", phone=f"+1212555{n:04d}"
            )
            pid = create_producer(uow=c.uow(), agency_id=agency.agency_id, spec=spec, now=now)
            lic = LicenseSpec(
                producer_id=pid.producer.id,
                state="NY",
                number=f"NY-{n}",
                lines=frozenset({"personal_lines"}),
                resident=True,
                effective_date=now.date().replace(year=2020),
                expiration_date=None,
                status="active",
            )
            create_license(
                uow=c.uow(), agency_id=agency.agency_id, spec=lic, now=now, verifier="bench"
            )
        path = f"/hooks/voice/{agency.public_form_key}"
        timings, cpu, outcomes = [], [], {"dial": 0, "other": 0}
        with TestClient(create_app(c)) as client:
            sim = CallSimulator(
                client=client, form_key=agency.public_form_key, token=TOKEN, licensed={}
            )
            for i in range(WARMUP + CALLS):
                base = {"CallSid": f"CA{i}", "From": f"+1212736{1000 + i}"}
                t0, c0 = time.perf_counter(), time.process_time()
                answer = sim.post(path, {**base, "zip": "10001"})
                elapsed = (time.perf_counter() - t0) * 1000
                used = (time.process_time() - c0) * 1000
                dialed = "<Dial" in answer.text
                if i >= WARMUP:
                    timings.append(elapsed)
                    cpu.append(used)
                    outcomes["dial" if dialed else "other"] += 1
                if dialed:
                    sim.post(f"{path}/dial-result", {**base, "DialCallStatus": "completed"})
        c.engine.dispose()
    timings.sort()
    cpu.sort()
    return {
        "database": kind,
        "p50": statistics.median(timings),
        "p99": _p99(timings),
        "cpu_p50": statistics.median(cpu),
        "cpu_p99": _p99(cpu),
        "answers": f"Dial {outcomes['dial']}, other {outcomes['other']}",
    }


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def main() -> None:
    """Print the table."""
    table = Table(
        title=f"Voice webhook routing answer, {PRODUCERS} NY producers, {CALLS} calls "
        "(in-process; target p99 <= 50 ms)"
    )
    for column in ("database", "p50 ms", "p99 ms", "CPU p50 ms", "CPU p99 ms", "answers"):
        table.add_column(column)
    for kind in ("sqlite", "postgres"):
        r = run(kind)
        table.add_row(
            str(r["database"]),
            f"{r['p50']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['cpu_p50']:.1f}",
            f"{r['cpu_p99']:.1f}",
            str(r["answers"]),
        )
    Console(width=160).print(table)
