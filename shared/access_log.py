"""gunicorn's access logger, with credentials taken out of the logged path.

A join link's path (`/join/<token>`) is itself the credential, so the token is replaced by `***`.
Query strings are never logged (see deploy/gunicorn.conf.py), so feed tokens do not appear either.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

_CREDENTIAL_PATHS = re.compile(r"^(/join/)[^/?]+")


def mask_path(path: str) -> str:
    return _CREDENTIAL_PATHS.sub(r"\1***", path)


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = mask_path(atoms.get("U", ""))
        return atoms
