"""Session notes in the console, in a real browser against the real processes: a facilitator takes
attendance for a 10-member session and writes the group note and every member's note beside the sheet,
signs them and sees them locked; a draft typed and left is saved before the page goes; a draft changed
by a colleague meanwhile is shown as a conflict with the typed text kept. Screens checked with axe-core."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.browser.conftest import sign_in
from tests.e2e.clinic import Person
from tests.support.tokens import bearer
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
MEMBERS = 10


def test_a_facilitator_writes_signs_and_locks_the_notes_of_a_ten_member_session(page, web_platform, screens):
    platform = web_platform
    lead, co = platform.facilitator(), platform.facilitator()
    group = platform.api("POST", "roster", "/v1/groups", {
        "name": "Thursday evening", "kind": "process", "capacity": MEMBERS, "modality": "in_person",
        "location": "Room 3", "facilitator_ids": [lead["id"], co["id"]], "starts_on": "2026-01-05",
        "schedule": {"weekdays": ["thu"], "start_time": "18:00", "duration_minutes": 90,
                     "timezone": "America/New_York"}})
    names = {}
    for _ in range(MEMBERS):
        name, email, _ = platform.stack.people.invent("participant")
        person = platform.api("POST", "roster", "/v1/participants",
                              {"preferred_name": name, "email": email, "timezone": "America/New_York"})
        platform.stack.people.add(Person(person["id"], email, {}, name))
        names[person["id"]] = name
        platform.api("POST", "roster", f"/v1/groups/{group['id']}/enrollments", {"participant_id": person["id"]})
    joined = max(datetime.fromisoformat(e["activated_at"])
                 for e in platform.api("GET", "roster", f"/v1/groups/{group['id']}/enrollments")["items"])
    started = joined + timedelta(seconds=1)
    wait_for(lambda: datetime.now(timezone.utc) > started, timeout=5, message="the session's start passed")

    def scheduled():
        try:
            return platform.api("POST", "sessions", f"/v1/groups/{group['id']}/sessions",
                                {"starts_at": started.isoformat(), "duration_minutes": 60})
        except AssertionError:
            return None  # 404 until sessions has heard of the group
    session = wait_for(scheduled, timeout=30, interval=0.3, message="sessions to know the group")

    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}"))
    page.on("requestfailed", lambda request: problems.append(f"failed {request.method} {request.url}"))
    page.on("pageerror", lambda error: problems.append(f"page error {error}"))
    sign_in(page, platform, lead["email"])
    page.goto(f"{platform.web_url}/sessions/{session['id']}")
    sheet = page.locator("table.sheet tbody tr")
    wait_for(lambda: (page.reload(), sheet.count() == MEMBERS)[1], timeout=30, interval=0.5,
             message="the sheet lists the ten members")
    page.get_by_role("button", name="Mark everyone present").click()
    page.wait_for_url(f"**/sessions/{session['id']}*")
    panel = page.locator("section[aria-labelledby=notes-heading]")
    assert panel.locator("article.note").count() == MEMBERS + 1  # the group note and one per member
    screens.check("session-notes-drafts")

    # A draft typed: saved by the page itself (static/app.js), no button clicked, before it is left.
    first_id, first = next(iter(names.items()))
    page.get_by_label(f"Progress ({first})").fill("Named two triggers and a plan for each.")

    def saved_draft():
        notes = platform.api("GET", "sessions", f"/v1/sessions/{session['id']}/notes")["items"]
        return [n for n in notes if n["participant_id"] == first_id and n["status"] == "draft"
                and n["sections"]["progress"] == "Named two triggers and a plan for each."]
    [draft] = wait_for(saved_draft, timeout=15, interval=0.2, message=f"the draft saved by the page ({problems})")
    page.goto(f"{platform.web_url}/")  # leaving loses nothing: the panel shows the saved draft on return

    # A colleague saves the same draft meanwhile: saving the older version shows the conflict, text kept.
    page.goto(f"{platform.web_url}/sessions/{session['id']}")
    assert page.get_by_label(f"Progress ({first})").input_value() == "Named two triggers and a plan for each."
    page.get_by_label(f"Plan ({first})").fill("Check in on Monday.")
    co_headers = bearer("facilitator", co["id"])
    changed = requests.patch(f"{platform.stack.urls['sessions']}/v1/notes/{draft['id']}", headers=co_headers,
                             json={"version": draft["version"], "sections": {"plan": "From the co-facilitator."}},
                             timeout=10)
    assert changed.status_code == 200
    page.get_by_role("button", name=f"Save draft of {first}", exact=True).click()
    problem = page.locator(f"#note-{first_id} .form-problem")
    assert "changed by someone else" in problem.inner_text() or "has changed since" in problem.inner_text()
    assert page.get_by_label(f"Plan ({first})").input_value() == "Check in on Monday."
    screens.check("session-notes-conflict")

    # Write and sign every note: the group's, then each member's.
    page.goto(f"{platform.web_url}/sessions/{session['id']}")
    page.get_by_label("Topic (Group note)").fill("Coping with cravings at home")
    page.get_by_label("What was done (Group note)").fill("Check-in, skills practice, planning.")
    page.get_by_role("button", name="Sign Group note", exact=True).click()
    page.wait_for_url(f"**/sessions/{session['id']}*")
    for name in names.values():
        page.get_by_label(f"Participation ({name})").fill("Took part throughout.")
        page.get_by_label(f"Plan ({name})").fill("Practice the skill daily.")
        page.get_by_role("button", name=f"Sign {name}", exact=True).click()
        page.wait_for_url(f"**/sessions/{session['id']}*")
    badges = panel.locator(".note-status")
    assert badges.count() == MEMBERS + 1 and all("locked" in text for text in badges.all_inner_texts())
    assert panel.locator("form[data-note-draft]").count() == 0  # nothing left to edit
    screens.check("session-notes-locked")

    notes = platform.api("GET", "sessions", f"/v1/sessions/{session['id']}/notes")["items"]
    assert len(notes) == MEMBERS + 1 and {n["status"] for n in notes} == {"signed"}
    assert {n["author"]["id"] for n in notes} == {lead["id"]}
    edited = requests.patch(f"{platform.stack.urls['sessions']}/v1/notes/{notes[0]['id']}",
                            headers=bearer("facilitator", lead["id"]),
                            json={"version": notes[0]["version"], "sections": {"plan": "late"}}, timeout=10)
    assert edited.status_code == 409
