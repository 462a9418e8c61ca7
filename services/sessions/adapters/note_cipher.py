"""Encryption at rest of session notes and addenda: AES-256-GCM under keys from NOTES_KEY.

NOTES_KEY is a comma-separated list of `<key id>:<32 bytes, base64>`; the first key encrypts, every
key decrypts, and each row stores the id of the key it was encrypted under, so a key is rotated by
putting a new one first and running `python -m services.sessions.entrypoints.rotate_notes_key`.
A new key: `python -c "import os,base64; print('k2:' + base64.b64encode(os.urandom(32)).decode())"`.

Each ciphertext is bound to its row (the row's kind and id are the associated data), so a
ciphertext copied onto another note fails authentication like a tampered one. Nothing here ever
puts key material or plaintext in a message.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import ConfigError, Settings

# Development and tests only: named so that nobody mistakes it for a real key; production refuses it.
DEVELOPMENT_KEY_ID = "development-only"
DEVELOPMENT_NOTES_KEY = f"{DEVELOPMENT_KEY_ID}:" + base64.b64encode(b"development-only-notes-key-32byt").decode()
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_NONCE_BYTES = 12


class Undecryptable(Exception):
    """A stored ciphertext failed authentication (tampered, or copied from another row) or names a
    key that is not configured; carries the row's id, never its content."""

    def __init__(self, row_id: uuid.UUID, reason: str) -> None:
        super().__init__(f"row {row_id}: {reason}")
        self.row_id = row_id
        self.reason = reason


@dataclass(frozen=True)
class Sealed:
    key_id: str
    ciphertext: bytes  # nonce + AES-GCM ciphertext and tag


class NoteCipher:
    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ConfigError("NOTES_KEY holds no key")
        self.current_key_id = keys[0][0]
        self._keys = {key_id: AESGCM(key) for key_id, key in keys}

    @classmethod
    def from_settings(cls, settings: Settings) -> NoteCipher:
        raw = settings.get("NOTES_KEY", "")
        if not raw:
            if settings.production:
                raise ConfigError("production needs NOTES_KEY: session notes are encrypted at rest with it "
                                  "(a list of <key id>:<32 random bytes in base64>, newest first)")
            raw = DEVELOPMENT_NOTES_KEY
        cipher = cls(parse_keys(raw))
        if settings.production and DEVELOPMENT_KEY_ID in cipher._keys:
            raise ConfigError("production refuses the development notes key in NOTES_KEY")
        return cipher

    def seal(self, purpose: str, row_id: uuid.UUID, value) -> Sealed:
        """Encrypt a JSON-able value for one row (`purpose` is 'note' or 'addendum')."""
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(value, ensure_ascii=False).encode()
        ciphertext = self._keys[self.current_key_id].encrypt(nonce, plaintext, _bound(purpose, row_id))
        return Sealed(self.current_key_id, nonce + ciphertext)

    def open(self, purpose: str, row_id: uuid.UUID, sealed: Sealed):
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise Undecryptable(row_id, f"encrypted under key {sealed.key_id!r}, which NOTES_KEY no longer holds")
        blob = bytes(sealed.ciphertext)
        try:
            plaintext = key.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _bound(purpose, row_id))
        except (InvalidTag, ValueError):
            raise Undecryptable(row_id, "the stored ciphertext failed authentication") from None
        return json.loads(plaintext)

    def is_current(self, key_id: str) -> bool:
        return key_id == self.current_key_id


def parse_keys(raw: str) -> list[tuple[str, bytes]]:
    """`id:base64,id:base64` -> [(id, 32 bytes)], first first; a clear ConfigError naming the entry
    by position (never by its value) for anything else."""
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(raw.split(","), start=1):
        key_id, colon, encoded = entry.strip().partition(":")
        where = f"NOTES_KEY entry {position}"
        if not colon or not _KEY_ID.match(key_id):
            raise ConfigError(f"{where} must be <key id>:<base64 key>, the id 1-32 letters, digits, '.', '_' or '-'")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where} (key id {key_id!r}): the key is not valid base64") from None
        if len(key) != 32:
            raise ConfigError(f"{where} (key id {key_id!r}): the key must be 32 bytes (AES-256), not {len(key)}")
        if any(existing == key_id for existing, _ in keys):
            raise ConfigError(f"{where}: key id {key_id!r} appears twice")
        keys.append((key_id, key))
    return keys


def _bound(purpose: str, row_id: uuid.UUID) -> bytes:
    return f"iop.sessions.{purpose}:{row_id}".encode()
