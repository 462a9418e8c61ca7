"""Signed personal URLs: a join token names one session and one participant and cannot be altered;
a feed token opens one participant's feed only; the two kinds cannot stand in for each other."""
import uuid

from shared.join_links import LinkSigner

SIGNER = LinkSigner("a-long-enough-test-secret-0123456789", "https://sessions.example.org/")


def test_a_join_token_round_trips_and_is_short_enough_for_a_text_message():
    session_id, participant_id = uuid.uuid4(), uuid.uuid4()
    url = SIGNER.join_url(session_id, participant_id)
    token = url.rsplit("/", 1)[1]
    assert url.startswith("https://sessions.example.org/join/") and len(token) < 80
    assert SIGNER.read_join_token(token) == (session_id, participant_id)
    assert SIGNER.join_token(session_id, participant_id) == token  # the same link every time


def test_altered_forged_or_garbled_tokens_are_refused():
    token = SIGNER.join_token(uuid.uuid4(), uuid.uuid4())
    value, signature = token.rsplit(".", 1)
    other = LinkSigner("another-secret-of-some-length-987654", "https://x").join_token(uuid.uuid4(), uuid.uuid4())
    for bad in (value[:-1] + ("A" if value[-1] != "A" else "B") + "." + signature, value, "", "..", "é.é",
                other, SIGNER.feed_token(uuid.uuid4())):
        assert SIGNER.read_join_token(bad) is None, bad


def test_a_feed_token_names_one_participant():
    participant_id = uuid.uuid4()
    token = SIGNER.feed_token(participant_id)
    assert SIGNER.feed_token_names(token, participant_id)
    assert not SIGNER.feed_token_names(token, uuid.uuid4())
    assert not SIGNER.feed_token_names(SIGNER.join_token(participant_id, participant_id), participant_id)
    assert SIGNER.feed_url(participant_id).endswith(f"/v1/participants/{participant_id}/calendar.ics?token={token}")
