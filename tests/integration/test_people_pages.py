"""The pages behind sign-in: who may open which, and the portal's actions through the
real services (the browser tests drive the same pages in chromium)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.store.tables import activities, leads
from tests.support import factories as agencies
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.people import form_token, sign_in, user


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def agency(container: Container) -> agencies.TestAgency:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    ben = make_producer(c, agency.id, 2, licensed_in=("NJ",))
    user(c, agency.id, "boss@agency.example", "manager")
    user(c, agency.id, "alice@agency.example", "producer", producer_id=alice)
    user(c, agency.id, "ben@agency.example", "producer", producer_id=ben)
    user(c, agency.id, "audit@agency.example", "compliance")
    return agency


def _status(c: Container, lead_id: int) -> str:
    with c.engine.connect() as conn:
        return str(conn.execute(sa.select(leads.c.status).where(leads.c.id == lead_id)).scalar())


def test_each_page_admits_only_its_roles(web: TestClient, agency: agencies.TestAgency) -> None:
    allowed = {
        "boss": {"/dashboard": 200, "/portal": 403, "/compliance": 200},
        "alice": {"/dashboard": 403, "/portal": 200, "/compliance": 403},
        "audit": {"/dashboard": 403, "/portal": 403, "/compliance": 200},
    }
    for who, pages in allowed.items():
        web.cookies.clear()
        sign_in(web, f"{who}@agency.example")
        assert {path: web.get(path).status_code for path in pages} == pages, who


def test_a_producer_opens_only_their_own_leads_while_staff_open_any(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    alices = make_lead(container, agency.id, 1)
    bens = make_lead(container, agency.id, 2, zip_code="07030")
    sign_in(web, "alice@agency.example")
    assert web.get(f"/leads/{alices}").status_code == 200
    refused = web.get(f"/leads/{bens}")
    assert refused.status_code == 403 and "This lead is not yours." in refused.text
    assert web.get("/leads/999").status_code == 404
    web.cookies.clear()
    sign_in(web, "boss@agency.example")
    both = [web.get(f"/leads/{lead}") for lead in (alices, bens)]
    assert [page.status_code for page in both] == [200, 200]
    assert "Why it went where it went" in both[1].text


def test_the_portal_logs_an_attempt_a_contact_and_a_bind_through_the_services(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    lead = make_lead(container, agency.id, 1)
    sign_in(web, "alice@agency.example")
    token = form_token(web.get("/portal").text)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    for kind, flash in (
        ("call_attempt", "Call attempt logged."),
        ("contact_made", "Contact logged."),
    ):
        done = web.post(f"/portal/leads/{lead}/log", data={"kind": kind}, headers=htmx)
        assert done.status_code == 200 and flash in done.text
    bound = web.post(
        f"/portal/leads/{lead}/outcome",
        data={"status": "bound", "premium": "$1,250.50", "policy_number": "HM-1"},
        headers=htmx,
    )
    assert "Marked bound." in bound.text
    with container.engine.connect() as conn:
        row = conn.execute(
            sa.select(leads.c.status, leads.c.premium, leads.c.policy_number).where(
                leads.c.id == lead
            )
        ).one()
        kinds = conn.execute(sa.select(activities.c.kind).order_by(activities.c.id)).scalars()
        assert list(kinds) == ["call_attempt", "contact_made"]
    assert (row.status, float(row.premium), row.policy_number) == ("bound", 1250.5, "HM-1")

    plain = web.post(
        f"/portal/leads/{lead}/log",
        data={"kind": "call_attempt", "csrf_token": token},
        follow_redirects=False,
    )
    assert (plain.status_code, plain.headers["location"]) == (303, "/portal")


def test_the_portal_refuses_work_on_another_producers_lead_and_says_why(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    bens = make_lead(container, agency.id, 2, zip_code="07030")
    sign_in(web, "alice@agency.example")
    htmx = {"HX-Request": "true", "X-CSRF-Token": form_token(web.get("/portal").text)}
    for action, data in (
        ("outcome", {"status": "lost", "reason": "price"}),
        ("log", {"kind": "contact_made"}),
        ("accept", {}),
    ):
        answer = web.post(f"/portal/leads/{bens}/{action}", data=data, headers=htmx)
        assert answer.status_code == 200 and 'class="flash error"' in answer.text, action
    assert _status(container, bens) == "assigned"


def test_pages_carry_a_content_security_policy_and_the_api_does_not(
    web: TestClient, agency: agencies.TestAgency
) -> None:
    page = web.get("/signin")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in web.get("/healthz").headers


@pytest.mark.slow  # renders a PDF
def test_staff_see_the_reports_page_and_the_monthly_report_as_page_csv_and_pdf(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    make_lead(container, agency.id, 1)
    sign_in(web, "alice@agency.example")
    assert web.get("/reports").status_code == 403
    web.cookies.clear()
    sign_in(web, "boss@agency.example")
    overview = web.get("/reports")
    assert overview.status_code == 200 and "Producer 1" in overview.text
    month = "2026-03"  # the test clock's month
    html = web.get(f"/reports/monthly/{month}.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "script-src" not in html.headers["content-security-policy"]
    csv = web.get(f"/reports/monthly/{month}.csv")
    assert csv.text.startswith("section,item,metric,value")
    assert "volume,all,leads,1" in csv.text
    assert web.get(f"/reports/monthly/{month}.pdf").content.startswith(b"%PDF")
    assert web.get(f"/reports/monthly/{month}.xls").status_code == 404
    assert web.get("/reports/monthly/2026-13.csv").status_code == 422


def test_a_month_still_to_come_is_refused_not_reported_as_a_month_of_nothing(
    web: TestClient, agency: agencies.TestAgency
) -> None:
    """The test clock is in 2026-03: 2026-04 has no figures yet, on the page, in the monthly
    report (page, CSV, PDF) and through the API alike; the month picker stops at 2026-03."""
    sign_in(web, "boss@agency.example")
    overview = web.get("/reports")
    assert 'max="2026-03"' in overview.text
    for address in ("/reports?month=2026-04", "/reports/monthly/2026-04.html"):
        refused = web.get(address)
        assert refused.status_code == 422, address
        assert "2026-04 has not begun" in html.unescape(refused.text), address
        assert "Back to your page" in refused.text
    assert web.get("/reports/monthly/2026-04.csv").status_code == 422
    api = web.get("/v1/reports/monthly/2026-04", headers=agency.headers)
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": "month", "reason": "a month up to 2026-03"}]
    assert web.get("/reports/monthly/2026-03.html").status_code == 200


def test_the_reports_page_names_leads_nobody_owns_as_the_monthly_report_does(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    """The page said "(nobody)" where the monthly report, one click away, says "(unassigned)"."""
    make_lead(container, agency.id, 1, zip_code="78701")  # Texas: nobody is licensed
    sign_in(web, "boss@agency.example")
    overview = web.get("/reports").text
    assert "(unassigned)" in overview and "(nobody)" not in overview
    assert "(unassigned)" in web.get("/reports/monthly/2026-03.html").text


def test_an_unknown_address_is_a_page_for_a_browser_and_problem_json_for_the_api(
    web: TestClient,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = web.get("/dashbord", headers=browser)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'href="/"' in page.text
    for path, headers in (("/v1/nope", browser), ("/dashbord", {"Accept": "application/json"})):
        answer = web.get(path, headers=headers)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json", path


def test_a_request_a_page_refuses_is_a_page_with_a_way_back_for_a_browser_not_raw_json(
    web: TestClient, agency: agencies.TestAgency
) -> None:
    """A 2,000-character email at sign-in, or an id past the store's range, showed the browser
    a bare problem+json document."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    long = {"email": "x" * 2000 + "@agency.example", "password": "secret"}
    long["csrf_token"] = form_token(web.get("/signin").text)
    refused = web.post("/signin", data=long, headers=browser)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "email: String should have at most 320 characters" in html.unescape(refused.text)
    assert 'href="/signin"' in refused.text
    sign_in(web, "boss@agency.example")
    replay = web.get("/replay?version=latest", headers=browser)
    assert replay.status_code == 422 and "Back to your page" in replay.text
    huge = web.get("/leads/99999999999999999999", headers=browser)  # past the store's range
    assert huge.status_code == 422 and "Back to your page" in huge.text
    huge_api = web.get("/v1/leads/99999999999999999999", headers=agency.headers)
    assert huge_api.status_code == 422
    assert huge_api.headers["content-type"] == "application/problem+json"
    api = web.post("/signin", data=long, headers={"Accept": "application/json"})
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"


def test_the_redoc_address_leads_to_the_api_page_that_needs_no_cdn(web: TestClient) -> None:
    answer = web.get("/redoc", follow_redirects=False)
    assert answer.status_code == 308 and answer.headers["location"] == "/docs"
    page = web.get("/redoc")
    assert page.status_code == 200 and "/static/swagger-ui-" in page.text
    assert "cdn" not in page.text.lower()


def test_the_api_page_links_back_to_the_app(web: TestClient) -> None:
    page = web.get("/docs")
    assert page.status_code == 200
    assert '<body>\n<nav aria-label="App"' in page.text  # first on the page
    assert '<a href="/">← Back to leadrouter</a>' in page.text
    assert '<div id="swagger-ui">' in page.text and "SwaggerUIBundle(" in page.text


def test_what_happened_to_a_lead_says_when(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    """An auditor reading a lead's history needs the time of each step, in the agency's zone."""
    lead = make_lead(container, agency.id, 1)
    sign_in(web, "boss@agency.example")
    page = web.get(f"/leads/{lead}").text
    history = page[page.index('id="hist-h"') :]
    assert "Tue 3 Mar 09:00 · new: received" in history


@pytest.mark.slow  # sixty leads through the real intake
def test_the_dashboard_counts_every_waiting_lead_not_only_those_it_lists(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    """Sixty Texas leads wait (nobody is licensed there): the manager reads 60, not the 10
    the panel has room for."""
    for n in range(1, 61):
        make_lead(container, agency.id, n, zip_code="78701")
    sign_in(web, "boss@agency.example")
    page = web.get("/dashboard").text
    assert "Queue (60)" in page
    assert page.count(" TX · waiting since") == 10
    assert '<a href="/dashboard/queue">all 60 waiting</a>' in page


def test_the_dashboard_lists_the_first_ten_waiting_and_links_to_the_whole_queue(
    container: Container,
    web: TestClient,
    agency: agencies.TestAgency,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve Texas leads wait: the dashboard lists the ten to be taken first and links to
    the queue's page, which lists all twelve in the queue's order, a page at a time."""
    from leadrouter.web.pages import dashboard

    waiting = [make_lead(container, agency.id, n, zip_code="78701") for n in range(1, 13)]
    sign_in(web, "boss@agency.example")
    board = web.get("/dashboard").text
    assert "Queue (12)" in board
    assert _queued_leads(board) == waiting[:10]
    assert '<a href="/dashboard/queue">all 12 waiting</a>' in board

    whole = web.get("/dashboard/queue").text
    assert "Queue (12 waiting)" in whole and 'href="/dashboard"' in whole
    assert _queued_leads(whole) == waiting
    assert "Next page" not in whole

    monkeypatch.setattr(dashboard, "QUEUE_PAGE", 5)
    seen, address = [], "/dashboard/queue"
    while True:
        shown = web.get(address).text
        seen += _queued_leads(shown)
        more = re.search(r'rel="next" href="([^"]+)"', shown)
        if more is None:
            break
        address = html.unescape(more[1])
    assert seen == waiting
    assert "Top of the queue" in shown

    web.cookies.clear()
    sign_in(web, "alice@agency.example")
    assert web.get("/dashboard/queue").status_code == 403


def _queued_leads(page: str) -> list[int]:
    """The leads a queue list links to, in the order listed."""
    return [int(n) for n in re.findall(r'<li><a href="/leads/(\d+)#why">', page)]


def _quote_in_portal(web: TestClient, lead: int, premium: str) -> str:
    """Quote ``lead`` at ``premium`` in the signed-in producer's portal, as htmx posts it; the
    answer's card of that lead."""
    htmx = {"HX-Request": "true", "X-CSRF-Token": form_token(web.get("/portal").text)}
    form = {"status": "quoted", "premium": premium}
    answer = web.post(f"/portal/leads/{lead}/outcome", data=form, headers=htmx).text
    return html.unescape(answer.split(f'aria-labelledby="lead-{lead}"')[1].split("</article>")[0])


def test_a_refused_premium_names_what_was_typed_so_a_second_refusal_reads_differently(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    lead = make_lead(container, agency.id, 1)
    sign_in(web, "alice@agency.example")
    answers = []
    for typed, reason in (
        ("abc", 'Premium "abc" is not a number: type it like 1200.'),
        ("-5", 'Premium "-5" is below zero: type it like 1200.'),
        ("1" * 25, f'Premium "{"1" * 20}…": at most 20 characters, like 1200.'),
        ("12000000000", 'Premium "12000000000" is too large: under $10,000,000,000.'),
    ):
        assert f'role="alert">{reason}</p>' in _quote_in_portal(web, lead, typed)
        answers.append(reason)
    assert len(set(answers)) == 4 and _status(container, lead) == "assigned"


def test_a_saved_outcome_draws_its_form_from_the_lead_and_a_refused_one_keeps_the_typing(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    lead = make_lead(container, agency.id, 9)
    sign_in(web, "alice@agency.example")
    refused, saved = (_quote_in_portal(web, lead, typed) for typed in ("abc", "1,250.5"))
    assert f'<details id="outcome-{lead}" hx-preserve>' in refused  # htmx keeps her typing
    assert f'<details id="outcome-{lead}">' in saved  # drawn anew, closed, as saved:
    assert "quoted $1,251" in saved and 'value="1250.50"' in saved
    assert 'value="quoted" required checked' in saved
    assert f'<details id="outcome-{lead}" hx-preserve>' in web.get("/portal/leads").text


def test_a_lead_without_a_name_is_shown_by_its_phone_on_every_page_not_as_an_empty_link(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    lead = make_lead(container, agency.id, 7)
    with container.engine.begin() as conn:  # stored as a live caller's lead is: a phone only
        conn.execute(leads.update().where(leads.c.id == lead).values(first_name="", last_name=""))
        phone = conn.execute(sa.select(leads.c.phone).where(leads.c.id == lead)).scalar_one()
    sign_in(web, "alice@agency.example")
    pages = {"/portal": web.get("/portal").text, "/leads": web.get(f"/leads/{lead}").text}
    web.cookies.clear()
    sign_in(web, "boss@agency.example")
    pages["/dashboard"] = web.get("/dashboard").text
    for path, text in pages.items():
        assert "None None" not in text, path
    assert phone == "+16465550007"  # stored as E.164, named as people read it
    portal_link = f'<a href="/leads/{lead}">(646) 555-0007</a>'
    assert portal_link in pages["/portal"]
    assert "<h1>(646) 555-0007 " in pages["/leads"]
    dashboard_link = (
        f'<a href="/leads/{lead}#why" title="Why it went where it went">Lead {lead}</a>'
    )
    assert dashboard_link in pages["/dashboard"]


def test_a_leads_phone_reads_in_national_form_while_its_links_dial_the_stored_e164(
    container: Container, web: TestClient, agency: agencies.TestAgency
) -> None:
    lead = make_lead(container, agency.id, 8)
    sign_in(web, "alice@agency.example")
    portal, lead_page = web.get("/portal").text, web.get(f"/leads/{lead}").text
    card = portal.split(f'aria-labelledby="lead-{lead}"')[1].split("</article>")[0]
    assert '<a class="button" href="tel:+16465550008">Call (646) 555-0008</a>' in card
    assert '<a class="button" href="sms:+16465550008">Text</a>' in card
    assert '<dd><a href="tel:+16465550008">(646) 555-0008</a></dd>' in lead_page
    assert "Call +1" not in portal and ">+16465550008<" not in lead_page


def test_every_page_names_an_icon_that_is_served_so_browsers_ask_for_no_missing_favicon(
    web: TestClient, agency: agencies.TestAgency
) -> None:
    sign_in(web, "boss@agency.example")
    for path in ("/dashboard", "/signin", "/no-such-page"):
        text = web.get(path, headers={"Accept": "text/html"}).text
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text, path
    icon = web.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


def test_the_monthly_report_page_leads_back_to_the_reports_and_the_dashboard(
    web: TestClient, agency: agencies.TestAgency
) -> None:
    """Opened from the reports page, the monthly report had no way back but the browser's;
    its links are the page's alone (hidden in print), the API's document has none."""
    sign_in(web, "boss@agency.example")
    page = web.get("/reports/monthly/2026-03.html").text
    nav = page[page.index('<nav class="back" aria-label="Main">') : page.index("</nav>")]
    assert '<a href="/reports?month=2026-03">← Reports</a>' in nav
    assert '<a href="/dashboard">Dashboard</a>' in nav
    api = web.get("/v1/reports/monthly/2026-03?format=html", headers=agency.headers)
    assert api.status_code == 200 and "<nav" not in api.text
