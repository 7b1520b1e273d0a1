"""``leadrouter serve --workers N``: several API processes on one port (PostgreSQL only), and
connections that get TCP_NODELAY however many processes serve them."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from leadrouter.serving import listening_socket
from tests.support.postgres import create_database
from tests.support.serving import free_port

DEMO_KEY = "lr_demo_key_for_the_processes_test"


def _server_processes(pid: int) -> set[int]:
    """The server processes ``pid`` started (Linux /proc; not multiprocessing's tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid and b"spawn_main" in cmdline:
                found.add(int(entry.name))
    return found


def _owner_of_connection(server_port: int, client_port: int, pids: set[int]) -> int | None:
    """Which of ``pids`` holds the server end of the loopback connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and (
            int(remote.split(":")[1], 16) == client_port
        ):
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


@pytest.fixture
def two_processes(pg_server: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    env = {
        **os.environ,
        "LEADROUTER_DATABASE_URL": create_database(pg_server, f"serve_{port}"),
        "LEADROUTER_PORT": str(port),
        "LEADROUTER_DEMO_API_KEY": DEMO_KEY,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadrouter", "serve", "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 420  # generous: a busy machine starts Python slowly
        while time.monotonic() < deadline:
            try:
                up = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                up = False
            if up and len(_server_processes(proc.pid)) >= 2:
                break
            time.sleep(0.2)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        else:
            pytest.fail("serve --workers 2 did not start two answering processes within 420 s")
        yield proc, port
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=120)
        assert "by 2 processes" in out


@pytest.mark.postgres
def test_serve_with_two_workers_answers_leads_from_both_processes(
    two_processes: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = two_processes
    servers = _server_processes(proc.pid)
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "zip": "10001",
        "insurance_type": "personal_auto",
    }
    answered_by: dict[int, int] = {}
    for i in range(200):
        if i and i % 10 == 0 and len(answered_by) < 2:
            time.sleep(0.5)  # let a process that lost every race so far reach its accept
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        lead = {**body, "email": f"ada{i}@example.com", "phone": f"(212) 555-{1000 + i:04d}"}
        conn.request(
            "POST",
            "/v1/leads",
            body=json.dumps(lead),
            headers={"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        assert response.status == 201, response.read()
        response.read()
        owner = _owner_of_connection(port, client_port, servers)
        conn.close()
        assert owner in servers
        answered_by[owner] = answered_by.get(owner, 0) + 1
        if len(answered_by) == 2 and i >= 9:
            break
    assert set(answered_by) == servers and len(servers) == 2


def test_serve_refuses_several_processes_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "LEADROUTER_DATABASE_URL": f"sqlite:///{tmp_path / 'lr.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "leadrouter", "serve", "--workers", "2"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,  # importing the whole CLI takes a while on a busy machine
    )
    assert done.returncode == 2
    assert "--workers > 1 needs PostgreSQL" in done.stdout + done.stderr


@pytest.mark.parametrize("tcp_nodelay", [True, False])
def test_connections_accepted_on_the_shared_socket_get_tcp_nodelay(tcp_nodelay: bool) -> None:
    """The uvicorn-style socket (proto 0) is the control: its connections keep Nagle on."""
    sock = listening_socket("127.0.0.1", 0, tcp_nodelay=tcp_nodelay)
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    # A thread of its own: the browser tests' Playwright keeps an event loop running in the
    # main thread for the whole session, where asyncio.run() is refused.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, accept_one()).result(timeout=60)
    assert seen == [1 if tcp_nodelay else 0]
