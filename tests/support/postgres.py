"""A real, throw-away PostgreSQL server on a loopback port, for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as an unprivileged
system user that this module creates. Set LEADROUTER_TEST_PG_URL to use a server you run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.serving import free_port

PG_USER = "leadrouter-pg"


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found; `make test` installs them (apt: postgresql)"
        )
    return Path(candidates[-1]).parent


def _ensure_user() -> str | None:
    """The user to run the server as: ourselves, or an unprivileged one when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            capture_output=True,
        )
        if made.returncode != 0:
            pwd.getpwnam(PG_USER)  # another test run made it at the same moment; else KeyError
    return PG_USER


def _as(user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start a server, yield a URL to its ``postgres`` database, and stop it afterwards."""
    preset = os.environ.get("LEADROUTER_TEST_PG_URL")
    if preset:
        yield preset
        return
    bindir = _bindir()
    user = _ensure_user()
    root = Path(tempfile.mkdtemp(prefix="leadrouter-pg-"))
    data = root / "data"
    if user:
        shutil.chown(root, user=user)
        root.chmod(0o700)
    port = free_port()
    try:
        subprocess.run(
            _as(
                user,
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            _as(
                user,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(root / "server.log"),
                    "start",
                ],
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server and return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
