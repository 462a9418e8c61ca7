"""The personal page: upcoming sessions with Join buttons, in-app messages (marked read when shown),
the calendar subscription, and preferences saved through roster's API (so notifications hears of
them by roster's events). At most four API calls a page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for

from services.web.api_client import ApiError
from services.web.participant import participant
from services.web.participant.access import LinkRefused, PageAccess, open_link
from services.web.participant.present import message_rows, session_rows, webcal, zone
from shared.sms_consent import SMS_CONSENT_WORDING

CHANNELS = (("email", "Email"), ("sms", "Text message (SMS)"), ("in_app", "Messages on this page"))
MESSAGES_SHOWN_FOR = timedelta(days=30)


@participant.errorhandler(LinkRefused)
def _refused(refused: LinkRefused):
    return refused.page()


@participant.get("/p/<token>")
def personal_page(token: str):
    access = open_link(token)
    now = datetime.now(UTC)
    tz = zone(access.profile.get("timezone"))
    pid, api = access.participant_id, access.api
    sessions = api.get("sessions", f"/v1/participants/{pid}/sessions", limit=20)
    inbox = api.get("notifications", f"/v1/participants/{pid}/notifications", limit=50,
                    since=(now - MESSAGES_SHOWN_FOR).isoformat())["items"]
    unread = [item["id"] for item in inbox if item.get("read_at") is None]
    if unread:  # shown now: read
        api.post("notifications", f"/v1/participants/{pid}/notifications/read", {"ids": unread})
    return render_template("participant/page.html", access=access, tz=tz,
                           sessions=session_rows(sessions["items"], tz, now),
                           messages=message_rows(inbox, tz),
                           calendar_url=sessions["calendar_url"], webcal_url=webcal(sessions["calendar_url"]),
                           **preferences_context(access.profile))


@participant.post("/p/<token>/preferences")
def save_preferences(token: str):
    access = open_link(token)
    form = request.form
    values = {"channels": form.getlist("channels"), "quiet_start": form.get("quiet_start", "").strip(),
              "quiet_end": form.get("quiet_end", "").strip(), "sms_consent": form.get("sms_consent") == "yes"}
    errors: dict[str, list[str]] = {}
    if not values["channels"]:
        errors["channels"] = ["Choose at least one way to reach you."]
    if bool(values["quiet_start"]) != bool(values["quiet_end"]):
        missing = "quiet_end" if values["quiet_start"] else "quiet_start"
        errors[missing] = ["Give both a start and an end, or leave both empty."]
    if not errors:
        quiet = {"start": values["quiet_start"], "end": values["quiet_end"]} if values["quiet_start"] else None
        try:
            access.api.patch("roster", f"/v1/participants/{access.participant_id}",
                             {"channels": values["channels"], "quiet_hours": quiet,
                              "sms_consent": values["sms_consent"]})
        except ApiError as refused:
            if refused.status != 422:
                raise
            errors = {_form_field(name): messages for name, messages in refused.fields.items()} or \
                {"_form": [refused.message]}
    if errors:
        context = preferences_context(access.profile, values) | {"errors": errors}
        return render_template("participant/preferences.html", access=access, **context), 422
    flash("Your settings are saved.", "ok")
    return redirect(url_for("participant.personal_page", token=token, _anchor="settings"), code=303)


@participant.post("/p/<token>/sms-stop")
def stop_sms(token: str):
    """Opting out of text messages: consent withdrawn (roster forgets its time) and the channel off."""
    access = open_link(token)
    channels = [c for c in access.profile.get("channels", []) if c != "sms"] or ["email"]
    access.api.patch("roster", f"/v1/participants/{access.participant_id}",
                     {"sms_consent": False, "channels": channels})
    flash("You will get no more text messages.", "ok")
    return redirect(url_for("participant.personal_page", token=token, _anchor="settings"), code=303)


def preferences_context(profile: dict, typed: dict | None = None) -> dict:
    quiet = profile.get("quiet_hours") or {}
    values = typed or {"channels": profile.get("channels", []), "quiet_start": quiet.get("start", ""),
                       "quiet_end": quiet.get("end", ""), "sms_consent": bool(profile.get("sms_consent"))}
    consent_at = profile.get("sms_consent_at")
    return {"channels": CHANNELS, "values": values, "errors": {}, "consent_wording": SMS_CONSENT_WORDING,
            "consent_at": consent_at, "has_phone": bool(profile.get("phone")),
            "sms_on": bool(profile.get("sms_consent")) and "sms" in profile.get("channels", [])}


def _form_field(api_field: str) -> str:
    return {"quiet_hours.start": "quiet_start", "quiet_hours.end": "quiet_end", "quiet_hours": "quiet_start",
            "phone": "channels"}.get(api_field, api_field)


__all__ = ["PageAccess"]
