"""The authorization matrix, with its access-audit check of every cell, on SQLite as well (the
security tests otherwise run on PostgreSQL only): the audit must behave the same on both."""
from __future__ import annotations

import pytest

from tests.security import test_authorization_matrix as matrix
from tests.security.worlds import NotificationsWorld, RosterWorld, SessionsWorld


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_roster_audit_on_sqlite(settings_for):
    matrix._run(RosterWorld(settings_for, matrix.NO_FAILURE_LIMIT), matrix.ROSTER_ROWS, "roster")


def test_sessions_audit_on_sqlite(settings_for):
    matrix._run(SessionsWorld(settings_for, matrix.NO_FAILURE_LIMIT), matrix.SESSIONS_ROWS, "sessions")


def test_notifications_audit_on_sqlite(settings_for):
    matrix._run(NotificationsWorld(settings_for, matrix.NO_FAILURE_LIMIT), matrix.NOTIFICATIONS_ROWS,
                "notifications")
