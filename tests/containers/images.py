"""The images the compose test runs, all made on this machine (no registry can be pulled from):

- a Python base image: Debian bookworm by debootstrap (minbase, python3, python3-venv,
  ca-certificates), with the CA bundle pip on this machine is configured with, imported with
  `docker import`. The root filesystem is cached as a tarball keyed by a hash of everything that goes
  into it (under /var/tmp, so a fresh machine always builds it from scratch);
- the project's images, with the project's own Dockerfile and build arguments from docker-compose.yml
  plus PYTHON_IMAGE (every service that has `build:`, so new services are built too);
- stand-ins for the infrastructure images, from Debian packages (tests/containers/standins/<name>).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.containers.engine import PrivateDocker

REPO = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).resolve().parent / "standins"
CACHE = Path("/var/tmp/iop-compose-cache")
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
BASE_PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
BASE_RECIPE_VERSION = "1"  # bump when the recipe below changes

# The image a compose service names (repository, tag ignored) -> the stand-in that honours its contract.
STANDIN_FOR = {"rabbitmq": "rabbitmq", "postgres": "postgres", "axllent/mailpit": "mailpit"}


@dataclass
class BuildLog:
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def timed(self, what: str, started: float) -> None:
        self.seconds[what] = round(time.monotonic() - started, 1)


def pip_ca_bundle() -> Path:
    """The CA bundle pip on this machine is configured with (`pip config list`), else the system's."""
    result = subprocess.run(["python3", "-m", "pip", "config", "list"], capture_output=True, text=True)
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith(".cert") and value.strip().strip("'\""):
            path = Path(value.strip().strip("'\""))
            if path.is_file():
                return path
    return Path("/etc/ssl/certs/ca-certificates.crt")


def base_image(engine: PrivateDocker, log: BuildLog) -> str:
    bundle = pip_ca_bundle().read_bytes()
    key = hashlib.sha256("\n".join([BASE_RECIPE_VERSION, SUITE, MIRROR, BASE_PACKAGES]).encode() + bundle)
    name = f"iop-test/python-base:{key.hexdigest()[:12]}"
    tarball = CACHE / f"python-base-{key.hexdigest()[:16]}.tar"
    started = time.monotonic()
    if not tarball.exists():
        build_base_rootfs(bundle, tarball)
        log.timed("base image: debootstrap", started)
    else:
        log.notes.append(f"base root filesystem reused from {tarball}")
    started = time.monotonic()
    with open(tarball, "rb") as rootfs:
        subprocess.run(["/usr/bin/docker", "import", "--change", "ENV LANG=C.UTF-8", "-", name],
                       stdin=rootfs, env=engine.env, check=True, capture_output=True, timeout=600)
    log.timed("base image: docker import", started)
    return name


def build_base_rootfs(bundle: bytes, tarball: Path) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="iop-rootfs-", dir="/var/tmp"))
    try:
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", SUITE, str(root), MIRROR],
                       check=True, capture_output=True, timeout=1200)
        # The machine's CA bundle (it may hold a proxy's CA), trusted system-wide and by pip.
        extra = root / "usr/local/share/ca-certificates/machine-pip-bundle.crt"
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_bytes(bundle)
        subprocess.run(["chroot", str(root), "update-ca-certificates", "--fresh"], check=True, capture_output=True)
        (root / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        (root / "var/cache/apt/archives/partial").mkdir(parents=True)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def build(engine: PrivateDocker, tag: str, context: Path, dockerfile: Path, args: dict[str, str]) -> None:
    argv = ["build", "--network", "host", "--pull=false", "-q", "-t", tag, "-f", str(dockerfile)]
    for key, value in args.items():
        argv += ["--build-arg", f"{key}={value}"]
    engine.docker(*argv, str(context), timeout=1800)


def project_images(engine: PrivateDocker, services: dict[str, dict], python_image: str, log: BuildLog) -> list[str]:
    """Every image a service builds, once per distinct image name."""
    built = []
    for service in services.values():
        spec = service.get("build")
        if not spec or service["image"] in built:
            continue
        started = time.monotonic()
        context = Path(spec["context"])
        build(engine, service["image"], context, context / spec.get("dockerfile", "Dockerfile"),
              {**(spec.get("args") or {}), "PYTHON_IMAGE": python_image})
        log.timed(f"image {service['image']}", started)
        built.append(service["image"])
    return built


def standin_images(engine: PrivateDocker, services: dict[str, dict], base: str, log: BuildLog) -> dict[str, str]:
    """service name -> the local stand-in image for each service that only names an image."""
    images = {}
    for name, service in services.items():
        if service.get("build"):
            continue
        repository = service["image"].rsplit(":", 1)[0]
        standin = STANDIN_FOR.get(repository)
        if standin is None:
            raise RuntimeError(f"service {name} runs {service['image']}, which cannot be pulled here and has no "
                               f"stand-in in {STANDINS} (add one and map it in STANDIN_FOR)")
        tag = f"iop-test/{standin}:local"
        if tag not in images.values():
            started = time.monotonic()
            build(engine, tag, STANDINS / standin, STANDINS / standin / "Dockerfile", {"BASE_IMAGE": base})
            log.timed(f"stand-in {tag}", started)
        images[name] = tag
    return images


def size_mb(engine: PrivateDocker, image: str) -> float:
    return round(int(engine.docker("image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6, 1)
