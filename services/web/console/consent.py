"""The participant's written consent to an attendance export (42 CFR 2.31): who signed, when, until when.

Plain rules, no Flask: the export is refused unless the consent is complete, signed, and in force today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Consent:
    signed_by: str
    signed_on: date
    expires_on: date


def check_consent(form: dict, today: date) -> tuple[Consent | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    signed_by = (form.get("consent_signed_by") or "").strip()
    if not signed_by:
        errors["consent_signed_by"] = ["Say who signed the consent (the participant, or their legal representative)."]
    elif len(signed_by) > 200:
        errors["consent_signed_by"] = ["At most 200 characters."]
    signed_on = _date(form.get("consent_signed_on"), "consent_signed_on", errors)
    expires_on = _date(form.get("consent_expires_on"), "consent_expires_on", errors)
    if signed_on and signed_on > today:
        errors["consent_signed_on"] = ["A consent cannot be signed in the future."]
    if expires_on and expires_on < today:
        errors["consent_expires_on"] = ["This consent has expired: ask the participant for a new one."]
    if signed_on and expires_on and expires_on < signed_on:
        errors["consent_expires_on"] = ["The consent cannot expire before it was signed."]
    if form.get("consent_confirmed") != "yes":
        errors["consent_confirmed"] = ["Confirm that the written consent names this recipient and purpose."]
    if errors:
        return None, errors
    return Consent(signed_by, signed_on, expires_on), {}


def _date(text: str | None, name: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        errors[name] = ["Enter a date."]
        return None
