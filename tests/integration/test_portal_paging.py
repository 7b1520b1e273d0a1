"""The portal a page at a time: a producer with many open leads gets a bounded page, a
"More" link that continues with the project's cursor, and the refresh and the forms of a
later page stay on that page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.paging import encode_cursor
from leadrouter.services.dashboard.portal import CURSOR_KIND, PAGE_SIZE
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.people import form_token, sign_in, user

MANY = 2 * PAGE_SIZE + 20
# A page of 50 cards is about 200 KB; every lead on one page was over 1 MB at 500 leads.
PAGE_BYTES = 300_000


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def many(container: Container) -> list[int]:
    """Alice's open leads, more than two pages of them, all received at the same instant."""
    agency = make_agency(container)
    alice = make_producer(container, agency.id, 1, licensed_in=("NY",))
    user(container, agency.id, "alice@agency.example", "producer", producer_id=alice)
    return [make_lead(container, agency.id, n) for n in range(1, MANY + 1)]


def _cards(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'aria-labelledby="lead-(\d+)"', html)]


def _more(html: str) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_producer_with_many_leads_gets_them_a_bounded_page_at_a_time(
    web: TestClient, many: list[int]
) -> None:
    sign_in(web, "alice@agency.example")
    seen: list[int] = []
    address: str | None = "/portal"
    sizes = []
    while address is not None:
        answer = web.get(address)
        assert answer.status_code == 200
        sizes.append(len(answer.content))
        cards = _cards(answer.text)
        assert 0 < len(cards) <= PAGE_SIZE
        seen += cards
        address = _more(answer.text)
    assert [len(p) for p in (seen[:PAGE_SIZE], seen[PAGE_SIZE : 2 * PAGE_SIZE])] == [50, 50]
    assert sorted(seen) == sorted(many)  # every lead once: none repeated, none skipped
    assert seen == sorted(many, reverse=True)  # received together: the newest first
    assert len(sizes) == 3 and max(sizes) < PAGE_BYTES
    first = web.get("/portal").text
    assert f"Open leads 1-{PAGE_SIZE} of {MANY}" in first
    assert f"More: {PAGE_SIZE + 1}-{2 * PAGE_SIZE} of {MANY}" in first


def test_the_refresh_and_the_forms_of_a_later_page_stay_on_that_page(
    web: TestClient, many: list[int]
) -> None:
    sign_in(web, "alice@agency.example")
    first = web.get("/portal").text
    assert 'hx-get="/portal/leads"' in first  # the minute's refresh: the first page only
    second_address = _more(first)
    assert second_address is not None
    second = web.get(second_address).text
    cursor = second_address.split("cursor=")[1]
    assert f'hx-get="/portal/leads?cursor={cursor}"' in second
    refreshed = web.get(f"/portal/leads?cursor={cursor}").text
    assert _cards(refreshed) == _cards(second) and len(_cards(second)) == PAGE_SIZE
    assert "Top of my list" in second

    lead = _cards(second)[0]
    htmx = {"HX-Request": "true", "X-CSRF-Token": form_token(second)}
    assert f'hx-post="/portal/leads/{lead}/log?cursor={cursor}"' in second
    logged = web.post(
        f"/portal/leads/{lead}/log?cursor={cursor}", data={"kind": "call_attempt"}, headers=htmx
    )
    assert _cards(logged.text) == _cards(second)  # still the second page, answered in the card
    card = logged.text.split(f'aria-labelledby="lead-{lead}"')[1].split("</article>")[0]
    assert "Call attempt logged." in card
    plain = web.post(
        f"/portal/leads/{lead}/log?cursor={cursor}",
        data={"kind": "call_attempt", "csrf_token": form_token(second)},
        follow_redirects=False,
    )
    assert plain.headers["location"] == f"/portal?cursor={cursor}"


def test_a_cursor_whose_lead_left_the_list_starts_again_at_the_top_and_a_forged_one_is_refused(
    web: TestClient, many: list[int]
) -> None:
    sign_in(web, "alice@agency.example")
    gone = web.get(f"/portal?cursor={encode_cursor(CURSOR_KIND, 10**9)}")
    assert gone.status_code == 200 and "here is its top" in gone.text
    assert _cards(gone.text) == _cards(web.get("/portal").text)
    forged = web.get(f"/portal?cursor={encode_cursor('lead', many[0])}")
    assert forged.status_code == 422
