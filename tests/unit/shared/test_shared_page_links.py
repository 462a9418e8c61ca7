"""Personal page links: who they name, their generation, 30 days, and nothing forged passes."""
import time
import uuid
from unittest import mock

import pytest

from shared.join_links import LinkSigner
from shared.page_links import PageLinkExpired, PageLinkInvalid, PageLinkSigner

SECRET = "s" * 32
PID = uuid.UUID("5a0c1f3e-0000-4000-8000-000000000001")


def test_a_link_names_one_participant_and_its_generation_and_stays_short():
    signer = PageLinkSigner(SECRET, "https://web.example.org/")
    url = signer.url(PID, 3)
    assert url.startswith("https://web.example.org/p/") and len(url) < 100
    link = signer.read(url.rsplit("/", 1)[1])
    assert (link.participant_id, link.generation) == (PID, 3)


def test_a_tampered_or_foreign_token_is_invalid():
    signer = PageLinkSigner(SECRET, "https://web.example.org")
    token = signer.token(PID, 1)
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "nonsense", ""):
        with pytest.raises(PageLinkInvalid):
            signer.read(bad)
    with pytest.raises(PageLinkInvalid):  # another secret
        PageLinkSigner("t" * 32, "https://web.example.org").read(token)
    feed = LinkSigner(SECRET, "https://sessions.example.org").feed_token(PID)
    with pytest.raises(PageLinkInvalid):  # a feed token is not a page link (salts differ)
        signer.read(feed)


def test_a_link_older_than_thirty_days_has_expired():
    signer = PageLinkSigner(SECRET, "https://web.example.org")
    with mock.patch("time.time", return_value=time.time() - 30 * 86400 - 60):
        old = signer.token(PID, 1)
    with mock.patch("time.time", return_value=time.time() - 29 * 86400):
        recent = signer.token(PID, 1)
    with pytest.raises(PageLinkExpired):
        signer.read(old)
    assert signer.read(recent).participant_id == PID
