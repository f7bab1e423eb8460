"""The auditor's page in a real browser: it fits a 390 px phone and a desktop, every column visible, and shows the
chain's state; screenshots go to /tmp/shots/ (Debian's chromium through Playwright, loopback only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.audit.actions import check_chain, record, seal_chain
from gridgov.audit.choices import AuditAction
from gridgov.audit.tests.conftest import SECRETS
from gridgov.core.tests.test_browser_grid_worker import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


@pytest.mark.parametrize("name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_audit_page_fits_the_screen_and_shows_the_chain(
    world,
    history,
    live_server,
    browser,
    name,
    viewport,
):
    for n in range(60):  # more than a page
        record(AuditAction.LOGIN_FAILED, None, detail={"username": f"guess{n}"}, actor_name=f"guess{n}")
    sealed = seal_chain()
    check_chain()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, world.auditor.username)
    page.goto(f"{live_server.url}/audit/")
    state = page.inner_text("#chain-state")
    assert f"已校验至第 {sealed} 行" in state and "完好" in state
    assert page.locator("table.audit tbody tr").count() == 50
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the audit page is {overflow}px wider than the {name} screen"
    cells = "[...document.querySelectorAll('table.audit td.changes')]"
    right = page.evaluate(f"Math.max(...{cells}.map(td => td.getBoundingClientRect().right))")
    assert right <= viewport["width"]  # the change column is not cut off
    text = page.inner_text("main")
    assert not [secret for secret in SECRETS.values() if secret in text]
    page.screenshot(path=str(SHOTS / f"audit-log-{name}.png"), full_page=True)
    page.goto(f"{live_server.url}/audit/?action=update")
    page.screenshot(path=str(SHOTS / f"audit-log-updates-{name}.png"), full_page=True)
    context.close()
