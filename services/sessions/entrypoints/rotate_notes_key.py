"""Re-encrypt every session note under the newest key: `python -m services.sessions.entrypoints.rotate_notes_key`.

Rotation: put the new key first in NOTES_KEY (keep the old ones after it), restart the sessions
processes (they now encrypt with the new key and still read the old), run this command, then drop an
old key once the summary shows no row under it. Prints a JSON summary of ids and counts (never any
text); exits 1 when a row failed authentication (tampered): that row is left as it was.
"""
from __future__ import annotations

import json
import sys

from services.sessions.bootstrap import build_context, unit_of_work
from services.sessions.service_layer.note_keys import reseal_all
from shared.config import ConfigError
from shared.logging import configure_logging


def main() -> int:
    try:
        context = build_context()
    except ConfigError as refused:
        print(f"rotate_notes_key: {refused}", file=sys.stderr)
        return 2
    configure_logging("sessions", context.settings.log_level)
    rotation = reseal_all(lambda: unit_of_work(context))
    print(json.dumps({"current_key_id": context.extras["notes_cipher"].current_key_id,
                      "resealed": rotation.resealed, "rows_by_key_id": rotation.by_key,
                      "failed_row_ids": [str(row_id) for row_id in rotation.failed]}))
    return 1 if rotation.failed else 0


if __name__ == "__main__":
    sys.exit(main())
