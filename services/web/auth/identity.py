"""Who a signed-in person is to the console, decided from the provider's verified claims.

A facilitator when the verified email matches a registered facilitator; an admin when the email is
in ADMIN_EMAILS or the groups claim holds OIDC_ADMIN_GROUP; anyone else is refused. Plain rules:
no Flask, no HTTP (the facilitator lookup is passed in).
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

ADMIN_NAMESPACE = uuid.UUID("6b1f1d2e-2f59-4d3a-9a57-3f0c0f7f2a11")


@dataclass(frozen=True)
class StaffMember:
    role: str  # "admin" or "facilitator"
    sub: str  # the facilitator's id, or a stable id derived from the provider's subject for an admin
    facilitator_id: str | None
    display_name: str


@dataclass(frozen=True)
class Refusal:
    reason: str  # "email_not_verified", "not_staff"


def subject_hash(issuer: str, subject: str) -> str:
    """What the logs carry instead of the provider's subject (which may be an email address)."""
    return hashlib.sha256(f"{issuer}|{subject}".encode()).hexdigest()[:16]


def verified_email(claims: dict) -> str | None:
    email = claims.get("email")
    verified = claims.get("email_verified")
    if isinstance(verified, str):
        verified = verified.lower() == "true"
    if not isinstance(email, str) or "@" not in email or verified is not True:
        return None
    return email.strip().lower()


def decide(claims: dict, issuer: str, admin_emails: frozenset[str], admin_group: str | None,
           find_facilitator: Callable[[str], dict | None]) -> StaffMember | Refusal:
    email = verified_email(claims)
    if email is None:
        return Refusal("email_not_verified")
    groups = claims.get("groups") or []
    is_admin = email in admin_emails or (admin_group is not None and isinstance(groups, list)
                                          and admin_group in groups)
    facilitator = find_facilitator(email)
    name = (facilitator or {}).get("name") or claims.get("name") or email
    if is_admin:
        sub = facilitator["id"] if facilitator else str(uuid.uuid5(ADMIN_NAMESPACE, f"{issuer}|{claims['sub']}"))
        return StaffMember("admin", sub, facilitator["id"] if facilitator else None, name)
    if facilitator:
        return StaffMember("facilitator", facilitator["id"], facilitator["id"], name)
    return Refusal("not_staff")
