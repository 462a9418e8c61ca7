"""Abuse limits: join links opened and failed authentications per client address (429 with
Retry-After), request size (413), and the security headers of the pages a participant sees."""
from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest

from shared.config import ConfigError, Settings
from shared.rate_limit import AbuseLimits, RateLimiter
from shared.web.app import MAX_BODY_BYTES
from tests.integration.roster.roster_client import ADMIN, RosterClient
from tests.integration.sessions.sessions_client import SessionsClient, as_participant, midnight, monday, now
from tests.support.tokens import bearer

ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}
PAGE_HEADERS = {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                "Cache-Control"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def frozen(limiter: RateLimiter) -> Clock:
    limiter.clock = clock = Clock()
    return clock


# --- the limiter itself --------------------------------------------------------------------------------

def test_a_burst_of_the_limit_passes_then_one_more_every_share_of_the_minute():
    limiter = RateLimiter(30)
    clock = frozen(limiter)
    assert [limiter.acquire("a") for _ in range(30)] == [0] * 30
    assert limiter.acquire("a") == 2  # 30 a minute: one more every 2 s
    assert limiter.acquire("b") == 0  # per address
    clock.now += 2
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 2
    clock.now += 60
    assert [limiter.acquire("a") for _ in range(30)] == [0] * 30


def test_a_refused_request_is_not_counted_so_waiting_always_helps():
    limiter = RateLimiter(3)
    clock = frozen(limiter)
    for _ in range(3):
        limiter.acquire("a")
    for _ in range(100):
        assert limiter.acquire("a") == 20
    clock.now += 20
    assert limiter.wait_seconds("a") == 0 and limiter.acquire("a") == 0


def test_zero_turns_a_limit_off_and_idle_addresses_are_forgotten():
    off = RateLimiter(0)
    assert not off.enabled and all(off.acquire("a") == 0 for _ in range(1000))
    limiter = RateLimiter(10)
    clock = frozen(limiter)
    for n in range(500):
        limiter.acquire(f"10.0.{n // 256}.{n % 256}")
    clock.now += 61
    limiter.acquire("10.9.9.9")
    assert len(limiter._buckets) == 1  # memory is bounded by the addresses of about the last minute


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("RATE_LIMIT_JOIN_PER_MINUTE", raising=False)
    monkeypatch.delenv("RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", raising=False)
    defaults = AbuseLimits.from_settings(Settings.from_env("sessions"))
    assert (defaults.join.per_minute, defaults.auth_failures.per_minute) == (30, 20)
    monkeypatch.setenv("RATE_LIMIT_JOIN_PER_MINUTE", "7")
    monkeypatch.setenv("RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", "0")
    limits = AbuseLimits.from_settings(Settings.from_env("sessions"))
    assert (limits.join.per_minute, limits.auth_failures.enabled) == (7, False)
    for bad in ("-1", "lots", "2.5"):
        monkeypatch.setenv("RATE_LIMIT_JOIN_PER_MINUTE", bad)
        with pytest.raises(ConfigError, match="RATE_LIMIT_JOIN_PER_MINUTE"):
            AbuseLimits.from_settings(Settings.from_env("sessions"))


# --- failed authentication -----------------------------------------------------------------------------

@pytest.fixture
def roster(settings_for) -> RosterClient:
    return RosterClient(settings_for("roster", extra={"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "3"}))


def test_an_address_that_keeps_failing_authentication_is_paused_with_429(roster):
    clock = frozen(roster.app.extensions["iop_abuse_limits"].auth_failures)
    guesses = [bearer("admin", str(uuid.uuid4()), secret="guessed-secret-" + "z" * 32), {},
               {"Authorization": "Bearer not-a-jwt"}]
    assert [roster.http.get("/v1/groups", headers=h).status_code for h in guesses] == [401, 401, 401]

    paused = roster.http.get("/v1/groups", headers=ADMIN)  # even a good token: a guesser learns nothing
    assert paused.status_code == 429 and paused.is_json
    assert paused.json["code"] == 429 and "too many failed authentications" in paused.json["message"]
    assert int(paused.headers["Retry-After"]) == 20  # 3 a minute: one more try every 20 s
    assert roster.http.post("/v1/participants", json={}, headers=guesses[0]).status_code == 429
    # Another address is not affected, nor are the public endpoints of this one.
    assert roster.http.get("/v1/groups", headers=ADMIN, environ_base=ELSEWHERE).status_code == 200
    assert roster.http.get("/healthz").status_code == 200

    clock.now += 20
    assert roster.http.get("/v1/groups", headers=ADMIN).status_code == 200


def test_successful_and_forbidden_requests_are_not_failures(roster):
    participant = bearer("participant", str(uuid.uuid4()))
    for _ in range(20):
        assert roster.http.get("/v1/groups", headers=ADMIN).status_code == 200
        assert roster.http.get("/v1/facilitators", headers=participant).status_code == 403
    assert roster.http.get("/v1/groups", headers=ADMIN).status_code == 200


def test_a_failed_bearer_on_the_calendar_feed_counts_too(settings_for):
    sessions = SessionsClient(settings_for("sessions", extra={"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "2"}))
    feed = f"/v1/participants/{uuid.uuid4()}/calendar.ics"
    expired = bearer("admin", str(uuid.uuid4()), ttl=-timedelta(seconds=1))
    assert [sessions.http.get(feed, headers=expired).status_code for _ in range(2)] == [401, 401]
    assert sessions.http.get("/v1/sessions", headers=ADMIN).status_code == 429


def test_with_the_limit_off_failures_are_never_paused(settings_for):
    roster = RosterClient(settings_for("roster", extra={"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "0"}))
    assert {roster.http.get("/v1/groups").status_code for _ in range(50)} == {401}
    assert roster.http.get("/v1/groups", headers=ADMIN).status_code == 200


# --- join links ----------------------------------------------------------------------------------------

class JoinClinic:
    """A virtual group with a participant and three sessions: open now, not open yet, over."""

    def __init__(self, settings):
        self.client = c = SessionsClient(settings)
        group = c.group([str(uuid.uuid4())], modality="virtual")["group_id"]
        self.pid = c.enroll(group, midnight(monday(5)))["participant_id"]
        self.links = {}
        for name, offset in (("open", -timedelta(minutes=5)), ("early", timedelta(hours=2)),
                             ("over", -timedelta(hours=4))):
            session = c.schedule(group, now() + offset)["id"]
            self.links[name] = urlparse(c.join_link(session, self.pid)).path
            if name == "open":
                self.open_session = session

    def attended(self) -> str:
        return self.client.sheet(self.open_session)[self.pid]["status"]


@pytest.fixture
def join_clinic(settings_for) -> JoinClinic:
    return JoinClinic(settings_for("sessions", extra={"RATE_LIMIT_JOIN_PER_MINUTE": "5"}))


def test_join_links_opened_too_often_from_one_address_get_a_429_page(join_clinic):
    http = join_clinic.client.http
    clock = frozen(join_clinic.client.app.extensions["iop_abuse_limits"].join)
    guesses = [http.get(f"/join/guess-{n}").status_code for n in range(5)]
    assert guesses == [404] * 5

    refused = http.get(join_clinic.links["open"])  # the genuine link too, and it records nothing
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert int(refused.headers["Retry-After"]) == 12  # 5 a minute: one more every 12 s
    text = refused.get_data(as_text=True)
    assert "Too many attempts" in text and "Traceback" not in text and "<script" not in text
    assert join_clinic.attended() == "not_recorded"
    assert http.head(join_clinic.links["open"]).status_code == 429

    assert http.get(join_clinic.links["open"], environ_base=ELSEWHERE).status_code == 302  # another address
    assert join_clinic.attended() == "present"
    clock.now += 12
    assert http.get(join_clinic.links["open"]).status_code == 302


def test_the_join_limit_can_be_turned_off(settings_for):
    clinic = JoinClinic(settings_for("sessions", extra={"RATE_LIMIT_JOIN_PER_MINUTE": "0"}))
    assert {clinic.client.http.get(f"/join/guess-{n}").status_code for n in range(60)} == {404}


# --- security headers and request size -----------------------------------------------------------------

def test_every_join_page_carries_the_security_headers(join_clinic):
    http = join_clinic.client.http
    responses = {"redirect": http.get(join_clinic.links["open"]), "too early": http.get(join_clinic.links["early"]),
                 "over": http.get(join_clinic.links["over"]), "unknown": http.get("/join/forged.link"),
                 "previewer": http.head(join_clinic.links["open"])}
    responses["too many"] = http.get("/join/one-too-many")
    assert {name: r.status_code for name, r in responses.items()} == {
        "redirect": 302, "too early": 403, "over": 410, "unknown": 404, "previewer": 302, "too many": 429}
    for name, r in responses.items():
        assert PAGE_HEADERS <= set(r.headers.keys()), name
        csp = dict(part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'", name
        # Only the pre-join page runs a script, its own, from this origin.
        assert csp.get("script-src") == ("'self'" if name == "too early" else None), name
        assert r.headers["X-Frame-Options"] == "DENY", name
        assert r.headers["X-Content-Type-Options"] == "nosniff", name
        assert r.headers["Referrer-Policy"] == "no-referrer", name  # the video room never sees the link
        assert r.headers["Cache-Control"] == "no-store", name


def test_api_answers_and_the_calendar_feed_are_not_cached_or_sniffed(join_clinic):
    http = join_clinic.client.http
    feed = http.get(f"/v1/participants/{join_clinic.pid}/calendar.ics", headers=as_participant(join_clinic.pid))
    for r in (feed, http.get("/v1/sessions", headers=ADMIN), http.get("/v1/sessions")):
        assert (r.headers["Cache-Control"], r.headers["X-Content-Type-Options"],
                r.headers["Referrer-Policy"]) == ("no-store", "nosniff", "no-referrer")


@pytest.mark.parametrize("service", ["roster", "sessions"])
def test_a_body_over_the_limit_is_refused_with_a_json_413(settings_for, service, roster):
    client = roster if service == "roster" else SessionsClient(settings_for("sessions"))
    path = "/v1/participants" if service == "roster" else f"/v1/groups/{uuid.uuid4()}/sessions"
    oversized = {"preferred_name": "x" * MAX_BODY_BYTES, "starts_at": "2030-01-07T18:00:00Z"}
    r = client.http.post(path, json=oversized, headers=ADMIN)
    assert r.status_code == 413 and r.is_json and r.json["code"] == 413
    # Just under the limit the body is read and judged on its merits.
    fits = {"preferred_name": "x" * (MAX_BODY_BYTES - 1000)}
    assert client.http.post(path, json=fits, headers=ADMIN).status_code == 422


def test_text_postgresql_cannot_store_is_refused_naming_the_field(roster):
    lead = roster.facilitator()["id"]
    before = roster.outbox_types()
    body = {"name": "Evening", "kind": "process", "modality": "virtual", "facilitator_ids": [lead],
            "schedule": {"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180,
                         "timezone": "America/New_York\x00"}, "starts_on": "2030-01-07"}
    r = roster.http.post("/v1/groups", json=body, headers=ADMIN)
    assert r.status_code == 422 and r.json["errors"] == {"json": {"schedule.timezone": [
        "May not contain a NUL character (U+0000)."]}}
    r = roster.http.post("/v1/facilitators", json={"name": "A\x00B", "email": "a@clinic.example"}, headers=ADMIN)
    assert r.status_code == 422 and "name" in r.json["errors"]["json"]
    r = roster.http.get("/v1/groups?kind=process%00", headers=ADMIN)
    assert r.status_code == 422 and "kind" in r.json["errors"]["query"]
    assert roster.outbox_types() == before


@pytest.mark.parametrize("depth", [33, 990, 20_000])
def test_a_body_nested_too_deeply_is_a_400_not_a_stack_overflow(roster, depth):
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        r = roster.http.post("/v1/participants", data=nested, content_type="application/json", headers=ADMIN)
        assert r.status_code == 400 and r.json["errors"] == {"json": {"_schema": ["Nested deeper than 32 levels."]}}
