"""deploy/kubernetes renders (base and the production overlay), validates strictly against the
schemas of a pinned Kubernetes version, and has the properties ops rely on: every process of the
Procfile and compose file has a Deployment (the migrations a Job that the others wait for), every
container is probed, bounded and locked down, no Secret carries a value, and each process may reach
only what it uses."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import KUSTOMIZATIONS, REPO

KUBERNETES_VERSION = "1.31.0"  # the oldest version we support; kubernetes-validate ships its schemas
PROCFILE = REPO / "deploy" / "Procfile.dev"
COMPOSE_FILE = REPO / "docker-compose.yml"
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|AMQP_URL|WEBHOOK|_KEY$", re.I)
API_PORTS = {"roster": 8001, "sessions": 8002, "notifications": 8003}


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pods(objects: list[dict]) -> dict[str, dict]:
    """Every pod template (Deployments and Jobs), by its workload's name."""
    return {o["metadata"]["name"]: o["spec"]["template"] for o in objects if o["kind"] in ("Deployment", "Job")}


def containers(pod: dict) -> list[dict]:
    return pod["spec"].get("initContainers", []) + pod["spec"]["containers"]


def module_of(command: list[str]) -> str:
    """The Python module or WSGI app a container runs."""
    if command[:2] == ["python", "-m"]:
        return command[2]
    return command[-1]  # gunicorn ... services.x.entrypoints.wsgi:app


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


# ---- rendering and strict validation ------------------------------------------------------------

@pytest.mark.parametrize("name", list(KUSTOMIZATIONS))
def test_the_manifests_validate_strictly_against_the_pinned_kubernetes(name, rendered, tmp_path):
    path = tmp_path / f"{name}.yaml"
    path.write_text(rendered[name])
    done = subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", "--kubernetes-version",
                           KUBERNETES_VERSION, "--quiet", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_strict_validation_rejects_a_misspelt_field(rendered, tmp_path):
    path = tmp_path / "misspelt.yaml"
    path.write_text(rendered["base"].replace("readOnlyRootFilesystem", "readOnlyRootFileSystem", 1))
    done = subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", "--kubernetes-version",
                           KUBERNETES_VERSION, "--quiet", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "readOnlyRootFileSystem" in done.stdout + done.stderr


# ---- every process has its workload ---------------------------------------------------------------

def procfile_modules() -> set[str]:
    modules = set()
    for line in PROCFILE.read_text().splitlines():
        if ":" in line and not line.startswith("#"):
            found = re.search(r"(services\.\w+\.entrypoints\.[\w.:]+)", line)
            if found:
                modules.add(found.group(1))
    return modules


def compose_modules() -> dict[str, str]:
    """Compose service -> the module it runs (the APIs run their image's default, the wsgi app)."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    found = {}
    for name, service in services.items():
        if "command" in service:
            found[name] = module_of(service["command"])
        elif name.endswith("-api"):
            found[name] = f"services.{name.removesuffix('-api')}.entrypoints.wsgi:app"
    return found


def test_every_process_of_the_procfile_and_compose_has_a_deployment_and_every_migration_a_job(objects):
    deployed = {module_of(p["spec"]["containers"][0]["command"]) for p in
                (d["spec"]["template"] for d in of_kind(objects, "Deployment").values())}
    jobs = {module_of(j["spec"]["template"]["spec"]["containers"][0]["command"])
            for j in of_kind(objects, "Job").values()}
    compose = compose_modules()
    long_running = {m for m in set(compose.values()) | procfile_modules() if not m.endswith(".migrate")}
    assert long_running <= deployed, f"no Deployment for {long_running - deployed}"
    assert {m for m in compose.values() if m.endswith(".migrate")} == jobs
    assert "services.web.entrypoints.wsgi:app" in deployed
    autoscaled = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
                  for h in of_kind(objects, "HorizontalPodAutoscaler").values()}
    for name, deployment in of_kind(objects, "Deployment").items():
        # An autoscaled Deployment states no count: `kubectl apply` would reset the autoscaler's.
        replicas = autoscaled[name] if name in autoscaled else deployment["spec"]["replicas"]
        assert replicas >= 2 and not (name in autoscaled and "replicas" in deployment["spec"]), name


def test_every_pod_but_web_waits_for_its_schema_and_relays_for_the_consumers_queues(objects):
    jobs = {j["metadata"]["labels"]["iop-groups/service"] for j in of_kind(objects, "Job").values()}
    for name, deployment in of_kind(objects, "Deployment").items():
        pod = deployment["spec"]["template"]
        service = pod["metadata"]["labels"]["iop-groups/service"]
        if service == "web":
            continue
        init = pod["spec"].get("initContainers", [])
        assert len(init) == 1, f"{name}: one init container that waits"
        command = init[0]["command"]
        assert command[:5] == ["python", "-m", "shared.wait_ready", "--schema", service], name
        assert service in jobs, f"{name} waits for a schema no Job migrates"
        queues = {command[i + 1] for i, arg in enumerate(command) if arg == "--queue"}
        expected = {"roster-relay": {"sessions", "notifications"}, "sessions-relay": {"notifications"}}
        assert queues == expected.get(name, set()), name


# ---- every container: probes, limits, locked down -------------------------------------------------

def test_every_container_has_limits_and_runs_non_root_read_only_with_no_capabilities(objects):
    for name, pod in pods(objects).items():
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in containers(pod):
            where = f"{name}/{container['name']}"
            limits = container["resources"]["limits"]
            assert {"cpu", "memory"} <= set(limits) and {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert security.get("runAsNonRoot", spec["securityContext"]["runAsNonRoot"]) is True, where
            assert security.get("privileged", False) is False, where
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], f"{where}: a writable /tmp"


def test_every_long_running_container_has_startup_liveness_and_readiness_probes(objects):
    for name, deployment in of_kind(objects, "Deployment").items():
        pod = deployment["spec"]["template"]
        container = pod["spec"]["containers"][0]
        probes = [container.get(p) for p in ("startupProbe", "livenessProbe", "readinessProbe")]
        assert all(probes), f"{name}: startup, liveness and readiness probes"
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        if component in ("api", "web"):
            paths = [p["httpGet"]["path"] for p in probes]
            assert paths == ["/healthz", "/healthz", "/readyz"], name
            ports = {p["name"] for p in container["ports"]}
            assert all(p["httpGet"]["port"] in ports for p in probes), name
        else:
            heartbeat = env_of(container)["HEARTBEAT_FILE"]["value"]
            for probe in probes:
                command = probe["exec"]["command"]
                assert command[:3] == ["python", "-m", "shared.healthcheck"], name
                assert command[command.index("--heartbeat") + 1] == heartbeat, name
            mounted = {m["mountPath"] for m in container["volumeMounts"]}
            assert str(Path(heartbeat).parent) in mounted, f"{name}: the heartbeat's folder is writable"


# ---- secrets are referenced, never carried ---------------------------------------------------------

def test_no_secret_carries_a_value(objects):
    for secret in of_kind(objects, "Secret").values():
        assert not secret.get("data") and not secret.get("stringData"), secret["metadata"]["name"]
    for config in of_kind(objects, "ConfigMap").values():
        leaked = [key for key in config.get("data", {}) if SECRET_NAMES.search(key)]
        assert leaked == [], f"{config['metadata']['name']} holds {leaked}"
    referenced = set()
    for name, pod in pods(objects).items():
        for container in containers(pod):
            for env_name, env in env_of(container).items():
                if SECRET_NAMES.search(env_name):
                    assert "value" not in env, f"{name}: {env_name} written in the manifest"
                    referenced.add(env["valueFrom"]["secretKeyRef"]["name"])
    assert {"iop-rabbitmq", "iop-jwt", "iop-roster-database", "iop-web"} <= referenced


# ---- availability and scaling ----------------------------------------------------------------------

def test_apis_and_web_have_a_disruption_budget_and_an_autoscaler_and_workers_a_budget(objects):
    deployments = of_kind(objects, "Deployment")
    budgets = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for b in
               of_kind(objects, "PodDisruptionBudget").values()}
    scaled = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(objects, "HorizontalPodAutoscaler").values()}
    assert budgets == set(deployments), "a PodDisruptionBudget per Deployment"
    assert set(scaled) == {"roster-api", "sessions-api", "notifications-api", "web"}
    for name, hpa in scaled.items():
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"], name
        assert deployments[name]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def test_services_and_the_ingress_reach_the_web_front_end_and_join_links(objects):
    deployments = of_kind(objects, "Deployment")
    services = of_kind(objects, "Service")
    for name, service in services.items():
        pod = deployments[service["spec"]["selector"]["app.kubernetes.io/name"]]["spec"]["template"]
        assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in pod["spec"]["containers"][0]["ports"]}
    for service, port in API_PORTS.items():
        assert services[f"{service}-api"]["spec"]["ports"][0]["port"] == port
    (ingress,) = of_kind(objects, "Ingress").values()
    paths = {p["path"]: p["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]
             for p in rule["http"]["paths"]}
    assert paths == {"/": "web", "/join/": "sessions-api"}
    web = env_of(deployments["web"]["spec"]["template"]["spec"]["containers"][0])
    assert web["SESSIONS_API_URL"]["value"] == "http://sessions-api:8002"
    assert web["OIDC_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "iop-web"


# ---- network: each process reaches only what it uses -------------------------------------------------

def allowed_ports(objects: list[dict], labels: dict[str, str]) -> set[int]:
    """Egress ports the NetworkPolicies open to a pod with these labels."""
    ports = set()
    for policy in of_kind(objects, "NetworkPolicy").values():
        selector = policy["spec"]["podSelector"]
        if all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and \
                not selector.get("matchExpressions"):
            for rule in policy["spec"].get("egress", []):
                ports |= {p["port"] for p in rule.get("ports", [])}
    return ports


def test_each_process_may_reach_only_what_it_uses(objects):
    policies = of_kind(objects, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    reach = {}
    for name, pod in pods(objects).items():
        reach[name] = allowed_ports(objects, pod["metadata"]["labels"]) - {53}
    assert reach["roster-relay"] == {5432, 5671, 5672}
    assert reach["roster-migrate"] == {5432}
    assert reach["sessions-migrate"] == reach["sessions-consumer"] == {5432, 5671, 5672}
    assert reach["notifications-consumer"] == {5432, 5671, 5672, 25, 465, 587, 443} - \
        ({25, 465} if "ipBlock" in str(policies["allow-smtp-and-sms"]) else set())
    assert 5672 not in reach["notifications-scheduler"] and 587 in reach["notifications-scheduler"]
    assert reach["web"] == {8001, 8002, 8003, 443}, "web: the APIs and its OIDC issuer, no database"
    for name in ("roster-api", "sessions-relay", "roster-migrate"):
        assert not reach[name] & {25, 465, 587, 443}, f"{name} cannot send mail or call out"


def test_production_points_at_outside_postgresql_and_rabbitmq_and_pins_images(rendered):
    objects = [d for d in yaml.safe_load_all(rendered["production"]) if d]
    policies = of_kind(objects, "NetworkPolicy")
    for name in ("allow-postgresql", "allow-rabbitmq"):
        assert all(rule.get("to") for rule in policies[name]["spec"]["egress"]), f"{name} is narrowed"
    images = {c["image"] for pod in pods(objects).values() for c in containers(pod)}
    assert all(re.fullmatch(r"[\w.-]+\.\w+/[\w/-]+:[\w.-]+", image) for image in images), images
    assert not any(o["kind"] in ("StatefulSet", "Secret") for o in objects), "no broker or database of ours"
    assert Counter(o["kind"] for o in objects)["Deployment"] == 9
