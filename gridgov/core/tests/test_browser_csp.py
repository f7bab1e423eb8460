"""Under the Content-Security-Policy, in a real browser: the Leaflet maps draw, HTMX swaps, the language
switch and the filters work from the static behaviours script, and the browser reports no violation."""

from __future__ import annotations

import pytest

from gridgov.core.tests.test_browser_grid_worker import DESKTOP, grid_a_street, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""


def test_maps_htmx_and_behaviours_work_without_a_policy_violation(world, grid_a_street, live_server, browser):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, live_server.url, world.town_staff.username)
    violations = []

    page.goto(f"{live_server.url}/places/{world.grid_a.code}/")
    page.wait_for_selector("#placemap path.leaflet-interactive")
    assert page.locator("#placemap path.leaflet-interactive").count() >= 1  # the cluster's shape is drawn
    violations += page.evaluate("window.__violations")

    page.goto(f"{live_server.url}/households/{world.household_a.pk}/")
    page.wait_for_selector("#pointmap path.leaflet-interactive")
    assert page.locator("#pointmap path.leaflet-interactive").count() == 2  # the grid and the household's point
    violations += page.evaluate("window.__violations")

    page.goto(f"{live_server.url}/matters/?kind=dispute&category=1")
    page.select_option("select[name=kind]", "hazard")  # data-clears: the category filter is emptied
    assert page.input_value("[name=category]") == ""
    violations += page.evaluate("window.__violations")

    page.goto(f"{live_server.url}/notifications/")
    with page.expect_navigation():
        page.check("input[name=unread]")  # data-autosubmit
    assert "unread=1" in page.url
    violations += page.evaluate("window.__violations")

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # the language switch, data-autosubmit
    assert page.get_attribute("html", "lang") == "en"
    violations += page.evaluate("window.__violations")

    assert violations == []
    assert [m for m in console if "Content Security Policy" in m] == []
    context.close()
