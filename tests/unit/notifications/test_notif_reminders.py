"""REMINDER_OFFSETS parsing and the reminder slots each session gets."""
from datetime import datetime, timedelta, timezone

import pytest

from services.notifications.domain.messages import MessageKind
from services.notifications.domain.reminders import (
    offset_label, parse_offsets, reminder_kind, reminder_slots,
)

NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


@pytest.mark.parametrize("text, expected", [
    (None, [24 * H, H]),
    ("24h,1h", [24 * H, H]),
    ("1h,24h", [24 * H, H]),
    ("90s", [90 * S]),
    ("2d,30m", [48 * H, 30 * M]),
    (" 24H , 1h ", [24 * H, H]),
    ("1h,60m", [H]),
])
def test_parse_offsets(text, expected):
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "24", "h", "1.5h", "-1h", "0h", "24h,,1h", "1w", "1h 30m"])
def test_bad_offsets_name_the_setting(text):
    with pytest.raises(ValueError, match="REMINDER_OFFSETS"):
        parse_offsets(text)


@pytest.mark.parametrize("offset, label", [(24 * H, "24h"), (48 * H, "48h"), (30 * M, "30m"),
                                           (90 * S, "90s"), (120 * S, "2m"), (90 * M, "90m")])
def test_slot_labels_are_canonical(offset, label):
    assert offset_label(offset) == label


def test_both_slots_when_the_session_is_days_away():
    starts = NOW + 72 * H
    assert reminder_slots(starts, parse_offsets("24h,1h"), NOW) == [
        ("reminder:24h", starts - 24 * H), ("reminder:1h", starts - H),
    ]


def test_slot_already_past_is_skipped():
    starts = NOW + 3 * H
    assert reminder_slots(starts, parse_offsets("24h,1h"), NOW) == [("reminder:1h", starts - H)]


def test_session_closer_than_every_offset_gets_one_reminder_now():
    starts = NOW + 30 * M
    assert reminder_slots(starts, parse_offsets("24h,1h"), NOW) == [("reminder:1h", NOW)]


def test_catch_up_can_be_turned_off():
    assert reminder_slots(NOW + 30 * M, parse_offsets("24h,1h"), NOW, catch_up=False) == []


def test_session_already_started_gets_no_reminders():
    assert reminder_slots(NOW, parse_offsets("24h,1h"), NOW) == []
    assert reminder_slots(NOW - M, parse_offsets("24h,1h"), NOW) == []


def test_slot_due_exactly_now_is_kept():
    assert reminder_slots(NOW + H, [H], NOW) == [("reminder:1h", NOW)]


def test_same_slot_keys_however_the_offsets_are_spelled():
    starts = NOW + 72 * H
    keys = [slot.key for slot in reminder_slots(starts, parse_offsets("1d,60m"), NOW)]
    assert keys == ["reminder:24h", "reminder:1h"]


@pytest.mark.parametrize("modality, kind", [("in_person", MessageKind.REMINDER_IN_PERSON),
                                            ("virtual", MessageKind.REMINDER_VIRTUAL),
                                            ("hybrid", MessageKind.REMINDER_VIRTUAL)])
def test_reminder_kind_follows_the_session_modality(modality, kind):
    assert reminder_kind(modality) is kind


def test_unknown_modality_is_refused():
    with pytest.raises(ValueError):
        reminder_kind("carrier_pigeon")
