"""Statements per assigned lead on ``POST /v1/leads``, counted with a cursor listener.

Statements are what SQLAlchemy sends through the cursor; round trips add the transaction
verbs (BEGIN, COMMIT, SAVEPOINT ...) that the driver sends as commands of their own on
PostgreSQL. On SQLite BEGIN is a statement of ours (see ``store.db``), so both counts agree.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from bench.intake_http import database
from bench.leads import lead_body
from leadrouter.api.app import create_app
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.sim.agency import load_synthetic_agency

PRODUCERS = 50
LEADS = 20
_TX_EVENTS = ("begin", "commit", "rollback")  # SAVEPOINT and RELEASE are statements


def count(kind: str, leads: int = LEADS) -> dict[str, Any]:
    """Statements and round trips per assigned lead on one database (sqlite or postgres)."""
    with database(kind) as url:
        c = bootstrap(Settings(database_url=url))
        agency = load_synthetic_agency(c, producers=PRODUCERS, states=("NY",), policy=None)
        statements: Counter[str] = Counter()
        verbs: Counter[str] = Counter()

        def on_execute(_c: Any, _cur: Any, sql: str, *_args: Any) -> None:
            statements[sql.split(None, 1)[0].upper()] += 1

        def on_verb(name: str) -> Any:
            return lambda *_a, **_k: verbs.update([name])

        headers = {"Authorization": f"Bearer {agency.api_key}"}
        rng = random.Random(7)
        with TestClient(create_app(c)) as client:
            for i in range(3):  # warm the caches, as a running server has them
                client.post("/v1/leads", json=lead_body(10**6 + i, rng), headers=headers)
            event.listen(c.engine, "before_cursor_execute", on_execute)
            for name in _TX_EVENTS:
                event.listen(c.engine, name, on_verb(name))
            assigned = 0
            for i in range(leads):
                r = client.post("/v1/leads", json=lead_body(i, rng), headers=headers)
                assigned += r.status_code == 201 and r.json().get("status") == "assigned"
            event.remove(c.engine, "before_cursor_execute", on_execute)
        c.engine.dispose()
    total = sum(statements.values())
    explicit_verbs = 0 if kind == "sqlite" else sum(verbs.values())
    return {
        "database": kind,
        "assigned": f"{assigned}/{leads}",
        "statements": total / leads,
        "round_trips": (total + explicit_verbs) / leads,
        "by_verb": {k: v / leads for k, v in statements.most_common()},
    }


def main() -> None:
    for kind in ("sqlite", "postgres"):
        print(count(kind))


if __name__ == "__main__":
    main()
