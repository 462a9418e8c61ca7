"""docker-compose.yml booted for real, as an ops engineer would, and used through its published ports
only: the stack comes up healthy; a facilitator builds a group, its members are welcomed by email (read
in the mail catcher's HTTP API), one follows a join link, ops read /metrics and the broker's management
API; a worker container is killed while enrollments stream in and, once compose has started it again,
every email has arrived exactly once; `docker compose down -v` leaves nothing behind, and the private
engine stops. The tests run in this order, on one stack (tests/containers/conftest.py)."""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from shared.auth import mint_token
from tests.support.workers import wait_for

pytestmark = pytest.mark.compose
PROPAGATION = 60  # seconds an event may take from an API through relay, broker, consumer and scheduler
FIGURES: dict[str, object] = {}


class Platform:
    """The stack as its users reach it: the three APIs, the mail catcher and the broker's UI."""

    def __init__(self, stack):
        self.stack = stack
        self.roster, self.sessions = stack.url("roster-api", 8001), stack.url("sessions-api", 8002)
        self.notifications, self.mail = stack.url("notifications-api", 8003), stack.url("mailpit", 8025)
        self.broker = stack.url("rabbitmq", 15672)
        self.secret = stack.variables["JWT_SECRET"]
        self.admin = self.bearer("admin", str(uuid.uuid4()))

    def bearer(self, role: str, sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.secret, role, sub)}"}

    def post(self, url: str, body: dict, headers: dict, status: int = 201) -> dict:
        response = requests.post(url, json=body, headers=headers, timeout=15)
        assert response.status_code == status, f"POST {url}: {response.status_code} {response.text[:300]}"
        return response.json()

    def facilitator(self) -> tuple[str, dict]:
        tag = uuid.uuid4().hex[:8]
        body = self.post(f"{self.roster}/v1/facilitators", {"name": f"Facilitator {tag}",
                                                            "email": f"lead-{tag}@example.org"}, self.admin)
        return body["id"], self.bearer("facilitator", body["id"])

    def group(self, lead_id: str, lead: dict, capacity: int) -> dict:
        return self.post(f"{self.roster}/v1/groups", {
            "name": "Evening group", "kind": "process", "capacity": capacity, "modality": "virtual",
            "facilitator_ids": [lead_id], "enrollment_policy": "open",
            "starts_on": (date.today() - timedelta(days=7)).isoformat(),
            "schedule": {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
                         "timezone": "America/New_York"}}, lead)

    def participant(self, lead: dict) -> tuple[str, str]:
        email = f"member-{uuid.uuid4().hex[:10]}@example.org"
        body = self.post(f"{self.roster}/v1/participants", {
            "preferred_name": "Member", "email": email, "timezone": "America/New_York", "channels": ["email"]}, lead)
        return body["id"], email

    def enroll(self, lead: dict, group: dict, participant_id: str) -> dict:
        return self.post(f"{self.roster}/v1/groups/{group['id']}/enrollments", {"participant_id": participant_id},
                         lead)

    def emails(self) -> list[dict]:
        """Every message the mail catcher holds (its API pages newest first)."""
        found, start = [], 0
        while True:
            page = requests.get(f"{self.mail}/api/v1/messages", params={"start": start, "limit": 200}, timeout=10)
            assert page.status_code == 200, page.text
            messages = page.json()["messages"]
            found += messages
            start += len(messages)
            if not messages or start >= page.json()["total"]:
                return found

    def emails_to(self, address: str, subject: str = "") -> list[dict]:
        return [m for m in self.emails() if [to["Address"] for to in m["To"]] == [address]
                and m["Subject"].startswith(subject)]

    def text(self, message: dict) -> str:
        return requests.get(f"{self.mail}/api/v1/message/{message['ID']}", timeout=10).json()["Text"]


@pytest.fixture(scope="module")
def platform(stack) -> Platform:
    return Platform(stack)


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, _, value = line.rpartition(" ")
            if all(f'{key}="{wanted}"' in head for key, wanted in labels.items()):
                total += float(value)
    return total


def test_every_service_is_up_healthy_as_a_non_root_user(stack, report):
    services = stack.config()["services"]
    for name, service in services.items():
        containers = stack.containers(name)
        assert len(containers) == 1, f"{name}: {containers}"
        state = stack.inspect(containers[0])
        if name.endswith("-migrate"):
            assert (state["State"]["Status"], state["State"]["ExitCode"]) == ("exited", 0), name
            continue
        assert state["State"]["Status"] == "running", name
        if "healthcheck" in service:
            assert state["State"]["Health"]["Status"] == "healthy", name
        user = state["Config"]["User"]
        assert user and user.split(":")[0] not in ("0", "root"), f"{name} runs as root"
        uid = stack.compose("exec", "-T", name, "id", "-u").stdout.strip()
        assert uid != "0", f"{name} runs as uid 0"
        assert state["HostConfig"]["ReadonlyRootfs"] is bool(service.get("read_only")), name
    report.add(f"services: {len(services)} ({sum(1 for n in services if n.endswith('-migrate'))} one-shot "
               f"migrations exited 0, the rest running and healthy, none as root)")


def test_the_project_images_hold_no_build_tools(stack, report):
    images = sorted({service["image"] for service in stack.config()["services"].values() if "build" in service})
    assert images
    for image in images:
        probe = stack.engine.docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
                                    "for tool in gcc cc c++ make pip pip3 apt-get; do command -v $tool; done;"
                                    " python -c 'import pip' 2>/dev/null && echo pip-module; exit 0")
        found = [line for line in probe.stdout.decode().split() if not line.endswith("/apt-get")]
        assert found == [], f"{image} holds {found}"
    report.add(f"project images without compiler, make or pip: {', '.join(images)}")


def test_a_facilitator_builds_a_group_members_are_welcomed_and_one_joins(platform, report):
    lead_id, lead = platform.facilitator()
    group = platform.group(lead_id, lead, capacity=6)
    members = [platform.participant(lead) for _ in range(3)]
    enrollments = [platform.enroll(lead, group, member_id) for member_id, _ in members]
    assert [e["status"] for e in enrollments] == ["active"] * 3

    for member_id, email in members:
        welcome = wait_for(lambda e=email: platform.emails_to(e, "Welcome"), timeout=PROPAGATION, interval=0.5,
                           message=f"the welcome email to participant {member_id}")
        assert len(welcome) == 1
        assert "6:00 PM" in platform.text(welcome[0])

    def schedule():
        response = requests.post(f"{platform.sessions}/v1/groups/{group['id']}/sessions", headers=lead, timeout=15,
                                 json={"starts_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
                                       "duration_minutes": 60})
        return None if response.status_code == 404 else response  # 404 until sessions has heard of the group
    scheduled = wait_for(schedule, timeout=PROPAGATION, interval=0.5, message="sessions to know the group")
    assert scheduled.status_code == 201, scheduled.text
    session = scheduled.json()

    def links():
        answer = requests.get(f"{platform.sessions}/v1/sessions/{session['id']}/join-links", headers=lead, timeout=10)
        items = {item["participant_id"]: item["url"] for item in answer.json()["items"]}
        return items if len(items) == 3 else None
    join = wait_for(links, timeout=PROPAGATION, interval=0.5, message="three join links")
    first_id = members[0][0]
    assert join[first_id].startswith(f"{platform.sessions}/join/"), join[first_id]  # PUBLIC_BASE_URL
    opened = requests.get(join[first_id], allow_redirects=False, timeout=10)
    assert opened.status_code == 302 and opened.headers["Location"] == session["video_room_url"]
    sheet = requests.get(f"{platform.sessions}/v1/sessions/{session['id']}/attendance", headers=lead, timeout=10)
    assert {row["participant_id"]: row["status"] for row in sheet.json()["items"]}[first_id] == "present"
    FIGURES["welcome emails (story)"] = len(members)
    report.add(f"story: facilitator, group, {len(members)} members welcomed by email, a join link followed (302 "
               f"to the video room, attendance 'present')")


def test_ops_read_metrics_and_the_broker_through_the_published_ports(platform, stack, report):
    roster = requests.get(f"{platform.roster}/metrics", timeout=10)
    assert roster.status_code == 200
    assert metric(roster.text, "http_request_duration_seconds_count", service="roster", method="POST",
                  endpoint="/v1/groups/<group_id>/enrollments", status="201") >= 3
    for url, service in ((platform.sessions, "sessions"), (platform.notifications, "notifications")):
        answer = requests.get(f"{url}/metrics", timeout=10)
        assert answer.status_code == 200 and f'outbox_backlog{{service="{service}"}}' in answer.text

    auth = (stack.config()["services"]["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_USER"],
            stack.variables["RABBITMQ_PASSWORD"])
    queues = requests.get(f"{platform.broker}/api/queues", auth=auth, timeout=10)
    assert queues.status_code == 200, queues.text
    consumed = {queue["name"]: queue.get("consumers", 0) for queue in queues.json()}
    assert sum(1 for name, consumers in consumed.items() if consumers >= 1) >= 2, consumed
    assert requests.get(f"{platform.broker}/api/queues", auth=(auth[0], "wrong"), timeout=10).status_code == 401
    report.add(f"ops: /metrics on the three API ports; the management API lists {len(consumed)} queues")


def test_a_worker_killed_while_enrollments_stream_in_loses_and_repeats_no_email(platform, stack, report):
    """Two full groups and a waitlist: every participant gets exactly one email (a welcome or a place on
    the waiting list). notifications-consumer is killed with SIGKILL (`docker kill`) mid-stream;
    `docker compose up --wait notifications-consumer` starts it again, as ops would (the engine does not
    restart a container that was killed on purpose: restart: unless-stopped counts a kill as a stop)."""
    lead_id, lead = platform.facilitator()
    groups = [platform.group(lead_id, lead, capacity=15) for _ in range(2)]
    people = [platform.participant(lead) for _ in range(36)]
    enrolled: list[dict] = []

    def stream():
        for n, (member_id, _) in enumerate(people):
            enrolled.append(platform.enroll(lead, groups[n % 2], member_id))
            time.sleep(0.05)
    streamer = threading.Thread(target=stream)
    streamer.start()
    wait_for(lambda: len(enrolled) >= 10, timeout=60, message="enrollments to be streaming")
    worker = stack.containers("notifications-consumer")[0]
    stack.engine.docker("kill", worker)
    killed_at = len(enrolled)
    assert stack.inspect(worker)["State"]["ExitCode"] == 137  # SIGKILL, no chance to finish
    streamer.join(timeout=120)
    assert len(enrolled) == len(people)

    stack.compose("up", "--detach", "--wait", "--wait-timeout", "120", "--no-deps", "--no-build", "--pull", "never",
                  "notifications-consumer", timeout=180)
    assert stack.inspect(worker)["State"]["Status"] == "running"  # the same container, started again

    addresses = {email for _, email in people}
    wait_for(lambda: addresses <= {m["To"][0]["Address"] for m in platform.emails() if m["To"]},
             timeout=PROPAGATION * 2, interval=1, message="an email to every participant")
    def settled():  # every notification due by now sent (or settled): nothing more will go out
        answer = requests.get(f"{platform.notifications}/v1/notifications", headers=platform.admin, timeout=10,
                              params={"status": "pending", "limit": 200})
        assert answer.status_code == 200, answer.text
        return not [n for n in answer.json()["items"] if datetime.fromisoformat(n["due_at"]) <= datetime.now(UTC)]
    wait_for(settled, timeout=PROPAGATION, interval=0.5, message="every due notification to be sent")
    received = Counter(m["To"][0]["Address"] for m in platform.emails() if m["To"] and m["To"][0]["Address"] in addresses)
    lost = len(addresses - set(received))
    duplicated = sum(count - 1 for count in received.values())
    statuses = Counter(e["status"] for e in enrolled)
    FIGURES.update({"enrollments streamed": len(enrolled), "killed after": killed_at,
                    "emails received": sum(received.values()), "lost": lost, "duplicated": duplicated})
    report.add(f"kill: notifications-consumer SIGKILLed after {killed_at} of {len(enrolled)} enrollments "
               f"({statuses['active']} active, {statuses['waitlisted']} waitlisted); restarted by compose up; "
               f"emails received {sum(received.values())}, lost {lost}, duplicated {duplicated}")
    assert (lost, duplicated) == (0, 0)
    assert statuses == {"active": 30, "waitlisted": 6}


def test_compose_down_leaves_nothing_behind_and_the_private_engine_stops(stack, engine, report):
    assert stack.containers()
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "30", timeout=300)
    left = stack.leftovers()
    assert left == {"containers": [], "volumes": [], "networks": [], "labelled containers": []}, left
    pid = engine.process.pid
    engine.stop()
    assert engine.process.poll() is not None and not engine.socket.exists()
    with pytest.raises(ProcessLookupError):
        import os
        os.kill(pid, 0)
    report.add(f"down -v: no container, volume or network left; private dockerd (pid {pid}) stopped")
    report.add("figures: " + ", ".join(f"{key} {value}" for key, value in FIGURES.items()))
    report.add(f"total time of the compose tests: {time.monotonic() - report.started:.0f} s")
