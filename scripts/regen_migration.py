"""Regenerate the newest, not yet released migration from store/tables.py.

Usage: .venv/bin/python scripts/regen_migration.py REV MESSAGE
Upgrades a throw-away PostgreSQL database to the revision before REV, then lets Alembic
autogenerate REV (overwriting its file) from the tables. Only for a revision that has never
left a developer's machine; a released migration is never rewritten.
"""

from __future__ import annotations

import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from pathlib import Path

from alembic import command

from leadrouter.store.migrate import alembic_config
from tests.support.postgres import create_database, running_server

VERSIONS = Path(__file__).resolve().parents[1] / "src/leadrouter/store/migrations/versions"


def main(rev: str, message: str) -> None:
    for old in VERSIONS.glob(f"{rev}_*.py"):
        old.unlink()
    # Hand-written revisions after REV (triggers, data) step aside while REV is rebuilt.
    later = [p for p in VERSIONS.glob("*.py") if p.name[:4].isdigit() and p.name[:4] > rev]
    aside = {p: p.with_suffix(".aside") for p in later}
    for p, q in aside.items():
        p.rename(q)
    try:
        with running_server() as server:
            url = create_database(server, "regen")
            cfg = alembic_config(url)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev)
    finally:
        for p, q in aside.items():
            q.rename(p)
    print("regenerated", *VERSIONS.glob(f"{rev}_*.py"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
