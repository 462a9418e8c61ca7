"""The console's own small rules: consent to an export, the letter, the attendance form, group forms."""
from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from services.web.console.consent import Consent, check_consent
from services.web.console.forms import group_body
from services.web.console.letters import attendance_letter, verification_code
from services.web.console.views_sessions import attendance_entries

TODAY = date(2026, 12, 1)
CONSENT = {"consent_signed_by": "The participant", "consent_signed_on": "2026-11-20",
           "consent_expires_on": "2027-02-20", "consent_confirmed": "yes"}


def test_an_export_needs_a_complete_consent_in_force_today():
    consent, errors = check_consent(CONSENT, TODAY)
    assert errors == {} and consent == Consent("The participant", date(2026, 11, 20), date(2027, 2, 20))
    assert set(check_consent({}, TODAY)[1]) == {"consent_signed_by", "consent_signed_on", "consent_expires_on",
                                                "consent_confirmed"}
    assert "expired" in check_consent({**CONSENT, "consent_expires_on": "2026-11-30"}, TODAY)[1]["consent_expires_on"][0]
    assert "future" in check_consent({**CONSENT, "consent_signed_on": "2026-12-02"}, TODAY)[1]["consent_signed_on"][0]


def test_the_letter_carries_the_notice_the_consent_and_a_verification_code():
    export = {"from": "2026-11-01", "to": "2026-11-30", "timezone": "America/New_York", "minimum_hours": 9.0,
              "total_hours": 12.0, "weeks": [{"week_start": "2026-11-02", "hours": 12.0, "sessions_attended": 4,
                                              "below_minimum": False}],
              "sessions": [{"starts_at": "2026-11-02T23:00:00+00:00", "status": "present", "minutes": 180,
                            "walk_in": False}],
              "redisclosure_notice": "This information has been disclosed to you from records protected by "
                                     "federal confidentiality rules (42 CFR part 2).",
              "disclosure": {"id": "d-1", "recipient": "County probation office", "purpose": "court order",
                             "created_at": "2026-12-01T15:00:00+00:00"}}
    code = verification_code("k" * 40, "d-1")
    assert code == verification_code("k" * 40, "d-1") != verification_code("k" * 40, "d-2")
    pdf = attendance_letter(export, {"preferred_name": "Sam"}, check_consent(CONSENT, TODAY)[0], code, "Dana")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "42 CFR part 2" in text and code in text and "County probation office" in text
    assert "signed by The participant on 2026-11-20, valid until 2027-02-20" in text


def test_the_sheet_sends_only_what_changed_and_all_present_marks_everyone():
    form = MultiDict([("participant", "a"), ("participant", "b"), ("participant", "c"),
                      ("status-a", "present"), ("was-a", "present"), ("was-minutes-a", ""),
                      ("status-b", "late"), ("minutes-b", "45"), ("was-b", "absent"), ("was-minutes-b", ""),
                      ("was-c", "not_recorded"), ("was-minutes-c", "")])
    assert attendance_entries(form) == [("b", {"participant_id": "b", "status": "late", "minutes": 45})]
    everyone = MultiDict(list(form.items(multi=True)) + [("all_present", "1")])
    assert [body for _, body in attendance_entries(everyone)] == [
        {"participant_id": "b", "status": "present"}, {"participant_id": "c", "status": "present"}]


def test_a_group_form_becomes_the_api_body_and_a_typo_reaches_the_api_as_typed():
    form = MultiDict([("name", " Evening "), ("kind", "process"), ("capacity", "ten"), ("modality", "in_person"),
                      ("facilitator_ids", "f-1"), ("schedule.weekdays", "mon"), ("schedule.weekdays", "wed"),
                      ("schedule.start_time", "18:00"), ("schedule.duration_minutes", "180"),
                      ("schedule.timezone", "America/New_York"), ("starts_on", "2026-12-01"), ("ends_on", "")])
    body = group_body(form)
    assert body["name"] == "Evening" and body["capacity"] == "ten"  # the API says "Not a valid integer."
    assert body["schedule"] == {"weekdays": ["mon", "wed"], "start_time": "18:00", "duration_minutes": 180,
                                "timezone": "America/New_York"}
    assert "ends_on" not in body and group_body(form, partial=True)["ends_on"] is None
