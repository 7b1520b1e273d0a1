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
from collections.abc import Iterator, Sequence
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


class Server:
    """A throw-away server of our own: its data directory, port and the user it runs as."""

    def __init__(
        self, bindir: Path, user: str | None, root: Path, port: int, *, durable: bool = False
    ) -> None:
        self.bindir, self.user, self.root, self.port = bindir, user, root, port
        self.data = root / "data"
        self.durable = durable

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        argv = [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        subprocess.run(_as(self.user, argv), check=check, capture_output=True)

    def start(self) -> None:
        """Start it (again) on its port, and wait until it accepts connections."""
        # Fast and loose unless durable: without fsync and synchronous commits a crash loses
        # the last commits, which a test of crashes must not confuse with our own losses.
        speed = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"{'' if self.durable else speed}-c max_connections=300"
        )
        self._pg_ctl("-o", options, "-w", "-l", str(self.root / "server.log"), "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop it; ``immediate`` drops every connection at once, like a crash."""
        self._pg_ctl("-m", mode, "-w", "stop", check=False)


@contextlib.contextmanager
def own_server(*, durable: bool = False) -> Iterator[Server]:
    """Start a server of our own (one that a test may stop and start), and remove it after;
    ``durable`` keeps every commit through a crash, as a production server does."""
    bindir = _bindir()
    user = _ensure_user()
    root = Path(tempfile.mkdtemp(prefix="leadrouter-pg-"))
    if user:
        shutil.chown(root, user=user)
        root.chmod(0o700)
    server = Server(bindir, user, root, free_port(), durable=durable)
    try:
        subprocess.run(
            _as(
                user,
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(server.data),
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
        for attempt in range(3):
            try:
                server.start()
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                server.port = free_port()  # another process (a parallel worker) took it
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start a server, yield a URL to its ``postgres`` database, and stop it afterwards."""
    preset = os.environ.get("LEADROUTER_TEST_PG_URL")
    if preset:
        yield preset
        return
    with own_server() as server:
        yield server.url


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server and return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


class Emptier:
    """Empties a test database between tests, as a fresh migration left it (no rows, every
    id counting from 1), touching only the tables a test wrote to: one statement finds them
    (rows left, or an id sequence that moved). Their rows are deleted with triggers and
    foreign keys off for the transaction (``session_replication_role``), in one round trip:
    TRUNCATE makes new files for every table and index, which costs far more than the few
    rows a test leaves."""

    def __init__(self, url: str, tables: Sequence[str]) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, pool_size=1)
        with self.engine.connect() as conn:
            owned = conn.execute(sa.text(_OWNED_SEQUENCES), {"tables": list(tables)}).all()
        self._sequences: dict[str, list[str]] = {}
        for seq, table in owned:
            self._sequences.setdefault(table, []).append(seq)
        written = [f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables]
        pairs = ", ".join(f"('{seq}', '{table}')" for seq, table in owned)
        moved = (
            f"SELECT m.t FROM (VALUES {pairs}) AS m(s, t) JOIN pg_sequences AS q "
            "ON q.schemaname = current_schema() AND q.sequencename = m.s "
            "WHERE q.last_value IS NOT NULL"
        )
        self._dirty = sa.text(" UNION ".join([*written, moved] if owned else written))
        with self.engine.connect() as conn:  # a preset server may not make us superuser
            self._superuser = bool(conn.execute(sa.text(_SUPERUSER)).scalar())

    def empty(self) -> None:
        """Delete every row of the tables holding rows or whose ids moved; restart their ids."""
        with self.engine.begin() as conn:
            dirty = sorted(conn.execute(self._dirty).scalars())
            if not dirty:
                return
            names = ", ".join(f'"{t}"' for t in dirty)
            if not self._superuser:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                return
            statements = ["SET LOCAL session_replication_role = replica"]
            statements += [f'DELETE FROM "{t}"' for t in dirty]
            statements += [
                f'ALTER SEQUENCE "{seq}" RESTART'
                for t in dirty
                for seq in self._sequences.get(t, ())
            ]
            conn.exec_driver_sql("; ".join(statements))

    def close(self) -> None:
        self.engine.dispose()


_SUPERUSER = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"

# The sequences that give the tables their ids (serial or identity columns), by table.
_OWNED_SEQUENCES = """
SELECT s.relname, t.relname
FROM pg_class AS s
JOIN pg_depend AS d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class AS t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relname = ANY(:tables)
  AND s.relnamespace = current_schema()::regnamespace
ORDER BY 1
"""
