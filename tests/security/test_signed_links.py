"""Join links and calendar-feed URLs cannot be forged, or re-aimed at another person or session.

Two running virtual sessions, A and B, in two groups; participant P belongs to both groups, Q to
A's. Every link below is cut from real links the API handed out (re-signing needs the secret, which
an attacker does not have): ids swapped under a kept signature, signatures moved between links,
a feed token on another person's feed or used as a join token, every prefix of a link, every
character changed. Each must be refused with the right status and record nothing at all.
"""
from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from tests.integration.sessions.sessions_client import ADMIN, SessionsClient, as_participant, midnight, monday, now
from tests.security.matrix import DatabaseSnapshot

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def pack(*ids: str) -> str:
    """The id part of a link, as shared.join_links packs it (no secret involved)."""
    return base64.urlsafe_b64encode(b"".join(uuid.UUID(i).bytes for i in ids)).decode().rstrip("=")


class Clinic:
    def __init__(self, settings):
        self.client = c = SessionsClient(settings)
        self.http = c.http
        group_a = c.group([str(uuid.uuid4())], modality="virtual")["group_id"]
        group_b = c.group([str(uuid.uuid4())], modality="virtual")["group_id"]
        self.p = c.enroll(group_a, midnight(monday(5)))["participant_id"]
        c.enroll(group_b, midnight(monday(5)), participant_id=self.p)
        self.q = c.enroll(group_a, midnight(monday(5)))["participant_id"]
        start = now() - timedelta(minutes=5)  # both rooms are open: a genuine link would work
        self.a = c.schedule(group_a, start)["id"]
        self.b = c.schedule(group_b, start)["id"]
        self.snapshot = DatabaseSnapshot(c.context.engine)

    def join_token(self, session_id: str, participant_id: str) -> str:
        return urlparse(self.client.join_link(session_id, participant_id)).path.removeprefix("/join/")

    def feed_token(self, participant_id: str) -> str:
        url = self.http.get(f"/v1/participants/{participant_id}/sessions",
                            headers=as_participant(participant_id)).json["calendar_url"]
        return parse_qs(urlparse(url).query)["token"][0]

    def sheet(self, session_id: str) -> dict[str, str]:
        return {pid: row["status"] for pid, row in self.client.sheet(session_id).items()}


@pytest.fixture
def clinic(settings_for) -> Clinic:
    return Clinic(settings_for("sessions", extra={"RATE_LIMIT_JOIN_PER_MINUTE": "0"}))


def refused_and_nothing_recorded(clinic: Clinic, attempts: dict[str, str], status: int = 404) -> None:
    before = clinic.snapshot.take()
    for name, token in attempts.items():
        response = clinic.http.get(f"/join/{token}")
        assert response.status_code == status, (name, token)
        assert response.mimetype == "text/html" and "Location" not in response.headers, name
    assert clinic.snapshot.take() == before
    assert clinic.sheet(clinic.a) == {clinic.p: "not_recorded", clinic.q: "not_recorded"}
    assert clinic.sheet(clinic.b) == {clinic.p: "not_recorded"}
    assert clinic.client.events("sessions.attendance.recorded") == []


def test_a_link_cannot_be_re_aimed_at_another_session_or_person(clinic):
    p_a, p_b, q_a = (clinic.join_token(clinic.a, clinic.p), clinic.join_token(clinic.b, clinic.p),
                     clinic.join_token(clinic.a, clinic.q))
    signature = {name: token.rsplit(".", 1)[1] for name, token in {"p_a": p_a, "p_b": p_b, "q_a": q_a}.items()}
    refused_and_nothing_recorded(clinic, {
        "P's link for A, aimed at B": f"{pack(clinic.b, clinic.p)}.{signature['p_a']}",
        "P's link for A, aimed at Q": f"{pack(clinic.a, clinic.q)}.{signature['p_a']}",
        "Q's link for A, aimed at P": f"{pack(clinic.a, clinic.p)}.{signature['q_a']}",
        "P's link for B, aimed at A": f"{pack(clinic.a, clinic.p)}.{signature['p_b']}",
        "ids swapped": f"{pack(clinic.p, clinic.a)}.{signature['p_a']}",
        "B's ids with A's signature": f"{p_b.rsplit('.', 1)[0]}.{signature['p_a']}",
        "no signature": pack(clinic.a, clinic.p),
        "empty signature": f"{pack(clinic.a, clinic.p)}.",
        "P's feed token as a join link": clinic.feed_token(clinic.p),
    })
    # The genuine links still work, each for its own session and person only.
    assert clinic.http.get(f"/join/{p_a}").status_code == 302
    assert clinic.sheet(clinic.a) == {clinic.p: "present", clinic.q: "not_recorded"}
    assert clinic.sheet(clinic.b) == {clinic.p: "not_recorded"}


def test_truncated_or_garbled_links_are_404_and_record_nothing(clinic):
    token = clinic.join_token(clinic.a, clinic.p)
    value, signature = token.rsplit(".", 1)
    attempts = {f"first {n} characters": token[:n] for n in range(1, len(token))}
    # Every character changed once. The signature's last character is spared: it carries unused
    # base64 bits, so some substitutes decode to the very same signature (the same link, not a forgery).
    for i, char in enumerate(token[:-1]):
        if char != ".":
            attempts[f"character {i} changed"] = token[:i] + B64URL[(B64URL.index(char) + 17) % 64] + token[i + 1:]
    attempts.update({"doubled": token + token, "reversed": token[::-1], "signature twice": f"{value}.{signature}"
                     f".{signature}", "padding added": f"{value}==.{signature}", "not base64": "%%%.%%%",
                     "non-ASCII": "%F0%9F%99%82", "a long run": "A" * 4000})
    refused_and_nothing_recorded(clinic, attempts)


def test_a_feed_token_opens_only_its_own_persons_feed(clinic):
    p_token, q_token = clinic.feed_token(clinic.p), clinic.feed_token(clinic.q)
    p_feed, q_feed = (f"/v1/participants/{pid}/calendar.ics" for pid in (clinic.p, clinic.q))
    assert clinic.http.get(f"{p_feed}?token={p_token}").status_code == 200

    value, signature = q_token.rsplit(".", 1)
    for token in (p_token,  # P's token on Q's feed
                  f"{pack(clinic.q)}.{p_token.rsplit('.', 1)[1]}",  # P's signature with Q's id
                  clinic.join_token(clinic.a, clinic.q),  # a join link is not a feed token
                  q_token[:-1], value, f"{value}.", "forged.token", ""):
        response = clinic.http.get(f"{q_feed}?token={token}")
        assert response.status_code == 404, token
        assert b"BEGIN:VCALENDAR" not in response.data and clinic.a not in response.get_data(as_text=True)
    assert clinic.http.get(f"{q_feed}?token={q_token}").status_code == 200


def test_a_bearer_token_does_not_open_another_persons_feed_either(clinic):
    q_feed = f"/v1/participants/{clinic.q}/calendar.ics"
    assert clinic.http.get(q_feed, headers=as_participant(clinic.p)).status_code == 404
    assert clinic.http.get(q_feed, headers=ADMIN).status_code == 200
