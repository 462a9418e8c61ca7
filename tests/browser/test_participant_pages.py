"""The participant's side in a real browser, on the real processes: the link from a real email in the
mail sink's folder opens their page; the pre-join page opens the room by itself; in-app messages are
read; quiet hours set on the page hold the next reminder back; tampered, expired and revoked links
and the fresh-link page. Every screen is screenshotted (also at a phone's width) and checked with
axe-core, and every page, feed and URL a participant sees goes through the privacy scan."""
from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import requests

from shared.page_links import PageLinkSigner
from tests.browser.conftest import ScreenCheck
from tests.e2e.clinic import PROPAGATION, Clinic, Person, text_of
from tests.e2e.privacy import Scan
from tests.e2e.stack import EVERYTHING, Stack
from tests.support.processes import free_port
from tests.support.tokens import TEST_SECRET, bearer
from tests.support.web_processes import start_provider, start_web
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
NY = ZoneInfo("America/New_York")


class _Room(BaseHTTPRequestHandler):
    """Stands in for the video provider: the room is a page that says so."""

    def do_GET(self):
        body = b"<!doctype html><html lang='en'><title>Video room</title><h1>Video room</h1></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class ParticipantPlatform:
    def __init__(self, stack: Stack, web_url: str, room_url: str, shots_dir):
        self.stack, self.web_url, self.room_url, self.shots_dir = stack, web_url, room_url, shots_dir
        self.clinic = Clinic(stack)
        self.admin = Person(str(uuid.uuid4()), "", bearer("admin", str(uuid.uuid4())), role="admin")
        self.surfaces: list[tuple[str, str, str]] = []  # (kind, where, text) for the privacy scan

    def seen(self, kind: str, where: str, text: str) -> None:
        self.surfaces.append((kind, where, text))


@pytest.fixture(scope="module")
def platform(databases, browser_amqp_url, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("participant-platform")
    room = ThreadingHTTPServer(("127.0.0.1", 0), _Room)
    threading.Thread(target=room.serve_forever, args=(0.05,), daemon=True).start()
    room_url = f"http://127.0.0.1:{room.server_address[1]}"
    web_port = free_port()
    web_url = f"http://localhost:{web_port}"
    stack = Stack(workdir, databases, browser_amqp_url)
    stack.extra_env = {"notifications": {"WEB_PUBLIC_URL": web_url},
                       "sessions": {"VIDEO_ROOM_TEMPLATE": room_url + "/room-{session_id}"}}
    extra = []
    try:
        stack.start(*EVERYTHING)
        provider, issuer = start_provider(workdir, name="oidc-participant")
        extra.append(provider)
        web, _ = start_web(workdir, issuer, stack.urls, name="web-participant", port=web_port,
                           RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE="30")
        extra.append(web)
        shots = tmp_path_factory.mktemp("participant-screenshots")
        yield ParticipantPlatform(stack, web_url, room_url, shots)
        print(f"participant pages: screenshots in {shots}: {sorted(p.name for p in shots.iterdir())}")
    finally:
        for process in extra:
            process.stop()
        stack.close()
        room.shutdown()


@pytest.fixture(scope="module")
def member(platform):
    """A participant (email and in-app) enrolled in a virtual group, with their welcome email."""
    clinic = platform.clinic
    lead = clinic.facilitator()
    person = clinic.participant(lead, channels=("email", "in_app"))
    group = clinic.group(lead)
    clinic.enroll(lead, group, person)
    return lead, group, person


@pytest.fixture
def screens(page, platform):
    return ScreenCheck(page, platform.shots_dir)


def page_link_in(message, web_url: str) -> str:
    [link] = re.findall(rf"{re.escape(web_url)}/p/[A-Za-z0-9_.-]+", text_of(message))
    return link


def record(platform, page, name: str) -> None:
    platform.seen("page", f"{name} ({page.url.split('/p/')[0]})", page.title() + "\n" + page.content())
    platform.seen("url", f"{name} url", page.url)


def test_the_link_in_a_real_email_opens_the_page_with_the_next_session_and_the_pre_join_page_opens_the_room(
        platform, member, page, browser, screens):
    lead, group, person = member
    clinic = platform.clinic
    [welcome] = clinic.mail.wait(person, "Welcome")
    link = page_link_in(welcome, platform.web_url)
    # The join window (15 minutes) and 100 seconds ahead: time for the checks below on a busy machine,
    # then the pre-join page counts down and opens the room by itself.
    starts = datetime.now(UTC) + timedelta(minutes=15, seconds=100)
    session = clinic.schedule(lead, group, starts)
    clinic.wait_until_member_known(lead, group, [person])

    page.goto(link)
    assert page.title() == "Your page"
    assert page.get_by_role("heading", name="Your page").is_visible()
    local = starts.astimezone(NY)
    shown = f"{local:%A, %B} {local.day} at " + f"{local:%I:%M %p}".lstrip("0")
    card = page.locator(f"[data-session-id='{session['id']}']")
    assert shown in card.inner_text()
    assert card.get_by_role("button", name="Join").is_disabled()  # not inside the join window yet
    assert page.locator(".p-message.is-new").count() >= 1  # the welcome, in-app, not read before
    webcal = page.get_by_role("link", name="Subscribe in your calendar").get_attribute("href")
    feed_url = page.get_by_label("Or copy this address into your calendar app").input_value()
    assert webcal == "webcal://" + feed_url.split("://", 1)[1] and feed_url.startswith("http://127.0.0.1:")
    feed = requests.get(feed_url, timeout=10)
    assert feed.status_code == 200 and "PRODID:-//Group Sessions//Calendar//EN" in feed.text
    platform.seen("feed", "calendar feed", feed.text)
    record(platform, page, "personal page")
    screens.check("personal-page")

    # In-app messages shown are marked read.
    inbox = clinic.inbox(person)
    assert inbox and all(item["read_at"] for item in inbox)
    page.reload()
    assert page.locator(".p-message.is-new").count() == 0

    card.get_by_role("link", name="Waiting page").click()
    assert page.get_by_role("heading", name="Not open yet").is_visible()
    assert page.get_by_text("A private place").is_visible() and page.get_by_text("Headphones").is_visible()
    assert re.search(r"The room opens in \d+:\d\d", page.locator("#countdown").inner_text())
    record(platform, page, "pre-join page")
    screens.check("pre-join-page")
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(page.url)
    ScreenCheck(phone, platform.shots_dir).check("pre-join-page-phone")
    phone.goto(link)
    ScreenCheck(phone, platform.shots_dir).check("personal-page-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    phone.context.close()

    page.wait_for_url(f"{platform.room_url}/room-{session['id']}", timeout=150_000)
    assert page.get_by_role("heading", name="Video room").is_visible()
    row = clinic.attendance(lead, session)[person.id]
    assert row["status"] == "present" and row["recorded_by"] == "join_link"


def test_quiet_hours_changed_on_the_page_hold_the_next_reminder(platform, member, page, screens):
    lead, group, person = member
    clinic = platform.clinic
    [welcome] = clinic.mail.wait(person, "Welcome")
    page.goto(page_link_in(welcome, platform.web_url))
    now = datetime.now(NY)
    page.get_by_label("From").fill(f"{(now - timedelta(hours=1)):%H:%M}")
    page.get_by_label("Until").fill(f"{(now + timedelta(hours=2)):%H:%M}")
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_text("Your settings are saved.").is_visible()
    profile = requests.get(f"{clinic.roster}/v1/participants/{person.id}", headers=person.headers, timeout=10).json()
    assert profile["quiet_hours"]["start"] == f"{(now - timedelta(hours=1)):%H:%M}"
    screens.check("settings-saved")

    session = clinic.schedule(lead, group, datetime.now(UTC) + timedelta(seconds=25))

    def reminders():
        rows = clinic.notification_log(recipient_id=person.id, session_id=session["id"])
        return [r for r in rows if r["type"].startswith("reminder")]
    # The reminders fall due 6 and 3 seconds before the start: in-app ones arrive, emails wait.
    wait_for(lambda: any(r["channel"] == "in_app" and r["status"] == "sent" for r in reminders()),
             timeout=PROPAGATION, interval=0.2, message="the in-app reminder")
    emails = [r for r in reminders() if r["channel"] == "email"]
    assert emails and all(r["status"] == "pending" for r in emails), emails
    assert not clinic.mail.to(person, "Reminder")


def test_a_half_filled_quiet_hours_form_says_so_beside_the_field_and_keeps_what_was_typed(
        platform, member, page, screens):
    lead, group, person = member
    [welcome] = platform.clinic.mail.wait(person, "Welcome")
    page.goto(page_link_in(welcome, platform.web_url))
    page.get_by_label("From").fill("21:30")
    page.get_by_label("Until").fill("")
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_text("Give both a start and an end, or leave both empty.").is_visible()
    assert page.get_by_label("From").input_value() == "21:30"
    record(platform, page, "settings with an error")
    screens.check("settings-error")


def test_tampered_expired_and_revoked_links_get_clear_pages_and_a_fresh_link_arrives_by_email(
        platform, member, page, screens):
    lead, group, person = member
    clinic = platform.clinic
    [welcome] = clinic.mail.wait(person, "Welcome")
    link = page_link_in(welcome, platform.web_url)

    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert page.goto(tampered).status == 404
    assert page.get_by_role("heading", name="Link not recognised").is_visible()
    record(platform, page, "tampered link page")
    screens.check("link-tampered")

    signer = PageLinkSigner(TEST_SECRET, platform.web_url)
    with mock.patch("time.time", return_value=time.time() - 31 * 86400):
        expired = signer.url(person.id, 1)
    assert page.goto(expired).status == 410
    assert page.get_by_role("heading", name="This link has expired").is_visible()
    screens.check("link-expired")

    revoked = requests.post(f"{clinic.roster}/v1/participants/{person.id}/page-link/revoke",
                            headers=lead.headers, timeout=10)
    assert revoked.status_code == 200
    assert page.goto(link).status == 403
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    record(platform, page, "revoked link page")
    screens.check("link-revoked")

    page.get_by_role("link", name="Get a new link by email").click()
    assert page.title() == "Get a new link"
    screens.check("link-request")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_role("button", name="Email me a link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    answer_known = page.locator("main").inner_text()
    record(platform, page, "link sent page")
    screens.check("link-sent")
    page.goto(f"{platform.web_url}/link")
    page.get_by_label("Email address").fill("nobody-at-all@mail.example")
    page.get_by_role("button", name="Email me a link").click()
    assert page.locator("main").inner_text() == answer_known  # the same answer for an unknown address

    [fresh] = clinic.mail.wait(person, "Your personal link")
    new_link = page_link_in(fresh, platform.web_url)
    assert signer.read(new_link.rsplit("/", 1)[1]).generation == 2
    assert page.goto(new_link).status == 200
    assert page.get_by_role("heading", name="Your page").is_visible()


def test_nothing_a_participant_sees_names_the_program_a_group_or_anyone(platform, member):
    """Runs last in this module: the pages, feed and URLs recorded above, and every message sent."""
    lead, group, person = member
    assert len(platform.surfaces) >= 8, "the stories above recorded what participants saw"
    scan = Scan(platform.stack.people.everyone, discreet_also=(group["name"],))
    for kind, where, text in platform.surfaces:
        # The page of one participant shows none of their own data either: it needs none of it.
        scan.surface(kind, where, text)
    for path in platform.stack.mail.files():
        scan.email(path)
    scan.in_app(person.id, platform.clinic.inbox(person))
    scan.assert_saw({"participant pages": 5, "participant feeds": 1, "participant urls": 5, "emails": 2,
                     "in-app notifications": 1})
    scan.assert_clean()
