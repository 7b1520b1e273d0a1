import pytest

from leadrouter.errors import ValidationFailed
from leadrouter.intake.listing import decode_cursor, encode_cursor


def test_a_cursor_leads_back_to_its_lead() -> None:
    assert decode_cursor(encode_cursor(12345)) == 12345


@pytest.mark.parametrize("cursor", ["", "abc", "bGVhZDp4", "!!!", "bGVhZDotMQ"])
def test_a_cursor_we_did_not_give_out_is_refused_naming_cursor(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor)
    assert refused.value.errors[0].field == "cursor"
