"""Browser tests: Playwright driving Debian's chromium against the real processes (the three APIs
under gunicorn, relays, consumers, scheduler, the web console and the development OpenID provider).

Every screen a test visits is screenshotted under the run's temporary folder and checked with
axe-core (no serious or critical violation).
"""
from __future__ import annotations

import shutil
import uuid

import pytest
import requests

from tests.e2e.clinic import Person
from tests.e2e.stack import EVERYTHING, Stack, isolated_vhost
from tests.support.databases import AMQP_URL
from tests.support.tokens import bearer
from tests.support.web_processes import ADMIN_EMAIL, start_provider, start_web

pytestmark = pytest.mark.e2e
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


class WebPlatform:
    """The running platform, the console's URL, and an admin's API access for setting up a story."""

    def __init__(self, stack: Stack, web_url: str, issuer: str, shots_dir):
        self.stack = stack
        self.web_url = web_url
        self.issuer = issuer
        self.shots_dir = shots_dir
        self.admin = bearer("admin", str(uuid.uuid4()))

    def api(self, method: str, service: str, path: str, body=None, **params):
        response = requests.request(method, self.stack.urls[service] + path, json=body, params=params,
                                    headers=self.admin, timeout=30)
        assert response.status_code < 400, (response.status_code, response.text)
        return response.json() if response.content else None

    def facilitator(self) -> dict:
        name, email, _ = self.stack.people.invent("facilitator")
        lead = self.api("POST", "roster", "/v1/facilitators", {"name": name, "email": email})
        self.stack.people.add(Person(lead["id"], email, {}, name, role="facilitator"))
        return lead


@pytest.fixture(scope="session")
def browser_amqp_url(services_up):
    with isolated_vhost(AMQP_URL) as url:
        yield url


@pytest.fixture(scope="session")
def web_platform(databases, browser_amqp_url, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("web-platform")
    stack = Stack(workdir, databases, browser_amqp_url)
    extra = []
    try:
        stack.start(*EVERYTHING)
        provider, issuer = start_provider(workdir)
        extra.append(provider)
        web, web_url = start_web(workdir, issuer, stack.urls)
        extra.append(web)
        yield WebPlatform(stack, web_url, issuer, tmp_path_factory.mktemp("screenshots"))
    finally:
        for process in extra:
            process.stop()
        stack.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    executable = shutil.which("chromium")
    if not executable:
        pytest.exit("browser tests need Debian's chromium (apt-get install -y chromium; make test does it)",
                    returncode=3)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)  # a busy machine: pages may take seconds
    yield page
    context.close()


def sign_in(page, platform: WebPlatform, email: str) -> None:
    """Through the real provider: the console's sign-in button, then the provider's form."""
    page.goto(f"{platform.web_url}/login")
    page.get_by_role("link", name="Sign in with the clinic's account").click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{platform.web_url}/**")


@pytest.fixture
def screens(page, web_platform):
    """screens.check(name): screenshot the current page and run axe-core on it."""
    return ScreenCheck(page, web_platform.shots_dir)


class ScreenCheck:
    def __init__(self, page, shots_dir):
        self.page = page
        self.shots_dir = shots_dir
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe
        self.page.screenshot(path=str(self.shots_dir / f"{name}.png"), full_page=True)
        results = Axe().run(self.page)
        serious = [violation for violation in results.response["violations"]
                   if violation.get("impact") in ("serious", "critical")]
        assert not serious, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in serious)
        self.checked.append(name)


__all__ = ["ADMIN_EMAIL", "sign_in"]
