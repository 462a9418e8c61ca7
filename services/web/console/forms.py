"""From submitted forms to API bodies, keeping what was typed for a page shown again with errors.

The APIs validate everything and name the field; these functions only reshape text into JSON (a
number stays text if it is not one, so the API's message about it is the one shown).
"""
from __future__ import annotations

from werkzeug.datastructures import MultiDict


def typed(form: MultiDict) -> dict:
    """What the person typed, for refilling the form (lists for repeated names)."""
    values = {}
    for key in form:
        if key == "csrf_token":
            continue
        items = form.getlist(key)
        values[key] = items if len(items) > 1 or key.endswith("[]") or key in ("facilitator_ids", "schedule.weekdays",
                                                                               "channels") else items[0]
    return values


def _number(text: str | None):
    if text is None or text.strip() == "":
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the API names the field: "Not a valid integer."


def _text(form: MultiDict, name: str):
    value = (form.get(name) or "").strip()
    return value or None


def group_body(form: MultiDict, *, partial: bool = False) -> dict:
    body = {
        "name": _text(form, "name"), "kind": _text(form, "kind"), "capacity": _number(form.get("capacity")),
        "modality": _text(form, "modality"), "location": _text(form, "location"),
        "enrollment_policy": _text(form, "enrollment_policy"),
        "facilitator_ids": [value for value in form.getlist("facilitator_ids") if value] or None,
        "starts_on": _text(form, "starts_on"), "ends_on": _text(form, "ends_on"),
        "schedule": {"weekdays": form.getlist("schedule.weekdays"),
                     "start_time": _text(form, "schedule.start_time"),
                     "duration_minutes": _number(form.get("schedule.duration_minutes")),
                     "timezone": _text(form, "schedule.timezone")},
    }
    body["schedule"] = {k: v for k, v in body["schedule"].items() if v not in (None, [])} or None
    keep_nulls = ("location", "ends_on") if partial else ()
    return {k: v for k, v in body.items() if v is not None or k in keep_nulls}


def participant_body(form: MultiDict) -> dict:
    body = {"preferred_name": _text(form, "preferred_name"), "email": _text(form, "email"),
            "phone": _text(form, "phone"), "timezone": _text(form, "timezone") or "America/New_York",
            "channels": form.getlist("channels") or ["email"], "sms_consent": form.get("sms_consent") == "yes"}
    return {k: v for k, v in body.items() if v is not None}


def group_values(group: dict) -> dict:
    """A group as form values (for the edit form)."""
    schedule = group.get("schedule") or {}
    return {"name": group["name"], "kind": group["kind"], "capacity": str(group["capacity"]),
            "modality": group["modality"], "location": group.get("location") or "",
            "enrollment_policy": group.get("enrollment_policy"), "facilitator_ids": group["facilitator_ids"],
            "starts_on": group.get("starts_on") or "", "ends_on": group.get("ends_on") or "",
            "schedule.weekdays": schedule.get("weekdays", []), "schedule.start_time": schedule.get("start_time", ""),
            "schedule.duration_minutes": str(schedule.get("duration_minutes", "")),
            "schedule.timezone": schedule.get("timezone", "")}
