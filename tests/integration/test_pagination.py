"""Every list endpoint pages the same way: ``?limit=&cursor=`` in, ``{items, next_cursor}`` out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.store.tables import queue_entries
from tests.support.factories import insert_lead, make_agency, make_lead
from tests.support.notify import channels_for, dispatch


def _list_operations(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """GET operations of a collection (no path parameter) that answer an object with
    ``items``, by path."""
    schemas = openapi["components"]["schemas"]
    found = {}
    for path, item in openapi["paths"].items():
        get = item.get("get")
        if get is None or "{" in path:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        ok = ok.get("schema", {})  # a CSV or PDF download has none
        schema = schemas[ok["$ref"].rsplit("/", 1)[1]] if "$ref" in ok else ok
        if "items" in schema.get("properties", {}):
            found[path] = {"params": {p["name"] for p in get.get("parameters", [])}, **schema}
    return found


@pytest.mark.slow  # every list endpoint, page by page; make test-fast skips it
def test_every_paged_list_takes_limit_and_cursor_and_answers_next_cursor(
    client: TestClient,
) -> None:
    pages = _list_operations(client.get("/openapi.json").json())
    assert {"/v1/leads", "/v1/producers", "/v1/outbox", "/v1/alerts"} <= set(pages)
    assert len(pages) >= 10
    for path, page in pages.items():
        assert {"limit", "cursor"} <= page["params"], path
        assert set(page["properties"]) == {"items", "next_cursor"}, path


def test_alerts_page_newest_first_without_gaps_or_repeats(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    with container.uow() as uow:
        for n in range(5):
            enqueue_alert(
                uow.conn,
                agency_id=agency.id,
                kind="queue.warning",
                message=f"alert {n}",
                role="manager",
                now=container.clock.now(),
            )
        uow.commit()
    dispatch(container, channels_for(container))
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/alerts", params=params, headers=agency.headers).json()
        seen.append([a["message"] for a in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [["alert 4", "alert 3"], ["alert 2", "alert 1"], ["alert 0"]]


def test_a_cursor_from_one_list_is_refused_by_another_naming_cursor(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    for n in range(2):
        client.post(
            "/v1/lead-sources", json={"name": f"Source {n}"}, headers=agency.headers
        ).raise_for_status()
    first = client.get("/v1/lead-sources?limit=1", headers=agency.headers).json()
    assert first["next_cursor"] is not None
    for path in ("/v1/producers", "/v1/outbox", "/v1/leads"):
        refused = client.get(path, params={"cursor": first["next_cursor"]}, headers=agency.headers)
        assert refused.status_code == 422, path
        assert refused.json()["errors"][0]["field"] == "cursor"


# Lists that may only be bounded in size by configuration (the agency's catalog of lines).
SMALL_BY_CONFIGURATION = {"/v1/agency/insurance-types"}


@pytest.mark.slow  # every list endpoint; make test-fast skips it
def test_no_list_endpoint_answers_an_unpaged_array(client: TestClient) -> None:
    openapi = client.get("/openapi.json").json()
    unpaged = []
    for path, item in openapi["paths"].items():
        get = item.get("get")
        if get is None or path in SMALL_BY_CONFIGURATION:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if ok.get("schema", {}).get("type") == "array":
            unpaged.append(path)
    assert unpaged == []
    pages = _list_operations(openapi)
    assert {"/v1/queue", "/v1/policy/versions", "/v1/webhook-endpoints"} <= set(pages)
    assert {"/v1/audit/checkpoints"} <= set(pages)


def _walk(client: TestClient, path: str, headers: dict[str, str], key: str) -> list[list[Any]]:
    seen: list[list[Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(path, params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen.append([item[key] for item in page.json()["items"]])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


def test_the_queue_pages_in_drain_order_priority_then_age(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    now = container.clock.now()
    with container.engine.begin() as conn:
        waiting = []
        for n, (priority, minutes_ago) in enumerate([(0, 50), (2, 10), (0, 90), (2, 30), (1, 5)]):
            lead = insert_lead(conn, agency_id=agency.id, now=now, status="queued")
            conn.execute(
                queue_entries.insert().values(
                    agency_id=agency.id,
                    lead_id=lead,
                    reason=f"reason {n}",
                    priority=priority,
                    queued_at=now - timedelta(minutes=minutes_ago),
                )
            )
            waiting.append(lead)
    pages = _walk(client, "/v1/queue", agency.headers, "lead_id")
    order = [waiting[i] for i in (3, 1, 4, 2, 0)]
    assert pages == [order[0:2], order[2:4], order[4:]]


def test_lead_events_page_in_time_order_even_when_posted_out_of_order(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead = make_lead(container, agency.id, routed=False)
    for minute in (50, 10, 30, 20, 40):
        client.post(
            f"/v1/leads/{lead}/events",
            headers=agency.headers,
            json={"type": "page_view", "at": f"2026-03-03T13:{minute}:00Z"},
        ).raise_for_status()
    pages = _walk(client, f"/v1/leads/{lead}/events", agency.headers, "at")
    minutes = [[at[14:16] for at in page] for page in pages]
    assert minutes == [["10", "20"], ["30", "40"], ["50"]]


def test_policy_versions_and_webhook_endpoints_page_without_gaps_or_repeats(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    for n in range(3):
        saved = client.put(
            "/v1/policy",
            content=f"name: v{n}\nrouting:\n  strategy: {{type: round_robin}}\n",
            headers={**agency.headers, "Content-Type": "application/yaml"},
        )
        assert saved.status_code == 200, saved.text
        client.post(
            "/v1/webhook-endpoints",
            json={"url": f"https://hooks{n}.example.com/in", "events": ["lead.created"]},
            headers=agency.headers,
        ).raise_for_status()
    assert _walk(client, "/v1/policy/versions", agency.headers, "version") == [[3, 2], [1]]
    urls = _walk(client, "/v1/webhook-endpoints", agency.headers, "url")
    assert [[u.split(".")[0][-1] for u in page] for page in urls] == [["0", "1"], ["2"]]
