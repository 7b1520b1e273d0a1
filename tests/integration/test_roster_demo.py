"""The demo agency ``make run`` loads: an ordinary four-producer agency, dated from now."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.demo import demo_csv, ensure_demo_agency
from leadrouter.store.roster_repo import load_roster


def _load(container: Container) -> tuple[int, list[str]]:
    said: list[str] = []
    agency_id = ensure_demo_agency(container, announce=said.append)
    assert agency_id is not None
    return agency_id, said


def test_the_demo_agency_has_four_producers_with_pods_backups_and_zip_territories(
    container: Container,
) -> None:
    agency_id, _ = _load(container)
    with container.uow(readonly=True) as uow:
        roster = load_roster(uow.conn, agency_id)
    assert len(roster.producers) == 4
    ids = {p.id for p in roster.producers}
    assert all(p.backup_producer_id in ids - {p.id} for p in roster.producers)
    assert {p.team for p in roster.producers} == {"North", "South", "Metro", "West"}
    territories = {t.name: (t.zip_ranges, t.business_lines) for t in roster.territories}
    assert territories == {
        "North County": ((("10001", "10099"),), {"personal", "commercial"}),
        "South County": ((("10100", "10199"),), {"personal"}),
        "Metro": ((("10200", "10299"),), {"commercial"}),
        "West Side": ((("10300", "10399"),), {"personal", "commercial"}),
    }


def test_demo_licenses_are_verified_and_one_expires_soon_and_one_has_expired(
    container: Container, clock: FixedClock
) -> None:
    agency_id, _ = _load(container)
    with container.uow(readonly=True) as uow:
        licenses = load_roster(uow.conn, agency_id).licenses
    today = clock.now().date()
    assert {lic.state for lic in licenses} >= {"NY", "NJ", "CT", "PA", "MA"}
    assert all(lic.verified_by == "demo registry" and lic.verified_at for lic in licenses)
    soon = [
        lic
        for lic in licenses
        if lic.expiration_date and today <= lic.expiration_date <= today + timedelta(days=30)
    ]
    expired = [lic for lic in licenses if lic.expiration_date and lic.expiration_date < today]
    assert (len(soon), len(expired)) == (1, 1)


def test_demo_dates_follow_the_clock(container: Container, clock: FixedClock) -> None:
    clock.set(datetime(2031, 6, 1, 12, tzinfo=UTC))
    agency_id, _ = _load(container)
    with container.uow(readonly=True) as uow:
        licenses = load_roster(uow.conn, agency_id).licenses
    assert any(lic.expiration_date and lic.expiration_date.year == 2031 for lic in licenses)


def test_the_demo_loads_once_and_announces_working_keys(
    container: Container, client: TestClient
) -> None:
    _, said = _load(container)
    assert ensure_demo_agency(container, announce=said.append) is None
    manager = next(s for s in said if s.startswith("demo API key (manager)")).split()[-1]
    compliance = next(s for s in said if s.startswith("demo API key (compliance")).split()[-1]
    assert any(s.startswith("demo public form key: ") for s in said)
    producers = client.get("/v1/producers", headers={"Authorization": f"Bearer {manager}"})
    assert len(producers.json()["items"]) == 4
    lic = client.get("/v1/licenses", headers={"Authorization": f"Bearer {manager}"}).json()
    verify = client.post(
        f"/v1/licenses/{lic['items'][0]['id']}/verify",
        headers={"Authorization": f"Bearer {compliance}"},
    )
    assert verify.status_code == 200
    sources = client.get("/v1/lead-sources", headers={"Authorization": f"Bearer {manager}"})
    assert {s["name"]: s["cost_per_lead"] for s in sources.json()["items"]}["quotewizard"] == 18.5


def test_demo_csv_files_are_complete_templates() -> None:
    today = datetime(2026, 3, 3, tzinfo=UTC).date()
    licenses = demo_csv("licenses", today)
    assert "{{" not in licenses
    assert "2026-03-21" in licenses  # the license that expires in 18 days
