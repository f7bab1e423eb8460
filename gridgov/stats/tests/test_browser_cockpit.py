"""Acceptance (issue 9): the leaders' cockpit in Debian's chromium on the demo town 寨坝镇.

As `town`, /stats/ shows the tiles, at least five drawn charts and the grid map; clicking the resolved
disputes opens the matters list filtered the same way with the same total. As `county`, the child ranking
drills into the town's cockpit. As `grid1`, only its grid: the town's and another grid's cockpits answer 404.
Screenshots at desktop (1366 px) and phone (390 px) widths go to /tmp/shots/cockpit-*.png.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from gridgov.demo.accounts import DEMO_PASSWORD
from gridgov.testing import restore_migration_seeds, sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TOWN = "520330113"


@pytest.fixture
def demo_town(transactional_db):
    restore_migration_seeds()
    call_command("seed_demo", "--no-activity", stdout=StringIO())
    from gridgov.accounts.models import User
    from gridgov.matters.models import Matter

    codes = {u.username: u.place.code for u in User.objects.select_related("place").exclude(place=None)}
    codes["open_located"] = Matter.objects.filter(path__startswith=TOWN, is_open=True, point__isnull=False).count()
    return codes


def sign_in(browser, base: str, username: str, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, base, username, DEMO_PASSWORD)
    return context, page, errors


def drawn(page) -> None:
    page.wait_for_selector("[data-chart].drawn svg")
    page.wait_for_selector("#cockpit-map .leaflet-interactive")


def shoot(page, name: str) -> None:
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(500)  # the charts and the map follow the window's resize
        page.screenshot(path=str(SHOTS / f"cockpit-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def total_of(page) -> int:
    return int(page.locator("[data-total]").first.get_attribute("data-total"))


def test_cockpit_through_the_ui(demo_town, live_server, browser):
    SHOTS.mkdir(exist_ok=True)
    base = live_server.url

    # 1. The town director: tiles, charts, map of 寨坝镇.
    context, page, errors = sign_in(browser, base, "town")
    response = page.goto(f"{base}/stats/")
    assert response.status == 200
    drawn(page)
    assert page.locator("h1").inner_text().startswith("寨坝镇驾驶舱")
    assert page.locator(".ck-tile").count() == 7
    assert page.locator(".ck-tile[data-figure=received] .ck-value").inner_text() != "0"
    charts = page.locator("[data-chart].drawn svg").count()
    assert charts >= 5, charts
    assert page.locator("#cockpit-map path.ck-unit").count() == 114  # every grid of the town
    points = demo_town["open_located"]
    assert points > 0 and page.locator("#cockpit-map path.ck-point").count() == points
    page.check("input[name=map-layer][value=risk]")
    assert "红色" in page.locator("#cockpit-map-legend").inner_text()
    page.check("input[name=map-layer][value=open]")
    shoot(page, "town")

    # The resolved disputes of the kinds table open the matters list filtered the same way, same total.
    figure = page.locator("a[data-figure=resolved-dispute]")
    number = int(figure.inner_text().replace(",", ""))
    assert number > 0
    with page.expect_navigation():
        figure.click()
    assert re.search(r"/matters/\?place=520330113&since=[\d-]+&until=[\d-]+&state=done&kind=dispute$", page.url)
    assert total_of(page) == number
    assert page.locator("select[name=kind]").input_value() == "dispute"

    # A chart segment opens the records it counts: the red slice of the risk mix.
    page.goto(f"{base}/stats/")
    drawn(page)
    red = int(page.locator("[data-table=colors] tr:has(.risk-red) td.num a").first.inner_text().replace(",", ""))
    box = page.locator("[data-chart=colors]")
    box.scroll_into_view_if_needed()
    with page.expect_navigation():
        page.locator("[data-chart=colors] svg path[fill='#d92d20']").first.click(force=True)
    assert "color=red" in page.url
    assert total_of(page) == red
    assert errors == []
    context.close()

    # 2. The county: the child ranking drills into the town's cockpit.
    context, page, errors = sign_in(browser, base, "county")
    page.goto(f"{base}/stats/")
    drawn(page)
    assert page.locator("h1").inner_text().startswith("习水县驾驶舱")
    shoot(page, "county")
    with page.expect_navigation():
        page.locator(f"[data-table=ranking] a[data-drill='{TOWN}']").click()
    assert page.url.startswith(f"{base}/stats/{TOWN}/?since=")
    drawn(page)
    assert page.locator("h1").inner_text().startswith("寨坝镇驾驶舱")
    assert page.locator("nav.breadcrumbs").inner_text() == "驾驶舱 › 习水县 › 寨坝镇"
    assert errors == []
    context.close()

    # 3. A grid worker: only the grid; the town's and another grid's cockpits answer 404.
    context, page, errors = sign_in(browser, base, "grid1")
    page.goto(f"{base}/stats/")
    drawn(page)
    own = demo_town["grid1"]
    assert page.locator("#cockpit-map path.ck-unit").count() == 1
    assert page.locator("[data-table=ranking]").count() == 0
    shoot(page, "grid")
    assert page.goto(f"{base}/stats/{TOWN}/").status == 404
    assert page.goto(f"{base}/stats/{demo_town['grid2']}/").status == 404
    assert page.goto(f"{base}/stats/{own}/").status == 200
    assert errors == []
    context.close()
