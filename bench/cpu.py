"""CPU time spent per request by each part of an HTTP benchmark, read from ``/proc``.

A benchmark on a small machine shares its cores among the server it measures, the database
server and its own load driver. Their CPU time per request says how far more server
processes could go: with every core busy, throughput cannot exceed the cores divided by the
CPU time all parts spend per request.

- **server**: every process in the session of the ``bench.server`` listening on the port
  (``bench.harness.served`` starts it in a session of its own, workers included);
- **database**: the PostgreSQL postmaster on the database URL's port and its children
  (backends that have exited are counted through the postmaster's reaped-children time);
- **client**: this process (the load driver's threads).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSeconds:
    server: float
    database: float
    client: float

    def __sub__(self, other: CpuSeconds) -> CpuSeconds:
        return CpuSeconds(
            self.server - other.server,
            self.database - other.database,
            self.client - other.client,
        )

    @property
    def total(self) -> float:
        return self.server + self.database + self.client


@dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    session: int
    own: float  # user + system seconds
    reaped: float  # user + system seconds of waited-for children
    argv: str


def _processes() -> Iterator[_Proc]:
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        ticks = [int(x) for x in fields[11:15]]  # utime stime cutime cstime
        yield _Proc(
            int(name),
            int(fields[1]),
            int(fields[3]),
            (ticks[0] + ticks[1]) / TICKS,
            (ticks[2] + ticks[3]) / TICKS,
            argv,
        )


def sample(server_base: str, database_url: str) -> CpuSeconds:
    """Cumulative CPU seconds of the three parts now; subtract two samples for a span."""
    server_port = urlsplit(server_base).port
    database_port = urlsplit(database_url).port
    procs = list(_processes())
    sessions = {
        p.session for p in procs if "bench.server" in p.argv and f"--port {server_port} " in p.argv
    }
    server = sum(p.own for p in procs if p.session in sessions)
    postmasters = {
        p.pid
        for p in procs
        if database_port is not None and f" -p {database_port} " in p.argv and " -D " in p.argv
    }
    database = sum(p.own + p.reaped for p in procs if p.pid in postmasters) + sum(
        p.own for p in procs if p.ppid in postmasters
    )
    me = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSeconds(server, database, me.ru_utime + me.ru_stime)


def cores() -> int:
    """Cores this process may run on (the benchmark's parts share them)."""
    return len(os.sched_getaffinity(0))
