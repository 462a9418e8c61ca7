"""End to end through the real broker: the roster API and its relay, our consumer and scheduler."""
import threading
import uuid

from services.notifications.bootstrap import BINDINGS
from services.roster.entrypoints.api.app import create_app as create_roster_app
from shared.worker import GracefulStop
from tests.integration.notifications.notif_world import SCHEDULE, World
from tests.support.tokens import bearer
from tests.support.workers import running_consumer, running_relay, wait_for

ADMIN = bearer("admin", str(uuid.uuid4()))


def created(response) -> dict:
    assert response.status_code == 201, response.json
    return response.json


def test_enrolling_through_the_roster_api_sends_one_welcome_and_sms_only_with_consent(
        settings_for, amqp_url, sink, sms_provider):
    roster = create_roster_app(settings_for("roster"))
    http = roster.test_client()
    world = World(settings_for, sink, sms_provider)
    stop = GracefulStop()
    scheduler = threading.Thread(target=world.scheduler(stop=stop).run, daemon=True)
    scheduler.start()
    try:
        with (running_relay(roster.extensions["iop"], amqp_url),
              running_consumer(world.pipeline, amqp_url, BINDINGS)):
            lead = created(http.post("/v1/facilitators", headers=ADMIN, json={
                "name": "Dr. Alvarez", "email": f"{uuid.uuid4().hex[:8]}@clinic.example"}))
            people = [created(http.post("/v1/participants", headers=ADMIN, json={
                "preferred_name": "Sam", "email": f"{uuid.uuid4().hex[:8]}@mail.example",
                "timezone": "America/Chicago", "channels": ["email", "sms"], "sms_consent": consent,
                "phone": phone})) for consent, phone in ((True, "+15555550100"), (False, "+15555550101"))]
            group = created(http.post("/v1/groups", headers=ADMIN, json={
                "name": "Evening", "kind": "process", "modality": "virtual", "facilitator_ids": [lead["id"]],
                "schedule": SCHEDULE, "starts_on": "2030-01-07"}))
            for person in people:
                created(http.post(f"/v1/groups/{group['id']}/enrollments", headers=ADMIN,
                                  json={"participant_id": person["id"]}))

            addresses = {person["email"] for person in people}
            welcomes = lambda: [m for m in sink.messages() if m["To"] in addresses]  # noqa: E731
            wait_for(lambda: len(welcomes()) == 2, timeout=20, message="two welcome emails")
            wait_for(lambda: sms_provider.received, timeout=20, message="one SMS")
            stop.wait(1.0)  # anything extra would arrive now
    finally:
        stop.request()
        scheduler.join(timeout=10)

    assert sorted(m["To"] for m in welcomes()) == sorted(addresses)
    assert all(m["Subject"] == "Welcome: your session schedule" for m in welcomes())
    ours = [post["to"] for post in sms_provider.received if post["to"].startswith("+1555555010")]
    assert ours == ["+15555550100"]
