"""``serve`` survives clients that trickle their request heads (issue 9, item 2)."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import _free_port

pytestmark = pytest.mark.slow  # starts leadrouter serve as a process

DESCRIPTORS = 256  # the server process's whole allowance, as on a small default host


def _small_descriptor_table() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "LEADROUTER_DATABASE_URL": f"sqlite:///{tmp_path / 'leadrouter.db'}",
        "LEADROUTER_PORT": str(port),
        "LEADROUTER_HEADER_TIMEOUT_SECONDS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadrouter", "serve", "--no-worker", "--no-demo"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_small_descriptor_table,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("leadrouter serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_clients_trickling_request_heads_are_cut_off_and_healthz_keeps_answering(
    served: str,
) -> None:
    port = int(served.rsplit(":", 1)[1])
    slow = []
    for _ in range(DESCRIPTORS + 44):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
        slow.append(s)
    try:
        deadline, healthy = time.monotonic() + 15, False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = httpx.get(served + "/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        assert healthy, "/healthz did not answer while slow clients were connected"
        slow[0].settimeout(5)
        assert slow[0].recv(1024) == b""  # the server closed the trickling connection
    finally:
        for s in slow:
            s.close()
