"""``leadrouter serve`` as a process for end-to-end tests: a free port and a server that
answers ``/healthz`` before the test starts, stopped afterwards."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest
from fastapi import FastAPI


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Poll ``condition`` until it is true; fail naming ``what`` after ``seconds`` (a limit
    for hangs, not a timed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server a test starts.

    Not one the kernel would pick (``bind(0)`` hands out the ephemeral range, which outgoing
    connections also take, so the port could be gone before the server binds it): a port
    below that range, from a slice of its own for each pytest-xdist worker, never handed
    out twice in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 20000 + (int(worker) % 12 if worker.isdigit() else 0) * 1000
    candidates = [p for p in range(first, first + 1000) if p not in _handed_out]
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port from {first} to {first + 999}")


def _written(output: int | IO[bytes]) -> str:
    """What the server wrote, when its output went to a named file."""
    name = getattr(output, "name", None)
    return Path(name).read_text(errors="replace") if isinstance(name, str) else ""


@contextmanager
def running_server(
    home: Path,
    *args: str,
    env: dict[str, str] | None = None,
    output: int | IO[bytes] = subprocess.DEVNULL,
    preexec_fn: Callable[[], None] | None = None,
    seconds: float = 600,
) -> Iterator[str]:
    """``leadrouter serve *args`` on a SQLite file in ``home``; yields its base URL once
    ``/healthz`` answers (the test fails when the server exits first, or does not answer
    within ``seconds``: a limit for hangs; a 2-core machine shared with other runs took 94 s
    to start one, near the 120 s this limit once was)."""
    port = free_port()
    environment = {
        **os.environ,
        "LEADROUTER_DATABASE_URL": f"sqlite:///{home / 'leadrouter.db'}",
        "LEADROUTER_PORT": str(port),
        **(env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadrouter", "serve", *args],
        env=environment,
        cwd=home,
        stdout=output,
        stderr=subprocess.STDOUT,
        preexec_fn=preexec_fn,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, _written(output)
        else:
            pytest.fail(f"leadrouter serve did not answer /healthz within {seconds:.0f} s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def process_id_app() -> FastAPI:
    """An app factory for server-process tests: ``GET /pid`` names the process that answers;
    ``GET /hold`` creates the file ``path`` names, then holds its process's event loop for
    ``seconds`` (as a long stretch of CPU-bound work does) and names the process."""
    app = FastAPI()

    @app.get("/pid")
    def pid() -> int:
        return os.getpid()

    @app.get("/hold")
    async def hold(path: str, seconds: float) -> int:
        Path(path).touch()
        time.sleep(seconds)  # blocking on purpose: this process accepts nothing meanwhile
        return os.getpid()

    return app
