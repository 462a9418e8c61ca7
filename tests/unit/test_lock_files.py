"""The lock files (requirements/*.txt) match pyproject.toml: `make lock` has been run since its
dependencies last changed, each install target has its file, every direct requirement is pinned
within its range, and every pin carries hashes (pip installs them with --require-hashes)."""
from __future__ import annotations

import copy
import runpy
from pathlib import Path

LOCK = runpy.run_path(str(Path(__file__).resolve().parents[2] / "requirements" / "lock.py"))


def test_the_lock_files_match_pyproject_toml():
    assert LOCK["problems"]() == [], "run `make lock`"


def test_one_lock_per_service_extra_and_one_for_development():
    assert {"dev", "roster", "sessions", "notifications"} <= set(LOCK["targets"]())


def test_a_changed_range_or_a_new_dependency_changes_the_recorded_inputs():
    meta = LOCK["project"]()
    changed = copy.deepcopy(meta)
    changed["optional-dependencies"]["sessions"].append("python-dateutil>=2.8")
    assert LOCK["inputs_digest"](changed) != LOCK["inputs_digest"](meta)


def test_the_development_target_holds_every_service_extra():
    from packaging.requirements import Requirement

    meta = LOCK["project"]()

    def names(target):
        return {Requirement(line).name for line in LOCK["direct_requirements"](target, meta)}
    for service in ("roster", "sessions", "notifications"):
        assert names(service) <= names("dev"), service


def test_pins_are_read_with_their_versions():
    text = "flask==3.1.3 \\\n    --hash=sha256:00\npsycopg[binary]==3.2.1 \\\n    --hash=sha256:11\n"
    assert LOCK["pins"](text) == {"flask": "3.1.3", "psycopg": "3.2.1"}
