"""A group's note settings: whether co-facilitators' notes need the lead's co-signature, and the
template new notes start from (per kind of note, a prompt for each section).

The prompts are guidance written by the program ("Progress toward goals:"), not clinical content
about anyone, so they are stored as they are; the notes started from them are encrypted.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from .errors import ValidationFailed
from .notes import KINDS, SECTIONS

MAX_PROMPT = 500


class NoteSettings:
    def __init__(self, group_id: uuid.UUID, requires_cosignature: bool, template: dict[str, dict[str, str]],
                 updated_at: datetime, updated_by: str) -> None:
        self.group_id = group_id
        self.requires_cosignature = requires_cosignature
        self.template = template  # kind -> section -> prompt
        self.updated_at = updated_at
        self.updated_by = updated_by

    @classmethod
    def default(cls, group_id: uuid.UUID, now: datetime) -> NoteSettings:
        return cls(group_id, False, {}, now, "")

    def change(self, requires_cosignature: bool | None, template: Mapping | None, by: str, now: datetime) -> None:
        if requires_cosignature is not None:
            self.requires_cosignature = requires_cosignature
        if template is not None:
            self.template = valid_template(template)
        self.updated_at, self.updated_by = now, by

    def starter(self, kind: str) -> dict[str, str]:
        """The sections a new note of this kind starts with: each prompt on a line of its own."""
        return {field: f"{prompt}\n" for field, prompt in self.template.get(kind, {}).items() if prompt}


def valid_template(template: Mapping) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for kind, prompts in template.items():
        if kind not in KINDS:
            raise ValidationFailed(f"template.{kind}", f"must be one of {', '.join(KINDS)}")
        result[kind] = {}
        for field, prompt in prompts.items():
            if field not in SECTIONS[kind]:
                raise ValidationFailed(f"template.{kind}.{field}",
                                       f"is not a section of a {kind} note ({', '.join(SECTIONS[kind])})")
            if len(prompt) > MAX_PROMPT:
                raise ValidationFailed(f"template.{kind}.{field}", f"at most {MAX_PROMPT} characters")
            result[kind][field] = prompt
    return result
