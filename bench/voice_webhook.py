"""The voice webhook's routing answer: inbound call → lead → gate → ``<Dial>``, timed.

An agency of PRODUCERS producers, all licensed in NY and available. Each call is a new caller
with a vendor's NY ZIP: the timed request is ``POST /hooks/voice/{form_key}`` (signature check,
intake, routing through the license gate, the dial plan's audit record, the TwiML answer),
in-process through the ASGI app. The call is then answered and ended (not timed) so the
producer is free again. Target: p99 <= 50 ms on SQLite and PostgreSQL.

Fair by construction: WARMUP calls first (caches, statement compilation), then ROUNDS rounds
of CALLS calls; each figure is the median of the rounds' figures. Every answer must be a 200
with a ``<Dial>`` (an error, a refusal or the fallback voids the run: it raises). The CPU
columns are the process's CPU time per request (client and app, in-process): on a machine
others load, they move far less than the wall-clock figures. Statements and round trips per
call are counted after the timed rounds (the counting listeners cost time of their own).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from bench.harness import QUICK
from bench.intake_http import database
from bench.server import StatementCounter
from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.roster.specs import LicenseSpec, ProducerSpec
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.security import update_security
from leadrouter.services.roster.licenses import create_license
from leadrouter.services.roster.producers import create_producer
from leadrouter.sim.calls import CallSimulator

PRODUCERS = 20
ROUNDS = 3
CALLS = 30 if QUICK else 100  # per round
WARMUP = 20
COUNTED = 10  # calls whose statements are counted, after the timed rounds
TOKEN = "bench-voice-token"
AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York: working hours


class RunVoid(RuntimeError):
    """An answer that is not the routing answer: the run measures nothing."""


def run(kind: str) -> dict[str, Any]:
    """Median figures of the rounds (ms) and statements per call, on one database."""
    with database(kind) as url:
        c = bootstrap(Settings(database_url=url), clock=FixedClock(AT))
        form_key = _agency(c)
        with TestClient(create_app(c)) as client:
            sim = CallSimulator(client=client, form_key=form_key, token=TOKEN, licensed={})
            calls = _Calls(sim)
            for _ in range(WARMUP):
                calls.one()
            rounds = [_figures([calls.one() for _ in range(CALLS)]) for _ in range(ROUNDS)]
            counter = StatementCounter(c.engine)
            statements = trips = 0
            for _ in range(COUNTED):
                before = (counter.statements, counter.round_trips)
                calls.one(end=False)
                statements += counter.statements - before[0]
                trips += counter.round_trips - before[1]
                calls.end()
        c.engine.dispose()
    out: dict[str, Any] = {
        key: statistics.median(r[key] for r in rounds)
        for key in ("p50", "p99", "cpu_p50", "cpu_p99")
    }
    out["database"] = kind
    out["statements"] = statements / COUNTED
    out["round_trips"] = trips / COUNTED
    out["calls"] = f"{ROUNDS} x {CALLS}, all Dial"
    return out


class _Calls:
    """New callers one after another: the timed inbound call, then its (untimed) end."""

    def __init__(self, sim: CallSimulator) -> None:
        self.sim = sim
        self.path = f"/hooks/voice/{sim.form_key}"
        self.n = 0
        self.base: dict[str, str] = {}

    def one(self, *, end: bool = True) -> tuple[float, float]:
        """Wall and CPU ms of one inbound call's routing answer."""
        self.n += 1
        self.base = {"CallSid": f"CA{self.n}", "From": f"+1212736{1000 + self.n}"}
        t0, c0 = time.perf_counter(), time.process_time()
        answer = self.sim.post(self.path, {**self.base, "zip": "10001"})
        elapsed = (time.perf_counter() - t0) * 1000
        used = (time.process_time() - c0) * 1000
        if answer.status_code != 200 or "<Dial" not in answer.text:
            raise RunVoid(f"call {self.n}: {answer.status_code} {answer.text[:200]}")
        if end:
            self.end()
        return elapsed, used

    def end(self) -> None:
        """The producer answered and hung up: free for the next call."""
        done = {**self.base, "DialCallStatus": "completed"}
        answer = self.sim.post(f"{self.path}/dial-result", done)
        if answer.status_code != 200:
            raise RunVoid(f"dial result {self.n}: {answer.status_code} {answer.text[:200]}")


def _agency(c: Container) -> str:
    """An agency of PRODUCERS producers licensed in NY, its voice token set; its form key."""
    agency = create_agency(uow=c.uow(), name="Bench Insurance", now=AT)
    update_security(uow=c.uow(), sealer=c.sealer, agency_id=agency.agency_id, sms_auth_token=TOKEN)
    for n in range(PRODUCERS):
        spec = ProducerSpec(name=f"P {n}", email=f"p{n}@bench.example", phone=f"+1212555{n:04d}")
        pid = create_producer(uow=c.uow(), agency_id=agency.agency_id, spec=spec, now=AT)
        lic = LicenseSpec(
            producer_id=pid.producer.id,
            state="NY",
            number=f"NY-{n}",
            lines=frozenset({"personal_lines"}),
            resident=True,
            effective_date=AT.date().replace(year=2020),
            expiration_date=None,
            status="active",
        )
        create_license(uow=c.uow(), agency_id=agency.agency_id, spec=lic, now=AT, verifier="bench")
    return agency.public_form_key


def _figures(samples: list[tuple[float, float]]) -> dict[str, float]:
    wall = sorted(s[0] for s in samples)
    cpu = sorted(s[1] for s in samples)
    return {
        "p50": statistics.median(wall),
        "p99": _p99(wall),
        "cpu_p50": statistics.median(cpu),
        "cpu_p99": _p99(cpu),
    }


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def main() -> None:
    """Print the table."""
    table = Table(
        title=f"Voice webhook routing answer, {PRODUCERS} NY producers, medians of {ROUNDS} "
        f"rounds x {CALLS} calls after {WARMUP} warm-up (in-process; target p99 <= 50 ms)"
    )
    columns = ("database", "p50 ms", "p99 ms", "CPU p50 ms", "CPU p99 ms")
    for column in (*columns, "statements/call", "round trips/call", "calls"):
        table.add_column(column)
    for kind in ("sqlite", "postgres"):
        r = run(kind)
        table.add_row(
            str(r["database"]),
            *(f"{r[key]:.1f}" for key in ("p50", "p99", "cpu_p50", "cpu_p99")),
            f"{r['statements']:.1f}",
            f"{r['round_trips']:.1f}",
            str(r["calls"]),
        )
    Console(width=160).print(table)
