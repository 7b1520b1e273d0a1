"""The public form's 429 threshold: posts accepted before the first refusal, per address and
per form key, on SQLite with the default settings."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from leadrouter.api.app import create_app
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.services.admin.agencies import create_agency
from leadrouter.store.migrate import upgrade


def _post(client: TestClient, form_key: str, n: int) -> tuple[int, str | None]:
    answer = client.post(
        f"/forms/{form_key}/leads",
        data={
            "first_name": "Bench",
            "last_name": f"Mark{n}",
            "email": f"bench{n}@example.com",
            "phone": f"212-736-{n % 10000:04d}",
            "zip": "10001",
            "insurance_type": "personal_auto",
        },
    )
    return answer.status_code, answer.headers.get("retry-after")


def run() -> list[dict[str, object]]:
    """Post until 429, from one address and then from a new address per post."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        settings = Settings(database_url=url)
        rows = []
        for mode in ("one address", "a new address per post"):
            c = bootstrap(settings)
            agency = create_agency(uow=c.uow(), name=f"Bench {mode}", now=c.clock.now())
            app = create_app(c)
            started, accepted, retry = time.perf_counter(), 0, None
            for n in range(1000):
                host = "203.0.113.7" if mode == "one address" else f"10.{n // 250}.{n % 250}.1"
                with TestClient(app, client=(host, 40000)) as client:
                    status, retry = _post(client, agency.public_form_key, n)
                if status == 429:
                    break
                accepted += 1
            rows.append(
                {
                    "mode": mode,
                    "accepted": accepted,
                    "seconds": time.perf_counter() - started,
                    "retry_after": retry,
                    "limit": settings.form_rate_per_client_per_minute
                    if mode == "one address"
                    else settings.form_rate_per_minute,
                }
            )
            c.engine.dispose()
        return rows


def main() -> None:
    """Print the table."""
    table = Table(title="Public form rate limit on SQLite (default settings; 429 threshold)")
    for col in ("posts from", "setting /min", "accepted before 429", "in s", "Retry-After s"):
        table.add_column(col)
    for r in run():
        table.add_row(
            str(r["mode"]),
            str(r["limit"]),
            str(r["accepted"]),
            f"{r['seconds']:.2f}",
            str(r["retry_after"]),
        )
    Console().print(table)
