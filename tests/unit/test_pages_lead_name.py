"""The pages' ``lead_name`` filter: a lead's name however the page was handed the lead."""

from dataclasses import dataclass

from leadrouter.web.templating import lead_name


@dataclass(frozen=True)
class AboutALead:
    lead_id: int
    first_name: str
    last_name: str
    phone: str | None


def test_a_dataclass_about_a_lead_is_named_like_a_row() -> None:
    assert lead_name(AboutALead(42, "Maria", "Lopez", None)) == "Maria Lopez"
    assert lead_name(AboutALead(42, "", "", "+12125550142")) == "(212) 555-0142"
    assert lead_name(AboutALead(42, "", "", None)) == "Lead 42"
    assert lead_name({"lead_id": 7, "first_name": "Ana"}) == "Ana"  # a mapping, as before
