"""Re-encrypting session notes under the newest NOTES_KEY key, in short transactions of a batch each."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork

BATCH = 500


@dataclass
class Rotation:
    resealed: int = 0
    failed: list[uuid.UUID] = field(default_factory=list)  # rows that failed authentication, left as they are
    by_key: dict[str, int] = field(default_factory=dict)  # rows under each key id afterwards


def reseal_all(uow_factory, batch: int = BATCH) -> Rotation:
    """Every note and addendum not under the current key, re-encrypted under it; old keys can then
    be removed from NOTES_KEY once `by_key` shows nothing left under them."""
    rotation = Rotation()
    while True:
        uow: SessionsUnitOfWork = uow_factory()
        with uow:
            done, failed = uow.notes.reseal_batch(batch, skip=rotation.failed)
            uow.commit()
        rotation.resealed += done
        rotation.failed += failed
        if done == 0:
            break
    with uow_factory() as uow:
        rotation.by_key = uow.notes.count_by_key()
    return rotation
