"""Signing in through the real development provider in a real browser."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.support.web_processes import ADMIN_EMAIL

pytestmark = pytest.mark.e2e


def test_a_facilitator_signs_in_sees_the_dashboard_and_signs_out(page, web_platform, screens):
    lead = web_platform.facilitator()
    page.goto(web_platform.web_url)
    screens.check("sign-in")
    sign_in(page, web_platform, lead["email"])
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_text(lead["name"]).is_visible()
    screens.check("dashboard-empty")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**")
    # The provider's own page asks to confirm; the console's session is already over.
    page.goto(web_platform.web_url)
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_someone_who_is_not_staff_is_refused_with_a_clear_page(page, web_platform, screens):
    sign_in(page, web_platform, "stranger@elsewhere.example")
    assert page.get_by_role("heading", name="This account cannot use the console").is_visible()
    screens.check("sign-in-refused")
    page.goto(web_platform.web_url)
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_an_admin_from_admin_emails_sees_the_admin_pages(page, web_platform):
    sign_in(page, web_platform, ADMIN_EMAIL)
    assert page.get_by_role("link", name="Admin").is_visible()
