"""Shared pieces of the HTTP benchmarks: a server in a subprocess and a bounded load driver."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

Request = tuple[str, str, dict[str, Any], dict[str, str]]  # method, path, json, headers
# BENCH_QUICK=1: fewer requests, rounds and decisions, for a quick look while iterating.
QUICK = os.environ.get("BENCH_QUICK") == "1"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    outcomes: dict[str, int]  # the "status" of JSON bodies that have one (assigned, queued)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def scratch_database(kind: str, name: str = "bench") -> Iterator[str]:
    """An empty database for one run: ``kind`` "sqlite", a file in a temporary folder; or
    "postgres", database ``name`` on a PostgreSQL server started for it and stopped after."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="leadrouter-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from tests.support.postgres import create_database, running_server

    with running_server() as server:
        yield create_database(server, name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def analyze(database_url: str) -> None:
    """Gather the planner's statistics now, as autovacuum soon does on a running database.

    On a new PostgreSQL database, until its first ANALYZE (autovacuum's, a minute or so after
    the first leads), the dedupe lookup takes an index on the agency alone and reads every
    lead of the agency (1-5 ms at a few hundred leads, 0.3 ms after), which would slow
    whichever rows a benchmark measures first."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def listening_sockets(port: int) -> int:
    """How many sockets listen on loopback ``port`` (Linux ``/proc/net/tcp``; 1 elsewhere)."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 1
    local = f"0100007F:{port:04X}"
    return sum(1 for line in lines if line.split()[1] == local and line.split()[3] == "0A")


@contextlib.contextmanager
def served(database_url: str, *options: str, listeners: int = 1) -> Iterator[str]:
    """Run bench.server (with ``options``) on a loopback port; yield its base URL once it
    answers and ``listeners`` sockets listen on the port (a server of several processes,
    each with a socket of its own: the clients of the first round go to all of them)."""
    port = free_port()
    paths = [os.getcwd(), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    with tempfile.TemporaryFile() as log:  # its output (an access line a request)
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench.server"),
                *("--database-url", database_url, "--port", str(port), *options),
            ],
            env=env,
            start_new_session=True,  # its own process group: the server and its processes
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if (
                        httpx.get(base + "/healthz", timeout=1).status_code == 200
                        and listening_sockets(port) >= listeners
                    ):
                        break
                time.sleep(0.1)
            else:
                log.seek(0)
                tail = log.read()[-2000:].decode(errors="replace")
                raise RuntimeError(f"benchmark server did not start; its output ended:\n{tail}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group started above, nothing else
                proc.wait(timeout=30)


def drive(base: str, requests: Sequence[Request], *, concurrency: int = 4) -> LoadResult:
    """Send every request once, ``concurrency`` at a time over keep-alive connections.

    The driver shares the machine's cores with the server it measures, so it stays lean: the
    standard library's HTTP client spends about a third of the CPU time per request that a
    full-featured client does, which would otherwise be taken from the server."""
    url = urlsplit(base)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(requests)))

    def worker() -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
        try:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                method, path, body, headers = requests[i]
                t0 = time.perf_counter()
                connection.request(
                    method,
                    path,
                    body=json.dumps(body).encode(),
                    headers={**headers, "Content-Type": "application/json"},
                )
                response = connection.getresponse()
                content = response.read()
                dt = (time.perf_counter() - t0) * 1000
                outcome = _outcome(response.getheader("Content-Type", ""), content)
                with lock:
                    latencies.append(dt)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if outcome is not None:
                        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = {code: n for code, n in statuses.items() if code >= 400}
    if refused:
        # A refused request is cheap; counting it as served would flatter every figure.
        raise SystemExit(f"benchmark requests were refused ({refused}): the figures would be void")
    if sum(statuses.values()) != len(requests):
        raise SystemExit("benchmark requests went unanswered: the figures would be void")
    return LoadResult(len(requests), time.perf_counter() - t0, latencies, statuses, outcomes)


def _outcome(content_type: str, content: bytes) -> str | None:
    if not content_type.startswith("application/json"):
        return None
    body = json.loads(content)
    status = body.get("status") if isinstance(body, dict) else None
    return status if isinstance(status, str) else None


def medians(taken: Sequence[LoadResult]) -> dict[str, Any]:
    """The medians of rate, p50 and p99 over rounds of one load, and the last round's answers
    (``leads_per_s``, ``p50_ms``, ``p99_ms``, ``statuses``, ``outcomes``: a table row's)."""
    return {
        "leads_per_s": statistics.median(r.rate for r in taken),
        "p50_ms": statistics.median(r.percentile(0.50) for r in taken),
        "p99_ms": statistics.median(r.percentile(0.99) for r in taken),
        "statuses": dict(taken[-1].statuses),
        "outcomes": dict(taken[-1].outcomes),
    }
