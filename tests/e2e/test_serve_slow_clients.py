"""``serve`` survives clients that trickle their request heads (issue 9, item 2)."""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serving import running_server

pytestmark = pytest.mark.slow  # starts leadrouter serve as a process

DESCRIPTORS = 256  # the server process's whole allowance, as on a small default host


def _small_descriptor_table() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def log_file(home: Path) -> Path:
    return home / "serve.log"


@pytest.fixture(scope="module")
def served(home: Path, log_file: Path) -> Iterator[str]:
    """One server for the module: starting one is the slow part."""
    with (
        log_file.open("wb") as log,
        running_server(
            home,
            "--no-worker",
            "--no-demo",
            env={"LEADROUTER_HEADER_TIMEOUT_SECONDS": "1"},
            output=log,
            preexec_fn=_small_descriptor_table,
        ) as base,
    ):
        yield base


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


def test_access_log_lines_carry_no_query_string(served: str, log_file: Path) -> None:
    httpx.get(served + "/v1/leads", params={"phone": "+12127361742", "email": "ada@example.com"})

    deadline, text = time.monotonic() + 10, ""
    while time.monotonic() < deadline and "/v1/leads" not in text:
        time.sleep(0.2)
        text = log_file.read_text(errors="replace")
    assert "GET /v1/leads?[redacted]" in text
    assert "2127361742" not in text and "ada%40example.com" not in text
