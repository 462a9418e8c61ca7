"""Cursors are opaque, round-trip, and a forged one is a client error."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


def test_a_cursor_round_trips():
    moment = datetime(2026, 3, 8, 7, 0, 1, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, "abc")) == (moment, "abc")


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "WzFd"])
def test_a_bad_cursor_is_a_422_naming_the_cursor(cursor):
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(cursor)
    assert raised.value.http_status == 422
    assert raised.value.errors == {"query": {"cursor": ["Not a valid cursor."]}}
