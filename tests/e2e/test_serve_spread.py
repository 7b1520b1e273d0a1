"""Several server processes on one port share its connections by the kernel's choice, not
by which process is first to accept: keep-alive clients that connect while one process is
busy are still spread over both, so that process has its share of the work when it is free
again (with one shared socket the other process took every one of them)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from leadrouter.serving import spreads_connections
from tests.support.serving import free_port, wait_for

pytestmark = [
    pytest.mark.slow,  # starts server processes
    pytest.mark.skipif(not spreads_connections(), reason="the kernel spreads connections on Linux"),
]

CLIENTS = 31  # connecting while one process is busy
SERVE = """
import sys
from leadrouter.serving import serve
serve("tests.support.serving:process_id_app", host="127.0.0.1", port=int(sys.argv[1]),
      workers=2, log_level="info")
"""


def _read_log(proc: subprocess.Popen[str], started: threading.Event) -> None:
    """Read the server's log to its end; set ``started`` once both processes say their
    startup is complete."""
    assert proc.stdout is not None
    count = 0
    for line in proc.stdout:
        count += "Application startup complete" in line
        if count == 2:
            started.set()


def test_keep_alive_clients_connecting_while_one_process_is_busy_are_spread_over_both(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = threading.Event()
    reader = threading.Thread(target=_read_log, args=(proc, started), daemon=True)
    reader.start()
    try:
        # A limit for hangs: a busy machine starts Python slowly.
        assert started.wait(timeout=300), "two server processes did not start within 300 s"
        seen: set[int] = set()  # a process listens just after it says it started

        def both_answer() -> bool:
            seen.add(int(httpx.get(f"http://127.0.0.1:{port}/pid", timeout=60).text))
            return len(seen) == 2

        wait_for(both_answer, 60, "both processes to answer")
        held = tmp_path / "held"
        busy = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        busy.request("GET", f"/hold?path={held}&seconds=2")
        wait_for(held.exists, 60, "a process to hold its event loop")
        clients = [
            http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(CLIENTS)
        ]
        for conn in clients:
            conn.connect()
        busy_pid = int(busy.getresponse().read())
        served_by = Counter([busy_pid])
        for _ in range(2):  # keep-alive: the same process answers again
            for conn in clients:
                conn.request("GET", "/pid")
            answers = [int(conn.getresponse().read()) for conn in clients]
            served_by.update(answers)
        for conn in [busy, *clients]:
            conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        reader.join(timeout=60)
        assert proc.stdout is not None
        proc.stdout.close()
    # Each connection goes to either process with an even chance: fewer than 4 of the 31 on
    # the busy one (8 of their 62 requests) happens about once in 400,000 runs by chance
    # alone; with one shared socket the busy process got none of them.
    assert len(served_by) == 2, served_by
    assert served_by[busy_pid] >= 1 + 2 * 4, served_by
