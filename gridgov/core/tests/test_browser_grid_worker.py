"""Acceptance: a grid worker, in a real browser, sees only their grid's households and gets 404 for another's.

Drives Debian's chromium through Playwright against pytest-django's live server. Screenshots of
the household list and the place page, at phone and desktop widths, go to /tmp/shots/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connections

from gridgov.households import actions
from gridgov.testing import new_id_number, sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def square(lng: float, lat: float, size: float = 0.004) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def grid_a_street(world):
    """A few more households in grid A, and polygons so the place page draws its map."""
    world.grid_a.boundary = square(106.200, 28.300, 0.008)
    world.grid_a.save()
    world.cluster_a1.boundary = square(106.201, 28.301, 0.004)
    world.cluster_a1.save()
    world.household_a.point = {"type": "Point", "coordinates": [106.2025, 28.3025]}
    world.household_a.save()
    made = []
    for i in range(6):
        household = actions.create_household(
            world.town_staff,
            number=f"H-A-1{i:02d}",
            grid=world.grid_a,
            cluster=world.cluster_a1,
            address=f"寨坝镇桂园村一组{20 + i}号",
            house_type="self_built" if i % 2 else "resettlement",
        )
        actions.add_resident(
            world.town_staff,
            actions.ResidentInput(
                name=["张德明", "刘桂芳", "陈光荣", "杨秀兰", "赵永福", "黄丽娟"][i],
                id_number=new_id_number(dt.date(1960 + i * 5, 3, 1 + i)),
                phone=f"1398800{i:04d}",
                relation="householder",
            ),
            household=household,
        )
        made.append(household.number)
    return ["H-A-001", *made]


@pytest.fixture
def village_polygons(world):
    world.village_a.boundary = square(106.200, 28.300, 0.02)
    world.village_a.save()
    world.village_b.boundary = square(106.221, 28.300, 0.02)
    world.village_b.save()


sign_in = sign_in_page  # the password, then the code when the account must pass a second factor


def household_numbers(page) -> list[str]:
    return page.locator("table.list tbody td[data-label='户编号'] a").all_inner_texts()


def test_grid_worker_sees_only_own_grid_and_gets_404_for_another(world, grid_a_street, live_server, browser):
    other_household = world.household_b.pk
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, world.grid_worker_a.username)
    assert page.url == f"{live_server.url}/workbench/"  # the grid worker's home: today's visits and the queue

    page.goto(f"{live_server.url}/households/")
    assert household_numbers(page) == grid_a_street
    html = page.content()
    assert "H-B-001" not in html and "永盛村" not in html and "李秀英" not in html

    response = page.goto(f"{live_server.url}/households/{other_household}/")
    assert response.status == 404
    html = page.content()
    assert "H-B-001" not in html and "李秀英" not in html and "寨坝镇永盛村一组3号" not in html


@pytest.mark.parametrize("name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_screens_fit_the_viewport(world, grid_a_street, live_server, browser, name, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, world.grid_worker_a.username)
    screens = {
        "place": "/places/5203301132010101/",
        "households": "/households/",
        "household": f"/households/{world.household_a.pk}/",
        "resident": f"/households/residents/{world.resident_a.pk}/",
        "resident-form": f"/households/{world.household_a.pk}/residents/new/",
    }
    for screen, url in screens.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        if screen == "place":
            assert page.locator("#placemap path.leaflet-interactive").count() == 2  # grid outline and its cluster
        if screen == "resident-form":  # a bad submission: errors in Chinese, nothing typed is lost
            page.fill("input[name=name]", "王小明")
            page.fill("input[name=id_number]", "520330199001011237")
            page.fill("input[name=phone]", "12345")
            page.click("form.card button")
            page.wait_for_load_state()
            assert "身份证号校验位错误（应为 6）" in page.content()
            assert page.input_value("input[name=id_number]") == "520330199001011237"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} is {overflow}px wider than the {name} screen"
        page.screenshot(path=str(SHOTS / f"{screen}-{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def revealer(world):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    return world.town_staff


def reveal_rows() -> list:
    """Read the audit log from the test body, where Playwright's event loop runs.

    Django opens a separate connection in that context; close it, or PostgreSQL cannot drop the test database.
    """
    from gridgov.audit.models import AuditLog

    try:
        return list(AuditLog.objects.filter(action="reveal").values_list("actor_name", "detail"))
    finally:
        connections.close_all()


def test_reveal_swaps_in_the_value_and_is_audited(world, grid_a_street, revealer, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, world.town_staff.username)
    page.goto(f"{live_server.url}/households/residents/{world.resident_a.pk}/")
    assert "520330198005171232" not in page.content()
    page.click("#pii-id_number summary")
    page.fill("#pii-id_number input[name='id_number-reason']", "核实")
    page.click("#pii-id_number button")
    page.wait_for_selector("#pii-id_number .errorlist")
    assert "至少4个字" in page.inner_text("#pii-id_number")
    page.fill("#pii-id_number input[name='id_number-reason']", "核实身份办理低保")
    page.click("#pii-id_number button")
    page.wait_for_selector("#pii-id_number .revealed")
    assert page.inner_text("#pii-id_number .revealed") == "520330198005171232"
    assert "138****8000" in page.inner_text("#pii-phone")  # only the asked-for value is revealed
    page.screenshot(path=str(SHOTS / "resident-revealed-phone.png"), full_page=True)
    assert reveal_rows() == [("town", {"field": "id_number", "reason": "核实身份办理低保"})]


@pytest.mark.parametrize("name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_town_page_with_villages_on_the_map(world, village_polygons, live_server, browser, name, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    sign_in(page, live_server.url, world.town_staff.username)
    assert page.url == f"{live_server.url}/workbench/"  # the town's home: its cockpit beside its queue
    page.goto(f"{live_server.url}/places/520330113/")
    assert page.locator("#placemap path.leaflet-interactive").count() == 2
    assert page.locator(".maplabel").all_inner_texts() == ["桂园村", "永盛村"]
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(SHOTS / f"town-{name}.png"), full_page=True)
