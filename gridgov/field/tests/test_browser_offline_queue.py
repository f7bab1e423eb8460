"""Acceptance (issue 4, field app): in a real browser with the network switched off, a grid worker records two
visits and a matter; back online, the queue syncs and the server holds exactly those records once; uploading the
same queue again adds nothing.

Debian's chromium through Playwright against pytest-django's live server. The pages come from the service worker's
cache while offline; the records wait in IndexedDB. Screenshots (390 px wide) go to /tmp/shots/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connections

from gridgov.households import actions as household_actions
from gridgov.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def second_household(world):
    return household_actions.create_household(
        world.town_staff,
        number="H-A-002",
        grid=world.grid_a,
        cluster=world.cluster_a1,
        address="寨坝镇桂园村一组14号",
        house_type="self_built",
    )


def server_rows() -> dict:
    """What the server holds, read from the test body (Playwright's loop runs here; close what Django opened)."""
    from gridgov.field.models import SyncReceipt
    from gridgov.matters.models import Matter
    from gridgov.visits.models import Visit

    try:
        return {
            "visits": sorted(
                (str(v.client_uuid), v.household.number, v.findings) for v in Visit.objects.select_related("household")
            ),
            "matters": list(Matter.objects.values_list("kind", "title", "path")),
            "receipts": sorted(SyncReceipt.objects.values_list("kind", "object_id")),
        }
    finally:
        connections.close_all()


def signed_in_phone(browser, base: str, user):
    """A phone-sized browser context with ``user`` signed in through the sign-in page; returns (context, page)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def record_visit(page, base: str, household_id: int, findings: str) -> None:
    page.goto(f"{base}/field/visit/?household={household_id}")
    page.wait_for_selector("html[data-field-ready]")
    assert page.is_visible("form[data-kind=visit] .picked")
    page.fill("textarea[name=findings]", findings)
    page.fill("input[name=people_met]", "户主")
    page.screenshot(path=str(SHOTS / "field-visit-phone.png"), full_page=True)
    page.click("form[data-kind=visit] button[type=submit]")
    page.wait_for_selector(".formmsg.ok")
    assert "有网络时自动上传" in page.inner_text(".formmsg")


def test_offline_visits_and_matter_sync_once_and_a_repeat_adds_nothing(world, second_household, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context, page = signed_in_phone(browser, base, world.grid_worker_a)

    # Online once: the service worker installs and caches the pages and the grid's data.
    page.goto(f"{base}/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("article[data-household]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(SHOTS / "field-today-phone.png"), full_page=True)

    context.set_offline(True)
    record_visit(page, base, world.household_a.pk, "老人独居，身体尚可，提醒按时服药")
    record_visit(page, base, second_household.pk, "房屋屋后堡坎有裂缝")
    page.goto(f"{base}/field/matter/")
    page.wait_for_selector("html[data-field-ready]")
    page.select_option("select[name=matter_kind]", "hazard")
    page.fill("input[name=title]", "桂园村一组14号屋后堡坎开裂")
    page.fill("textarea[name=description]", "雨后裂缝变宽，有垮塌风险")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(SHOTS / "field-matter-phone.png"), full_page=True)
    page.click("form[data-kind=matter] button[type=submit]")
    page.wait_for_selector(".formmsg.ok")

    page.goto(f"{base}/field/")  # the cached today page marks the households already recorded
    page.wait_for_function("() => document.querySelectorAll('article[data-household] .badge.queued').length === 2")
    page.goto(f"{base}/field/queue/")
    page.wait_for_selector("#queue-list article")
    assert page.inner_text("#queue-count") == "3"
    assert "离线" in page.inner_text("#field-status")
    page.screenshot(path=str(SHOTS / "field-queue-offline-phone.png"), full_page=True)
    queue = page.evaluate("GridField.queued()")
    assert sorted(r["kind"] for r in queue) == ["matter", "visit", "visit"]
    assert len({r["client_uuid"] for r in queue}) == 3
    assert server_rows() == {"visits": [], "matters": [], "receipts": []}

    context.set_offline(False)  # the page hears "online" and uploads its queue
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")
    assert "已上传 3 条" in page.inner_text("#field-status")

    visits = {r["client_uuid"] for r in queue if r["kind"] == "visit"}
    held = server_rows()
    assert {v[0] for v in held["visits"]} == visits
    assert sorted(v[1:] for v in held["visits"]) == [
        ("H-A-001", "老人独居，身体尚可，提醒按时服药"),
        ("H-A-002", "房屋屋后堡坎有裂缝"),
    ]
    # no household picked: the matter lands in the worker's grid
    assert held["matters"] == [("hazard", "桂园村一组14号屋后堡坎开裂", world.grid_a.code)]
    assert [kind for kind, _ in held["receipts"]] == ["matter", "visit", "visit"]

    again = page.evaluate("records => GridField.upload(records)", queue)

    assert [r["status"] for r in again["results"]] == ["existing"] * 3
    sent = {r["client_uuid"]: r["id"] for r in page.evaluate("GridField.sent()")}
    assert {r["client_uuid"]: r["id"] for r in again["results"]} == sent
    assert server_rows() == held
    context.close()


@pytest.fixture
def earlier_visit(world):
    from django.utils import timezone

    from gridgov.visits import actions as visit_actions

    visit, _ = visit_actions.record_visit(
        world.grid_worker_a,
        visit_actions.VisitInput(
            household=world.household_a, visited_at=timezone.now() - dt.timedelta(hours=5), findings="房屋完好"
        ),
    )
    return visit


@pytest.fixture
def campaign(world):
    from gridgov.campaigns.tests.conftest import make_campaign

    return make_campaign(world.town_staff, [world.town])


def change_on_server(world, visit_id: int) -> None:
    """The village committee corrects the visit while the phone is offline."""
    from gridgov.visits import actions as visit_actions
    from gridgov.visits.models import Visit

    try:
        visit_actions.update_visit(
            world.village_committee, Visit.objects.get(pk=visit_id), {"findings": "村委核实：房屋完好"}
        )
    finally:
        connections.close_all()


def held_copies(visit_id: int) -> tuple[str, list]:
    from gridgov.campaigns.models import HouseholdCheck
    from gridgov.visits.models import Visit

    try:
        return Visit.objects.get(pk=visit_id).findings, list(
            HouseholdCheck.objects.values_list("household_id", "answers")
        )
    finally:
        connections.close_all()


def test_offline_edit_of_a_changed_visit_shows_both_copies_and_keep_mine_wins(
    world, earlier_visit, campaign, live_server, browser
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context, page = signed_in_phone(browser, base, world.grid_worker_a)
    page.goto(f"{base}/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("#campaign-checks article").count() == 1

    context.set_offline(True)
    page.goto(f"{base}/field/edit/")
    page.wait_for_selector("html[data-field-ready]")
    page.click(f"#recent-visits li[data-visit='{earlier_visit.pk}'] button")
    page.fill("form[data-kind=visit_edit] textarea[name=findings]", "房屋完好；屋后堡坎有细小裂缝，已提醒户主观察")
    page.click("form[data-kind=visit_edit] button[type=submit]")
    page.wait_for_selector(".formmsg.ok", state="attached")
    assert "已保存到本机" in page.inner_text("#field-status")
    page.goto(f"{base}/field/check/?campaign={campaign.pk}&household={world.household_a.pk}")
    page.wait_for_selector("html[data-field-ready]")
    page.select_option("select[name='answer:returned']", "yes")
    page.fill("input[name='answer:returnees']", "2")
    page.fill("input[name='answer:returned_from']", "广东东莞")
    page.check("input[name='answer:symptoms'][value='咳嗽']")
    page.screenshot(path=str(SHOTS / "field-check-phone.png"), full_page=True)
    page.click("form[data-kind=campaign_check] button[type=submit]")
    page.wait_for_selector(".formmsg.ok")
    change_on_server(world, earlier_visit.pk)

    page.goto(f"{base}/field/queue/")
    context.set_offline(False)
    page.wait_for_selector("#queue-list article.queue-conflict")
    assert page.inner_text("#queue-count") == "1"
    assert page.inner_text("table.conflict td.mine") == "房屋完好；屋后堡坎有细小裂缝，已提醒户主观察"
    assert page.inner_text("table.conflict td.server") == "村委核实：房屋完好"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(SHOTS / "field-conflict-phone.png"), full_page=True)
    findings, checks = held_copies(earlier_visit.pk)
    assert findings == "村委核实：房屋完好"
    assert checks == [
        (world.household_a.pk, {"returned": True, "returnees": 2, "returned_from": "广东东莞", "symptoms": ["咳嗽"]})
    ]

    page.click("button.keep-mine")
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")

    assert held_copies(earlier_visit.pk)[0] == "房屋完好；屋后堡坎有细小裂缝，已提醒户主观察"
    context.close()


def test_an_upload_that_found_no_network_while_online_is_tried_again(world, live_server, browser):
    """The phone says it is online but the upload finds no network (the "online" event comes before the network
    carries, a weak signal drops the request): the page tries again by itself and the visit arrives once."""
    base = live_server.url
    context, page = signed_in_phone(browser, base, world.grid_worker_a)
    attempts = []

    def first_one_dropped(route):
        attempts.append(route.request.method)
        if len(attempts) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/v1/field/sync", first_one_dropped)
    page.goto(f"{base}/field/visit/?household={world.household_a.pk}")
    page.wait_for_selector("html[data-field-ready]")
    page.fill("textarea[name=findings]", "信号弱：老人独居，身体尚可")
    page.click("form[data-kind=visit] button[type=submit]")
    page.wait_for_function("() => document.querySelector('#field-status .msg').textContent.startsWith('已上传 1 条')")

    assert attempts == ["POST", "POST"]
    held = server_rows()
    assert [visit[1:] for visit in held["visits"]] == [("H-A-001", "信号弱：老人独居，身体尚可")]
    assert [kind for kind, _ in held["receipts"]] == ["visit"]
    assert page.evaluate("GridField.queued()") == []
    context.close()
