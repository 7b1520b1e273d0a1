"""Every list endpoint pages the same way: ``?limit=&cursor=`` in, ``{items, next_cursor}`` out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.notify.inapp import enqueue_alert
from tests.support.factories import make_agency
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
