"""Acceptance (issue 12): in a real browser, an administrator's first sign-in needs the initial password (from
the system administrator) and an activation code (from the security administrator, issued on the grant
page), sets the owner's own password, then enrols an authenticator (QR code); the next sign-in asks for the code.

Drives Debian's chromium through Playwright against pytest-django's live server, at phone width.
The test reads the secret the page shows for manual entry and computes the codes with pyotp, as a
phone would. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest
from django.db import connections

from gridgov.accounts import actions
from gridgov.core.context import acting
from gridgov.testing import PASSWORD, second_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
INITIAL = "Given-by-admin-1"
CHOSEN = "Chosen-by-me-26"


@pytest.fixture
def new_auditor(world):
    """A second auditor, created by the system administrator and given its role by the security administrator."""
    with acting("test"):
        account = actions.create_account(
            world.system_admin, username="audit2", display_name="审计员乙", password=INITIAL
        )
        actions.grant(world.security_admin, account, role="auditor", place=None, may_reveal_pii=False)
    return account


def shot(page, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"
    page.screenshot(path=str(SHOTS / f"first-sign-in-{name}.png"))


def submit(page) -> None:
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def issue_code_as_security_administrator(world, account, base: str, browser) -> str:
    """The security administrator signs in (password, then its authenticator's code), opens the account's grant
    page and issues an activation code; returns the code the page shows once."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", world.security_admin.username)
    page.fill("input[name=password]", PASSWORD)
    submit(page)
    assert page.url == f"{base}/login/verify/"
    page.fill("input[name=code]", second_factor_code(world.security_admin))
    submit(page)
    page.goto(f"{base}/accounts/{account.pk}/grant/")
    assert "待激活" in page.content()
    shot(page, "0-grant-page")
    page.click("form[action$='/activation-code/'] button")
    page.wait_for_load_state()
    code = page.inner_text("#activation-code")
    shot(page, "0-activation-code")
    page.goto(f"{base}/accounts/{account.pk}/grant/")  # shown once: the grant page names the issuer, not the code
    assert "由 secadmin 发放激活码" in page.content() and code not in page.content()
    context.close()
    return code


def test_first_sign_in_needs_the_activation_code_sets_the_password_enrols_totp_and_the_next_asks_for_the_code(
    world, new_auditor, live_server, browser
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    code = issue_code_as_security_administrator(world, new_auditor, base, browser)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "audit2")
    page.fill("input[name=password]", INITIAL)
    submit(page)

    # 1. The password the system administrator gave opens only the activation step: the security
    #    administrator's code, and the owner's own new password.
    assert page.url == f"{base}/login/activate/"
    assert "激活账号" in page.content()
    page.goto(f"{base}/audit/")  # nothing else opens meanwhile
    assert page.url.startswith(f"{base}/login/")
    page.goto(f"{base}/login/password/")  # nor the plain password form
    assert page.url == f"{base}/login/activate/"
    page.fill("input[name=code]", code)
    page.fill("input[name=new_password1]", "Audit2-2026")  # holds the username: refused
    page.fill("input[name=new_password2]", "Audit2-2026")
    submit(page)
    assert "密码不能包含用户名" in page.content()
    shot(page, "1-activate")
    page.fill("input[name=code]", code)
    page.fill("input[name=new_password1]", CHOSEN)
    page.fill("input[name=new_password2]", CHOSEN)
    submit(page)

    # 2. An administrator must enrol an authenticator: QR code, and the secret for manual entry.
    assert page.url == f"{base}/login/verify/"
    assert page.locator("svg.qr").count() == 1
    secret = page.inner_text("#totp-secret").replace(" ", "")
    phone = pyotp.TOTP(secret)
    shot(page, "2-enrol")
    page.fill("input[name=code]", phone.now())
    submit(page)

    # 3. Recovery codes, shown once; then the auditor's page.
    assert page.url == f"{base}/login/recovery-codes/"
    codes = page.locator("ul.codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "3-recovery-codes")
    submit(page)
    assert page.url == f"{base}/audit/"
    page.goto(f"{base}/me/")  # the account's security page: second factor on, codes left, no tokens section
    assert "已启用" in page.content() and "剩余恢复码 10 个" in page.content() and "API 令牌" not in page.content()
    shot(page, "4-security-page")

    # 4. Signed out, the next sign-in takes the chosen password and then asks for the code.
    page.click("label.navbutton")  # the phone's menu
    page.click("form[action='/logout/'] button")
    page.wait_for_load_state()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "audit2")
    page.fill("input[name=password]", CHOSEN)
    submit(page)
    assert page.url == f"{base}/login/verify/"
    assert "手机验证器当前显示的6位动态码" in page.content()
    assert page.locator("svg.qr").count() == 0  # no new enrolment
    shot(page, "5-code")
    # The phone's next code (the enrolment used this 30-second step; a code is never accepted twice).
    page.fill("input[name=code]", phone.at(time.time() + 30))
    submit(page)
    assert page.url == f"{base}/audit/"
    context.close()
    connections.close_all()
