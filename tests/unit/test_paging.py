from __future__ import annotations

import pytest

from leadrouter.errors import ValidationFailed
from leadrouter.paging import decode_cursor, encode_cursor


def test_a_cursor_leads_back_to_its_row_in_its_own_list() -> None:
    assert decode_cursor("outbox", encode_cursor("outbox", 987)) == 987


@pytest.mark.parametrize("cursor", [encode_cursor("producer", 5), "5", "", "b3V0Ym94Oi0x", "!!!"])
def test_a_cursor_of_another_list_or_of_nobody_is_refused_naming_cursor(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor("outbox", cursor)
    assert refused.value.errors[0].field == "cursor"
