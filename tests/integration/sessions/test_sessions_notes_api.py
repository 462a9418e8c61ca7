"""Session notes over the API, on SQLite and PostgreSQL: the lifecycle draft -> signed -> co-signed ->
addendum, the conflicts, who may do what, the limits, templates and 'apply to all', the unsigned list
and the raw rows (no note text in clear, none in the outbox)."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from tests.integration.sessions.notes_world import SECRET, NotesWorld
from tests.integration.sessions.sessions_client import ADMIN, as_participant


def test_lifecycle_draft_signed_cosigned_addendum(settings_for):
    w = NotesWorld(settings_for("sessions"))
    assert w.http.put(f"/v1/groups/{w.group}/note-settings", json={"requires_cosignature": True},
                      headers=w.as_(w.lead)).status_code == 200
    note = w.start(participant_id=w.present, progress="first words").json
    assert (note["status"], note["version"], note["locked"]) == ("draft", 1, False)

    edited = w.patch(note, 1, who=w.lead, progress=SECRET)  # the lead edits the co-facilitator's draft
    assert edited.status_code == 200 and edited.json["version"] == 2
    assert w.sign(note, 2, who=w.lead).status_code == 403  # not the author: never someone else's signature
    signed = w.sign(note, 2)
    assert signed.status_code == 200, signed.json
    assert (signed.json["status"], signed.json["locked"]) == ("awaiting_cosignature", True)
    assert w.post(f"/v1/notes/{note['id']}/cosign", who=w.co).status_code == 403  # only the lead co-signs
    cosigned = w.post(f"/v1/notes/{note['id']}/cosign", who=w.lead)
    assert cosigned.status_code == 200 and cosigned.json["status"] == "cosigned"
    assert cosigned.json["cosigned_by"] == w.lead

    addendum = w.post(f"/v1/notes/{note['id']}/addenda", {"text": "Called back the next morning."}, who=w.lead)
    assert addendum.status_code == 201
    shown = w.http.get(f"/v1/notes/{note['id']}", headers=w.as_(w.co)).json
    assert shown["sections"]["progress"] == SECRET
    assert [(a["author"]["id"], a["text"]) for a in shown["addenda"]] == [(w.lead, "Called back the next morning.")]
    types = [e["type"] for e in w.client.events() if e["type"].startswith("sessions.note.")]
    assert types == ["sessions.note.drafted", "sessions.note.signed", "sessions.note.signed",
                     "sessions.note.addendum_added"]


def test_the_lead_signs_without_cosignature_and_the_group_note(settings_for):
    w = NotesWorld(settings_for("sessions"))
    w.http.put(f"/v1/groups/{w.group}/note-settings", json={"requires_cosignature": True}, headers=ADMIN)
    group_note = w.start(who=w.lead, topic="Coping skills").json
    assert group_note["kind"] == "group" and group_note["sections"]["topic"] == "Coping skills"
    assert w.sign(group_note, 1, who=w.lead).json["status"] == "signed"


def test_conflicts_answer_409_with_a_clear_message(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.late).json
    assert w.patch(note, 1, plan="from the lead", who=w.lead).status_code == 200
    stale = w.patch(note, 1, plan="from the co-facilitator")  # both started from version 1
    assert stale.status_code == 409 and "version 1" in stale.json["message"]
    assert w.http.get(f"/v1/notes/{note['id']}", headers=ADMIN).json["sections"]["plan"] == "from the lead"
    assert w.start(participant_id=w.late).status_code == 409  # one note per member
    assert w.post(f"/v1/notes/{note['id']}/addenda", {"text": "x"}).status_code == 409  # a draft: edit it
    w.sign(note, 2)
    locked = w.patch(note, 3, plan="changed afterwards")
    assert locked.status_code == 409 and "locked" in locked.json["message"] and "addendum" in locked.json["message"]
    assert w.sign(note, 3).status_code == 409
    assert "changed afterwards" not in json.dumps(locked.json)


def test_who_may_read_and_write_notes(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.present, progress=SECRET).json
    path = f"/v1/notes/{note['id']}"
    assert w.http.get(path, headers=w.as_(w.outsider)).status_code == 404
    assert w.http.get(path, headers=as_participant(w.present)).status_code == 403
    assert w.http.get(f"/v1/sessions/{w.session}/notes", headers=as_participant(w.present)).status_code == 403
    assert w.http.get(f"/v1/sessions/{w.session}/notes", headers=w.as_(w.outsider)).status_code == 404
    assert w.sign(note, 1, who=w.outsider).status_code == 404
    assert w.sign(note, 1, who=w.lead).status_code == 403
    assert w.http.get(path, headers=ADMIN).status_code == 200


def test_a_note_only_for_someone_in_the_session(settings_for):
    w = NotesWorld(settings_for("sessions"))
    assert w.start(participant_id=w.walk_in).status_code == 201  # a walk-in was in the session
    for nobody in (w.absent, "8f7b0f0e-0000-4000-8000-000000000000"):
        refused = w.start(participant_id=nobody)
        assert refused.status_code == 422 and "participant_id" in refused.json["errors"]["json"]


def test_too_long_text_is_a_422_naming_the_field(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.present).json
    too_long = w.patch(note, 1, plan="x" * 20_001)
    assert too_long.status_code == 422
    assert "plan" in too_long.json["errors"]["json"]["sections"]
    assert w.http.get(f"/v1/notes/{note['id']}", headers=ADMIN).json["version"] == 1  # nothing written
    assert w.patch(note, 1, plan="x" * 20_000).status_code == 200
    wrong_kind = w.patch(note, 2, topic="a group section on a member's note")
    assert wrong_kind.status_code == 422 and "sections.topic" in wrong_kind.json["errors"]["json"]


def test_template_and_apply_to_all(settings_for):
    w = NotesWorld(settings_for("sessions"))
    template = {"individual": {"progress": "Progress toward goals:"}, "group": {"topic": "Theme of the day:"}}
    assert w.http.put(f"/v1/groups/{w.group}/note-settings", json={"template": template},
                      headers=w.as_(w.lead)).json["template"] == template
    first = w.start(participant_id=w.present).json
    assert first["sections"]["progress"] == "Progress toward goals:\n"
    w.patch(first, 1, plan="Own plan")
    signed_one = w.start(participant_id=w.late).json
    w.sign(signed_one, 1)

    applied = w.post(f"/v1/sessions/{w.session}/notes/apply-to-all", {"field": "plan", "text": "Practice breathing."})
    assert applied.status_code == 200, applied.json
    plans = {n["participant_id"]: n["sections"]["plan"] for n in applied.json["items"]}
    assert plans == {w.present: "Own plan\nPractice breathing.", w.walk_in: "Practice breathing."}
    assert applied.json["skipped_note_ids"] == [signed_one["id"]]
    notes = w.http.get(f"/v1/sessions/{w.session}/notes", headers=w.as_(w.lead)).json["items"]
    assert len({n["id"] for n in notes}) == 3 and w.absent not in {n["participant_id"] for n in notes}


def test_unsigned_list_shows_overdue_drafts_of_the_author(settings_for):
    w = NotesWorld(settings_for("sessions"), ended_hours_ago=30)
    draft = w.start(participant_id=w.present).json
    done = w.start(participant_id=w.late).json
    w.sign(done, 1)
    mine = w.http.get("/v1/unsigned-notes", headers=w.as_(w.co)).json["items"]
    assert [(i["note_id"], i["overdue"]) for i in mine] == [(draft["id"], True)]
    assert "sections" not in mine[0]
    assert w.http.get("/v1/unsigned-notes", headers=w.as_(w.lead)).json["items"] == []
    assert w.http.get(f"/v1/unsigned-notes?facilitator_id={w.co}&overdue=true",
                      headers=ADMIN).json["items"][0]["note_id"] == draft["id"]
    assert w.http.get("/v1/unsigned-notes", headers=ADMIN).status_code == 422


def test_recent_session_drafts_are_not_yet_overdue(settings_for):
    w = NotesWorld(settings_for("sessions"), ended_hours_ago=2)
    w.start(participant_id=w.present)
    [item] = w.http.get("/v1/unsigned-notes", headers=w.as_(w.co)).json["items"]
    assert item["overdue"] is False
    assert w.http.get("/v1/unsigned-notes?overdue=true", headers=w.as_(w.co)).json["items"] == []


def test_the_database_and_the_outbox_never_hold_note_text(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.present, progress=SECRET).json
    w.sign(note, 1)
    w.post(f"/v1/notes/{note['id']}/addenda", {"text": SECRET + " (addendum)"})
    rows = w.raw("SELECT * FROM notes") + w.raw("SELECT * FROM note_addenda")
    assert len(rows) == 2
    needle = "Zephyrine"
    for row in rows:
        for value in row:
            raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
            assert needle.encode() not in raw and needle.encode("utf-16-le") not in raw
    assert needle not in json.dumps([tuple(map(str, r)) for r in w.raw("SELECT * FROM outbox")])
    assert {r.key_id for r in rows} == {"development-only"}


def test_a_tampered_note_fails_alone_and_is_logged_by_id(settings_for, capsys):
    w = NotesWorld(settings_for("sessions"))
    bad = w.start(participant_id=w.present, progress=SECRET).json
    good = w.start(participant_id=w.late, progress="fine").json
    w.tamper(bad["id"])
    capsys.readouterr()
    read = w.http.get(f"/v1/notes/{bad['id']}", headers=ADMIN)
    assert read.status_code == 409 and bad["id"] in read.json["message"]
    assert "Zephyrine" not in json.dumps(read.json)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [(line["level"], line["note_id"]) for line in logged if "note_id" in line] == [("error", bad["id"])]
    assert w.patch(bad, 1, progress="overwrite").status_code == 409
    listed = {n["id"]: n for n in w.http.get(f"/v1/sessions/{w.session}/notes", headers=ADMIN).json["items"]}
    assert (listed[bad["id"]]["readable"], listed[bad["id"]]["sections"]) == (False, None)
    assert listed[good["id"]]["sections"]["progress"] == "fine"
    assert w.http.get(f"/v1/notes/{good['id']}", headers=ADMIN).status_code == 200


def _export_body(**consent) -> dict:
    today = date.today()
    return {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat(),
            "purpose": "Payer review", "recipient": "Health plan utilization review",
            "consent": {"given_on": today.isoformat(), **consent}}


def test_export_of_a_participants_notes_is_a_logged_disclosure(settings_for):
    w = NotesWorld(settings_for("sessions"))
    signed = w.start(participant_id=w.present, progress=SECRET).json
    w.sign(signed, 1)
    w.start(participant_id=w.late, progress="another member's")
    path = f"/v1/participants/{w.present}/note-exports"
    assert w.http.post(path, json=_export_body(), headers=as_participant(w.present)).status_code == 403
    assert w.http.post(path, json=_export_body(), headers=w.as_(w.outsider)).status_code == 404
    expired = w.http.post(path, json=_export_body(expires_on="2020-01-01"), headers=w.as_(w.lead))
    assert expired.status_code == 422 and "consent.expires_on" in expired.json["errors"]["json"]
    no_consent = w.http.post(path, json={k: v for k, v in _export_body().items() if k != "consent"},
                             headers=w.as_(w.lead))
    assert no_consent.status_code == 422 and "consent" in no_consent.json["errors"]["json"]

    export = w.http.post(path, json=_export_body(), headers=w.as_(w.lead))
    assert export.status_code == 201, export.json
    body = export.json
    assert [(n["note_id"], n["sections"]["progress"]) for n in body["notes"]] == [(signed["id"], SECRET)]
    assert [s["status"] for s in body["sessions"]] == ["present"]
    assert "42 CFR part 2" in body["redisclosure_notice"]
    assert body["disclosure"]["contents"] == "notes" and body["disclosure"]["recipient"].startswith("Health plan")
    log = w.http.get(f"/v1/participants/{w.present}/attendance-exports", headers=ADMIN).json["items"]
    assert [(d["id"], d["contents"]) for d in log] == [(body["disclosure"]["id"], "notes")]


def test_an_export_with_a_tampered_note_discloses_nothing(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.present, progress=SECRET).json
    w.sign(note, 1)
    w.tamper(note["id"])
    refused = w.http.post(f"/v1/participants/{w.present}/note-exports", json=_export_body(), headers=ADMIN)
    assert refused.status_code == 409 and note["id"] in refused.json["message"]
    assert w.http.get(f"/v1/participants/{w.present}/attendance-exports", headers=ADMIN).json["items"] == []


def test_two_facilitators_saving_one_draft_at_once_one_wins_one_sees_the_conflict(settings_for):
    w = NotesWorld(settings_for("sessions"))
    note = w.start(participant_id=w.present).json

    def save(who: str):
        client = w.client.app.test_client()
        return client.patch(f"/v1/notes/{note['id']}", json={"version": 1, "sections": {"plan": f"by {who}"}},
                            headers=w.as_(who)).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(save, [w.lead, w.co]))
    assert statuses == [200, 409]
    saved = w.http.get(f"/v1/notes/{note['id']}", headers=ADMIN).json
    assert saved["version"] == 2 and saved["sections"]["plan"] in (f"by {w.lead}", f"by {w.co}")
