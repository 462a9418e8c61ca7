"""A counselor's day in the console, in a real browser against the real processes: sign in, create a
group, enroll until the waitlist starts, end an enrollment and see the promotion, generate sessions,
take attendance, print the sign-in sheet, export an attendance letter (the PDF read back with pypdf);
another facilitator cannot see the group; an admin replays a dead letter. Every screen is
screenshotted and checked with axe-core."""
from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta, timezone

import pika
import pytest
import requests
from pypdf import PdfReader

from shared.events import new_envelope
from shared.messaging.topology import EXCHANGE
from tests.browser.conftest import sign_in
from tests.e2e.clinic import Person
from tests.support.web_processes import ADMIN_EMAIL
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
CAPACITY = 6


def register_in_browser(page, platform, group_id):
    name, email, _ = platform.stack.people.invent("participant")
    page.goto(f"{platform.web_url}/groups/{group_id}/enroll")
    page.get_by_label("Preferred name").fill(name.split()[0])
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("button", name="Register and enroll").click()
    page.wait_for_url(f"**/groups/{group_id}")
    platform.stack.people.add(Person("", email, {}, name.split()[0]))
    return name.split()[0]


def test_a_facilitator_runs_a_group_from_enrollment_to_an_attendance_letter(page, browser, web_platform, screens):
    platform = web_platform
    lead = platform.facilitator()
    sign_in(page, platform, lead["email"])
    screens.check("dashboard")

    # A new group: a refused form keeps what was typed and says what is wrong beside the field.
    page.get_by_role("link", name="New group").first.click()
    page.get_by_label("Name").fill("Tuesday evening")
    page.get_by_label("Capacity (6 to 15)").fill("3")
    page.get_by_label("Room or address (in person and hybrid)").fill("Room 2")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(day).check()
    page.get_by_label("Starts at (24-hour, HH:MM)").fill("18:00")
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_role("button", name="Create the group").click()
    assert page.locator(".field-error").first.is_visible()
    assert page.get_by_label("Name").input_value() == "Tuesday evening"
    assert page.locator("#f-capacity").get_attribute("aria-invalid") == "true"
    screens.check("group-form-refused")
    page.get_by_label("Capacity (6 to 15)").fill(str(CAPACITY))
    page.get_by_role("button", name="Create the group").click()
    page.wait_for_url(re.compile(r".*/groups/[0-9a-f-]{36}$"))
    group_id = page.url.rsplit("/", 1)[1]
    screens.check("group-new")

    # Enroll until the waitlist starts.
    names = [register_in_browser(page, platform, group_id) for _ in range(CAPACITY + 1)]
    assert "waitlist at position 1" in page.locator(".flashes").inner_text()
    roster = page.locator("section[aria-labelledby=roster-heading]")
    waitlist = page.locator("section[aria-labelledby=waitlist-heading]")
    assert roster.locator("tbody tr").count() == CAPACITY
    assert names[-1] in waitlist.inner_text()
    screens.check("group-full-with-waitlist")
    page.goto(f"{platform.web_url}/groups/{group_id}/enroll?q={names[0][:3]}")
    screens.check("enroll-find")

    # Ending an enrollment promotes the first on the waitlist.
    page.goto(f"{platform.web_url}/groups/{group_id}")
    page.get_by_label(f"Reason for ending {names[0]}'s enrollment").select_option("completed")
    page.get_by_role("button", name=f"End {names[0]}'s enrollment").click()
    page.wait_for_url(f"**/groups/{group_id}")
    assert names[-1] in roster.inner_text() and "Nobody is waiting." in waitlist.inner_text()
    assert names[0] in page.locator("section[aria-labelledby=ended-heading]").inner_text()

    # Generate sessions (the sessions service hears of the group within a moment).
    def generated():
        page.get_by_role("button", name="Generate sessions from the schedule").click()
        page.wait_for_url(f"**/groups/{group_id}")
        return "sessions created" in page.locator(".flashes").inner_text()
    wait_for(generated, timeout=30, interval=0.5, message="sessions generated once the group is known")
    assert page.locator("section[aria-labelledby=sessions-heading] li").count() >= 20

    # Take attendance for a session under way, begun after everyone joined (added through the API:
    # generated ones are ahead; members enrolled after a session began are walk-ins of it, not expected).
    changes = [moment for e in platform.api("GET", "roster", f"/v1/groups/{group_id}/enrollments")["items"]
               for moment in (e["activated_at"], e["ended_at"]) if moment]
    started = max(datetime.fromisoformat(m) for m in changes) + timedelta(seconds=1)
    wait_for(lambda: datetime.now(timezone.utc) > started, timeout=5, message="the session's start passed")
    session = platform.api("POST", "sessions", f"/v1/groups/{group_id}/sessions",
                           {"starts_at": started.isoformat(), "duration_minutes": 60})
    page.goto(f"{platform.web_url}/sessions/{session['id']}")
    sheet = page.locator("table.sheet tbody tr")
    wait_for(lambda: (page.reload(), sheet.count() == CAPACITY)[1], timeout=20, interval=0.5, message="the sheet lists the members")
    screens.check("session-attendance")
    page.get_by_role("button", name="Mark everyone present").click()
    page.wait_for_url(f"**/sessions/{session['id']}")
    late = names[1]
    page.get_by_role("group", name=f"Status of {late}").get_by_label("Late").check()
    page.get_by_label(f"Minutes attended by {late}").fill("45")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(f"**/sessions/{session['id']}")
    rows = platform.api("GET", "sessions", f"/v1/sessions/{session['id']}/attendance")["items"]
    assert sorted(row["status"] for row in rows) == ["late"] + ["present"] * (CAPACITY - 1)
    assert {row["minutes"] for row in rows if row["status"] == "late"} == {45}
    assert page.get_by_role("group", name=f"Status of {late}").get_by_label("Late").is_checked()
    page.get_by_role("link", name="Printable sign-in sheet").click()
    page.wait_for_url("**/sign-in-sheet")
    printed = page.locator("table").inner_text()
    assert [name for name in names[1:] if name not in printed] == [], printed
    screens.check("sign-in-sheet")
    page.goto(f"{platform.web_url}/sessions/{session['id']}/walk-in?q={names[0][:3]}")
    screens.check("walk-in")
    upcoming = platform.api("GET", "sessions", "/v1/sessions", group_id=group_id, status="scheduled")["items"]
    page.goto(f"{platform.web_url}/sessions/{upcoming[-1]['id']}/reschedule")
    screens.check("reschedule")

    # The participant's page, then an attendance letter: refused without consent, then made.
    page.goto(f"{platform.web_url}/sessions/{session['id']}")
    page.get_by_role("link", name=late).first.click()
    assert page.get_by_role("heading", name="Weekly hours").is_visible()
    screens.check("participant")
    page.get_by_role("link", name="Attendance letter and disclosure log").click()
    page.get_by_label("Recipient", exact=True).fill("County probation office")
    page.get_by_label("Purpose", exact=True).fill("court-ordered proof of attendance")
    page.get_by_role("button", name="Make the letter (PDF)").click()
    assert page.get_by_label("Recipient", exact=True).input_value() == "County probation office"
    assert page.locator("#consent_confirmed-error").is_visible()
    screens.check("export-refused")
    today = datetime.now().date()
    page.get_by_label("Signed by").fill("The participant")
    page.get_by_label("Signed on").fill(today.isoformat())
    page.get_by_label("Expires on").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("The signed consent names this recipient and this purpose, and is on file.").check()
    form = page.locator("form", has=page.get_by_role("button", name="Make the letter (PDF)"))
    fields = form.evaluate("f => Object.fromEntries(new FormData(f))")
    letter = page.request.post(page.url, form=fields)
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.body())).pages)
    assert "42 CFR part 2" in text and "prohibit you from making any further disclosure" in " ".join(text.split())
    code = re.search(r"Verification code: ([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})", text).group(1)
    assert "County probation office" in text and late in text
    page.reload()
    log = page.locator("section[aria-labelledby=log-heading]").inner_text()
    assert "County probation office" in log and code in log
    screens.check("export-with-disclosure-log")

    # Another facilitator: the group is not theirs, and the page says only "Not found".
    other = platform.facilitator()
    second = browser.new_context()
    try:
        other_page = second.new_page()
        sign_in(other_page, platform, other["email"])
        response = other_page.goto(f"{platform.web_url}/groups/{group_id}")
        assert response.status == 404 and other_page.get_by_role("heading", name="Not found").is_visible()
        assert "Tuesday evening" not in other_page.content()
    finally:
        second.close()


def test_an_admin_registers_a_facilitator_and_replays_a_dead_letter(page, web_platform, screens):
    platform = web_platform
    lead = platform.facilitator()
    group_id, participant = str(uuid.uuid4()), platform.api("POST", "roster", "/v1/participants", {
        "preferred_name": "Robin", "email": f"robin-{uuid.uuid4().hex[:6]}@mail.example", "timezone": "UTC"})
    # An activation in a group notifications never heard of: retried, then parked as a dead letter.
    connection = pika.BlockingConnection(pika.URLParameters(platform.stack.amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()

        def publish(event_type, data):
            envelope = new_envelope(event_type, data, "roster", uuid.uuid4().hex)
            channel.basic_publish(EXCHANGE, event_type, envelope.to_json().encode(), pika.BasicProperties(
                content_type="application/json", delivery_mode=2, message_id=envelope.id), mandatory=True)
            return envelope
        poison = publish("roster.enrollment.activated", {
            "enrollment_id": str(uuid.uuid4()), "group_id": group_id, "participant_id": participant["id"],
            "from_waitlist": False, "active_from": datetime.now(timezone.utc).isoformat()})
        admin_token = platform.admin["Authorization"]

        def parked():
            listed = requests.get(platform.stack.urls["notifications"] + "/v1/dead-letters",
                                  headers={"Authorization": admin_token}, timeout=10)
            return listed.status_code == 200 and any(d["event_id"] == poison.id for d in listed.json()["items"])
        wait_for(parked, timeout=60, interval=0.5, message="the activation parked as a dead letter")
        publish("roster.group.created", {  # the fix: the missing event arrives
            "group_id": group_id, "name": "Evening", "kind": "process", "capacity": 10, "modality": "virtual",
            "location": None, "enrollment_policy": "open", "facilitator_ids": [lead["id"]],
            "schedule": {"weekdays": ["tue"], "start_time": "18:00", "duration_minutes": 180, "timezone": "UTC"},
            "starts_on": "2030-01-01", "ends_on": None, "status": "forming"})
    finally:
        connection.close()

    sign_in(page, platform, ADMIN_EMAIL)
    page.get_by_role("link", name="Admin").click()
    screens.check("admin")
    page.get_by_role("link", name="Facilitators").click()
    page.get_by_label("Name").fill("Jordan Lee")
    page.get_by_label("Email of their clinic account").fill("not-an-email")
    page.get_by_role("button", name="Register").click()
    assert page.locator("#email-error").is_visible() and page.get_by_label("Name").input_value() == "Jordan Lee"
    screens.check("admin-facilitators-refused")
    page.goto(f"{platform.web_url}/admin/groups")
    screens.check("admin-groups")
    page.goto(f"{platform.web_url}/admin/notifications")
    screens.check("admin-notifications")
    page.goto(f"{platform.web_url}/admin/dead-letters")
    screens.check("admin-dead-letters")

    def replayed():
        page.goto(f"{platform.web_url}/admin/dead-letters")
        page.get_by_role("button", name=f"Replay roster.enrollment.activated {poison.id[:8]}").click()
        return "Replayed: the event was handled." in page.locator(".flashes").inner_text()
    wait_for(replayed, timeout=30, interval=0.5, message="the replay handled once the group is known")
    assert page.get_by_role("button", name=f"Replay roster.enrollment.activated {poison.id[:8]}").count() == 0
