"""One SQLite database file and one engine per test process, the file fresh for every test.

An engine of its own for every test made SQLAlchemy adapt every column type and compile every
statement again in every test (a new dialect, an empty statement cache): about a sixth of the
quick tests' processor time. Here each test still gets a database of its own, a fresh copy of
the migrated template, but at the same path, behind the same engine, so what SQLAlchemy
learnt in one test serves the next. Nothing a test sees differs: the file is new, the pool
holds no connection to the previous one.

The previous test's files are unlinked *before* its connections are closed: SQLite then sees
its database moved and closes without copying the write-ahead log into a file nobody will read
(nor deleting the new log by name, which is why an engine a test left open elsewhere, such as
a command's, is harmless too).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine

from leadrouter.store.db import make_engine

_SIDE_FILES = ("-wal", "-shm", "-journal")


class SqliteFile:
    """The test process's SQLite path and its engine (``make_engine``'s, as a server has)."""

    def __init__(self, template: Path, path: Path) -> None:
        self.template = template
        self.path = path
        self.url = f"sqlite:///{path}"
        self.engine: Engine = make_engine(self.url)

    def fresh(self) -> str:
        """Replace the database with a copy of the template; its URL."""
        self._unlink()
        self.engine.dispose()  # after the unlink: closing copies nothing back
        shutil.copyfile(self.template, self.path)
        return self.url

    def close(self) -> None:
        self._unlink()
        self.engine.dispose()

    def _unlink(self) -> None:
        for name in (self.path.name, *(self.path.name + s for s in _SIDE_FILES)):
            (self.path.parent / name).unlink(missing_ok=True)
