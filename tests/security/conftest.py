"""Security tests run on PostgreSQL, the production database, and report their figures (matrix
cells, fuzz cases) at the end of the run."""
from __future__ import annotations

import pytest

from tests.security.figures import FIGURES


@pytest.fixture
def backend() -> str:
    return "postgresql"


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("-", "security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
