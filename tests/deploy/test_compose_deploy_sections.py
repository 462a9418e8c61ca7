"""docker-compose.yml's deploy: sections (replicas, resources, restart policies) validate with the
Docker client's own Swarm loader, `docker stack config`, which works offline (no engine).

`docker stack` refuses compose's long depends_on form (docker/cli#3880) and the top-level `name`;
both are compose-only, so they are reduced (depends_on to the list of names, `name` dropped) before
the file is handed over, exactly as the file's header tells a Swarm user to do. Everything else,
deploy: sections included, goes through as written.
"""
from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.deploy.conftest import REPO, tool

SECRETS = {"JWT_SECRET": "ci-only-secret-0123456789abcdef0123", "POSTGRES_PASSWORD": "ci", "RABBITMQ_PASSWORD": "ci"}


def for_swarm(compose: dict) -> dict:
    swarm = {key: value for key, value in compose.items() if key != "name"}
    for service in swarm["services"].values():
        if isinstance(service.get("depends_on"), dict):
            service["depends_on"] = list(service["depends_on"])
    return swarm


def stack_config(compose: dict, workdir) -> subprocess.CompletedProcess:
    docker = tool("docker", "install the Docker client (apt-get install docker.io; .ci/run does it); "
                            "`docker stack config` needs no engine")
    path = workdir / "docker-compose.yml"
    path.write_text(yaml.safe_dump(compose, sort_keys=False))
    (workdir / "deploy" / "postgres").mkdir(parents=True)
    (workdir / "deploy" / "postgres" / "init-databases.sql").write_text(
        (REPO / "deploy" / "postgres" / "init-databases.sql").read_text())
    return subprocess.run([docker, "stack", "config", "-c", str(path)], cwd=workdir, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir),
                                                      **SECRETS})


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_deploy_sections_validate_with_docker_stack_config(compose, tmp_path):
    done = stack_config(for_swarm(compose), tmp_path)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    ours = [name for name, service in services.items() if service.get("image", "").startswith("iop/")]
    assert len(ours) == 11
    for name in ours:
        deploy = services[name]["deploy"]
        assert deploy["resources"]["limits"]["memory"], name
        if name.endswith("-migrate"):
            assert deploy["restart_policy"]["condition"] == "none", f"{name} must run once"


def test_a_wrong_deploy_field_is_refused(compose, tmp_path):
    compose["services"]["roster-api"]["deploy"]["resources"]["limits"]["memroy"] = "1G"
    done = stack_config(for_swarm(compose), tmp_path)
    assert done.returncode != 0 and "memroy" in done.stderr
