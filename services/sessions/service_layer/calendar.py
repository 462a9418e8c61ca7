"""The participant's calendar feed: their upcoming, not cancelled sessions, with their own join links."""
from __future__ import annotations

import uuid
from datetime import datetime

from services.sessions.adapters.calendar import session_feed
from shared.join_links import LinkSigner
from services.sessions.service_layer.access import ensure_sees_participant, facilitator_scope
from services.sessions.service_layer.join import link_still_useful
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal

# Three months of four sessions a week, with room to spare; a feed is re-read every few hours.
FEED_LIMIT = 200


def calendar_feed(uow: SessionsUnitOfWork, principal: Principal | None, participant_id: uuid.UUID,
                  links: LinkSigner, now: datetime) -> bytes:
    """`principal` is None when a signed feed URL (checked by the caller) names this participant."""
    with uow:
        if principal is not None:
            ensure_sees_participant(uow, principal, participant_id)
        # A facilitator reading it sees their own groups' sessions only, as in the session list.
        scope = facilitator_scope(principal) if principal is not None else None
        sessions = uow.sessions.upcoming_for_participant(participant_id, now, FEED_LIMIT, scope)
        active_groups = uow.memberships.active_groups(participant_id, now)

    def join_url(session):
        if session.group_id in active_groups and link_still_useful(session, now):
            return links.join_url(session.id, participant_id)
        return None

    return session_feed(sessions, join_url, links.base_url, now)
