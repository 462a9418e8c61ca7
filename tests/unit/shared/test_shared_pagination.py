"""Cursors are opaque, round-trip, and a forged one is a client error."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


def test_a_cursor_round_trips():
    moment = datetime(2026, 3, 8, 7, 0, 1, 123456, tzinfo=UTC)
    row_id = "0d6f3c0e-6b1e-4a53-9a51-2f1c3a0f9b7e"
    assert decode_cursor(encode_cursor(moment, row_id)) == (moment, row_id)


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "WzFd", "12.not-a-uuid", "12345678901234567.0d6f3c0e-6b1e-4a53-9a51-2f1c3a0f9b7e"])
def test_a_bad_cursor_is_a_422_naming_the_cursor(cursor):
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(cursor)
    assert raised.value.http_status == 422
    assert raised.value.errors == {"query": {"cursor": ["Not a valid cursor."]}}
