"""Figures the security tests count (matrix cells, fuzz cases), printed at the end of the run."""
from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()
