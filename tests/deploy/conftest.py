"""The deployment descriptions, rendered by the real tools: `kubectl kustomize` for the Kubernetes
manifests (validated with kubernetes-validate --strict), `docker stack config` for compose's deploy:
sections. What was rendered is counted and shown at the end of the run."""
from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
KUSTOMIZATIONS = {"base": REPO / "deploy" / "kubernetes" / "base",
                  "production": REPO / "deploy" / "kubernetes" / "overlays" / "production"}
_COUNTS: dict[str, Counter] = {}


def pytest_terminal_summary(terminalreporter):
    if _COUNTS:
        terminalreporter.section("rendered Kubernetes objects")
        for name, counts in _COUNTS.items():
            listed = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            terminalreporter.write_line(f"{name}: {sum(counts.values())} objects ({listed})")


def tool(name: str, how_to_install: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {how_to_install}")
    return found


def render(kustomization: Path) -> str:
    kubectl = tool("kubectl", "install kubectl (https://kubernetes.io/docs/tasks/tools/); kustomize is built in")
    done = subprocess.run([kubectl, "kustomize", str(kustomization)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def rendered() -> dict[str, str]:
    """The YAML `kubectl kustomize` renders, per kustomization (base, production)."""
    return {name: render(path) for name, path in KUSTOMIZATIONS.items()}


@pytest.fixture(scope="session", params=list(KUSTOMIZATIONS))
def objects(request, rendered) -> list[dict]:
    """The rendered objects of one kustomization (the test runs once per kustomization)."""
    docs = [doc for doc in yaml.safe_load_all(rendered[request.param]) if doc]
    _COUNTS[request.param] = Counter(doc["kind"] for doc in docs)
    return docs
