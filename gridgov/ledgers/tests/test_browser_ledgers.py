"""Acceptance in a real browser (Debian's chromium): on a 390 px phone, town staff filter the visits ledger, export
it in the background with a progress page, download the workbook and read it back; screenshots go to /tmp/shots/."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connections

from gridgov.ledgers.tests.helpers import cells, visit
from gridgov.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def in_background(settings):
    """Exports run in their background thread, as in production (the live server's database is shared)."""
    settings.GRIDGOV_IMPORT_BACKGROUND = True


@pytest.fixture
def a_season_of_visits(world):
    """55 visits in grid A (every third one found something), 12 in grid B."""
    for n in range(55):
        visit(world.grid_worker_a, world.household_a, 1 + n, findings="屋后边坡有落石" if n % 3 == 0 else "")
    for n in range(12):
        visit(world.grid_worker_b, world.household_b, 1 + n, findings="路灯损坏")
    return 19  # grid A visits with findings: n = 0, 3, ..., 54


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def export_audits() -> list:
    from gridgov.audit.models import AuditLog

    try:
        return list(AuditLog.objects.filter(action="export").values_list("actor_name", "detail"))
    finally:
        connections.close_all()


def test_town_staff_filter_and_export_the_visits_ledger_on_a_phone(
    world, a_season_of_visits, in_background, live_server, browser, tmp_path
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = a_season_of_visits
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, world.town_staff.username)
    page.goto(f"{live_server.url}/ledgers/")
    assert page.locator(".tabs a").all_inner_texts() == [
        "走访信息台账",
        "矛盾纠纷台账",
        "安全隐患台账",
        "巡逻日志",
        "宣讲台账",
    ]  # fmt: skip  (no key-population tab without the grant)
    assert page.inner_text("#ledger-total").startswith("共 67 条记录")
    assert page.locator("table.ledger tbody tr").count() == 50  # paged: at most 50 rows on the page

    for place in (world.village_a, world.group_a):  # the place filter drills down a level at a time
        page.select_option("select[name=place]", place.code)
        page.click("form.filters button")
        page.wait_for_load_state()
    page.select_option("select[name=place]", world.grid_a.code)
    page.select_option("select[name=state]", "found")
    page.click("form.filters button")
    page.wait_for_load_state()
    assert page.inner_text("#ledger-total").startswith(f"共 {found} 条记录")
    assert page.locator("table.ledger tbody tr").count() == found
    assert page.inner_text("h2") == "桂园村第1网格走访信息台账"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the ledger page is {overflow}px wider than the phone"
    page.screenshot(path=str(SHOTS / "ledger-visits-phone.png"), full_page=False)

    page.click(".ledger-head button")
    page.wait_for_selector("#download", timeout=30_000)  # the progress panel polls until the file is ready
    assert f"共导出 {found} 条" in page.inner_text("#export-progress")
    assert [t.name for t in threading.enumerate() if t.name.startswith("ledger-export-")] == []  # the job ended
    page.screenshot(path=str(SHOTS / "ledger-export-phone.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("桂园村第1网格走访信息台账-") and saved.suffix == ".xlsx"
    sheet = cells(saved)
    assert len(sheet) == found + 2 and {r[11] for r in sheet[2:]} == {"屋后边坡有落石"}
    assert {r[6] for r in sheet[2:]} == {"138****8000"}
    context.close()
    assert export_audits() == [
        ("town", {"ledger": "visit", "rows": found, "masked": True, "format": "xlsx",
                    "filters": {"place": world.grid_a.code, "state": "found"}}),
    ]  # fmt: skip


def test_ledger_page_at_desktop_width(world, a_season_of_visits, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, world.town_staff.username)
    page.goto(f"{live_server.url}/ledgers/visit/?place={world.town.code}")
    assert page.locator("table.ledger thead th").count() == 14
    page.screenshot(path=str(SHOTS / "ledger-visits-desktop.png"), full_page=False)
