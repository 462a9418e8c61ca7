"""Fixtures of `make test-compose`: one private Docker engine and one compose stack for the session.

The engine is started first and stopped last (by its PID); the stack is built (base image, project
images, stand-ins), started with `docker compose up --wait`, and taken down with `down -v` by the last
test (which checks nothing is left), or here if a test failed before it. The report (build times,
image sizes, the story's figures) is written to var/test-compose/report.txt.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.containers import images
from tests.containers.engine import PrivateDocker
from tests.containers.stack import ComposeStack

REPORT = Path(__file__).resolve().parents[2] / "var" / "test-compose" / "report.txt"


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.started = time.monotonic()

    def add(self, line: str) -> None:
        self.lines.append(line)
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text("make test-compose report\n" + "\n".join(f"  {entry}" for entry in self.lines) + "\n")


@pytest.fixture(scope="session")
def report() -> Report:
    REPORT.unlink(missing_ok=True)
    return Report()


@pytest.fixture(scope="session")
def engine(report):
    engine = PrivateDocker()
    started = time.monotonic()
    engine.start()
    report.add(f"private dockerd pid {engine.process.pid}, socket {engine.socket} "
               f"(up in {time.monotonic() - started:.1f} s)")
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def stack(engine, report, tmp_path_factory):
    stack = ComposeStack(engine, tmp_path_factory.mktemp("compose"))
    log = images.BuildLog()
    services = stack.config()["services"]
    base = images.base_image(engine, log)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the project's images beside the stand-ins
        building = pool.submit(images.project_images, engine, services, base, log)
        standins = images.standin_images(engine, services, base, log)
        built = building.result()
    stack.rename_images(standins)
    for what, seconds in log.seconds.items():
        report.add(f"build: {what}: {seconds} s")
    report.add("; ".join(log.notes) or "base image built from scratch (debootstrap)")
    for image in [base, *built, *sorted(set(standins.values()))]:
        report.add(f"image size: {image}: {images.size_mb(engine, image)} MB")
    started = time.monotonic()
    try:
        try:
            stack.compose("up", "--wait", "--wait-timeout", "300", "--no-build", "--pull", "never", "--detach",
                          timeout=420)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{unhealthy_containers(stack)}") from None
        report.add(f"docker compose up --wait: healthy in {time.monotonic() - started:.1f} s")
        yield stack
    finally:  # the last test takes the stack down and stops the engine; after a failure, do it here
        if engine.running() and stack.containers():
            stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "30", check=False)


def unhealthy_containers(stack: ComposeStack) -> str:
    """Why `up --wait` gave up: each container not healthy, its last health checks and log lines."""
    lines = []
    for container in stack.containers():
        state = stack.inspect(container)
        health = state["State"].get("Health") or {}
        if health.get("Status", "healthy") != "healthy" or state["State"]["Status"] not in ("running", "exited"):
            service = state["Config"]["Labels"].get("com.docker.compose.service", container)
            checks = [(c["ExitCode"], c["Output"].strip()[:200]) for c in health.get("Log", [])[-3:]]
            lines.append(f"--- {service}: {state['State']['Status']} {health.get('Status')} checks {checks}")
            lines.append(stack.compose("logs", "--no-color", "--tail", "20", service, check=False).stdout)
    return "\n".join(lines)
