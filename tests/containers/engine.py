"""A private Docker engine for the compose test: Debian's dockerd with its own data root, exec root,
pid file and unix socket under a temporary folder. It never talks to, or stops, an engine that is
already running on the machine; it is stopped at the end by its own PID.

No default bridge (--bridge=none) and no iptables rules: the machine's firewall is left as it is.
Compose's own networks still connect the containers; published ports are served by docker-proxy on
the host; image builds that download packages run on the host's network (`--network host`).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

DOCKERD = "/usr/sbin/dockerd"  # Debian's docker.io
DOCKER_CLI = "/usr/bin/docker"  # the client of the same package (its API version matches the engine's)


class PrivateDocker:
    def __init__(self) -> None:
        # Short path: unix socket paths are limited to 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="iop-docker-", dir="/tmp"))
        self.socket = self.root / "docker.sock"
        self.pidfile = self.root / "dockerd.pid"
        self.log_path = self.root / "dockerd.log"
        self.config_dir = self.root / "client"  # the client's config: no credential helper of the machine
        self.config_dir.mkdir()
        (self.config_dir / "config.json").write_text("{}")
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": f"unix://{self.socket}", "DOCKER_CONFIG": str(self.config_dir),
                "DOCKER_BUILDKIT": "0", "COMPOSE_DOCKER_CLI_BUILD": "0"}

    def start(self, timeout: float = 60.0) -> None:
        for tool in (DOCKERD, DOCKER_CLI):
            if not os.access(tool, os.X_OK):
                raise RuntimeError(f"{tool} is missing: `make test-compose` installs docker.io")
        argv = [DOCKERD, "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
                "--pidfile", str(self.pidfile), "--host", f"unix://{self.socket}",
                "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip6tables=false",
                "--storage-driver=overlay2", "--log-level=warn"]
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockerd exited with {self.process.returncode}:\n{self.log()}")
            if self.socket.exists() and self.docker("version", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"dockerd did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def docker(self, *args: str, check: bool = True, input: bytes | None = None, timeout: float = 900,
               capture: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([DOCKER_CLI, *args], env=self.env, input=input, timeout=timeout,
                                capture_output=capture)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed ({result.returncode}):\n"
                               f"{(result.stdout or b'').decode(errors='replace')[-3000:]}\n"
                               f"{(result.stderr or b'').decode(errors='replace')[-3000:]}")
        return result

    def json(self, *args: str) -> list | dict:
        return json.loads(self.docker(*args).stdout)

    def lines(self, *args: str) -> list[str]:
        return [line for line in self.docker(*args).stdout.decode().splitlines() if line.strip()]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM to our dockerd (by the PID we started), SIGKILL to its process group if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # dockerd leaves its default network namespace mounted under the exec root: unmount what is
        # left under our folder (deepest first), then remove it.
        for mount_point in sorted(self.mounts(), key=len, reverse=True):
            subprocess.run(["umount", "--lazy", mount_point], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def mounts(self) -> list[str]:
        with open("/proc/self/mountinfo") as table:
            points = [line.split()[4] for line in table]
        return [point for point in points if point == str(self.root) or point.startswith(f"{self.root}/")]
