"""Paging on a 390 px phone, in a real browser: the page links are thumb-sized and keep the filters, a section of
today's plan is one tap away, and a rejected register lists its errors without sideways scrolling.

Drives Debian's chromium through Playwright against pytest-django's live server, in the crowded world of the list
walker (more than 100 rows of each list). Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.core.tests.crowd import build_crowd
from gridgov.registers import actions as register_actions
from gridgov.registers.tests.workbooks import register_rows, workbook
from gridgov.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}


def phone_page(browser, live_server, username: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_load_state()
    return page


def texts(locator) -> list[str]:
    return [" ".join(t.split()) for t in locator.all_inner_texts()]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_town_clerk_pages_the_household_list_on_a_phone(browser, live_server):
    crowd = build_crowd()
    SHOTS.mkdir(exist_ok=True)
    page = phone_page(browser, live_server, crowd.world.town_staff.username)

    page.goto(f"{live_server.url}/households/?house_type=self_built")
    pager = page.locator("nav.pager")
    assert pager.locator(".pager-total").inner_text() == "共 362 条 · 第 1–50 条"
    assert page.locator("table.list tbody tr").count() == 50
    next_link = pager.get_by_role("link", name="下一页")
    box = next_link.bounding_box()
    assert box["height"] >= 44 and box["width"] >= PHONE["width"] / 2  # under the thumb, across the screen
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "paging-phone-households.png"), full_page=True)

    with page.expect_navigation():
        next_link.tap()
    assert page.url.endswith("/households/?house_type=self_built&page=2")  # the filter is kept
    assert page.locator(".pager-total").inner_text() == "共 362 条 · 第 51–100 条"
    assert page.get_by_role("link", name="上一页").is_visible()


def test_today_plan_on_a_phone_one_section_at_a_time(browser, live_server):
    crowd = build_crowd()
    page = phone_page(browser, live_server, crowd.world.grid_worker_a.username)

    page.goto(f"{live_server.url}/visits/today/")
    tabs = page.locator("nav.tabs").first
    assert texts(tabs.locator("a")) == ["关爱对象待探访 120", "待走访户 240"]
    assert texts(tabs.locator("a[aria-current]")) == ["关爱对象待探访 120"]
    assert page.locator("table.list tbody tr").count() == 50
    assert tabs.locator("a").first.bounding_box()["height"] >= 44

    with page.expect_navigation():
        tabs.locator("a").nth(1).tap()
    classes = page.locator("nav.tabs").nth(1)
    assert texts(classes.locator("a")) == ["全部 240", "从未走访 240", "逾期 0", "即将到期 0"]
    assert page.locator(".pager-total").inner_text() == "共 240 条 · 第 1–50 条"
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "paging-phone-today.png"), full_page=True)


def test_a_rejected_register_lists_its_errors_on_a_phone(browser, live_server):
    crowd = build_crowd()
    rows = register_rows(60)
    for row in rows:
        row["联系电话"] = "1380000"
    data = workbook(rows)
    result = register_actions.run_import(
        register_actions.create_import(crowd.world.town_staff, filename="bad.xlsx", data=data), data
    )
    page = phone_page(browser, live_server, crowd.world.town_staff.username)

    page.goto(f"{live_server.url}/registers/imports/{result.pk}/")
    lines = page.locator("table.errors tbody tr")
    assert lines.count() == 50
    assert texts(lines.first) == ["第 2 行 联系电话 138**** 手机号应为11位，以1开头，第二位为3-9"]
    assert page.get_by_text("以上是前 50 行的错误；另有 10 行的错误见错误清单。").is_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "paging-phone-import-errors.png"), full_page=True)
