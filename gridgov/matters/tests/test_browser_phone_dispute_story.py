"""Acceptance (issue 10): the dispute story on a phone (390x844) in Debian's chromium — a grid worker records a
dispute and escalates it to the village in one step; the village committee finds it in its queue, and its page
leads with what the committee is expected to do (受理).

Counted, from the grid worker's phone home (the field app's today page, already open):
- in the field app (offline-first): tap 事项, pick the category, type the title, tap 登记并上报 —
  4 user actions, 1 page load (the form); the upload and the matter number follow without a load;
- on the web intake form (a phone browser without the app): the form's page load, category, title, reporter,
  登记并上报 — 4 actions on the form and 2 page loads (the form, then the matter's page).
Navigations are counted with Playwright's main-frame ``framenavigated`` events. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

from gridgov.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
REFERENCE = re.compile(r"JF-\d{4}-\d{6}")


class Phone:
    """One signed-in phone; counts the user's actions and the page loads from the moment `start()` is called."""

    def __init__(self, chromium, base: str, username: str):
        self.base = base
        self.context = chromium.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN", is_mobile=True)
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        self.actions = 0
        self.loads: list[str] = []
        self.page.on("framenavigated", self._navigated)
        self.counting = False

    def _navigated(self, frame) -> None:
        if self.counting and frame == self.page.main_frame:
            self.loads.append(frame.url[len(self.base) :])

    def start(self, path: str) -> None:
        """Open ``path`` as where the story begins (not counted), then count."""
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state()
        self.counting = True

    def act(self, how: str, selector: str, value: str | None = None) -> None:
        getattr(self.page, how)(selector, *([value] if value is not None else []))
        self.actions += 1

    def fits(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def matters_on_server() -> list[tuple]:
    from gridgov.matters.models import Matter

    try:
        return [
            (m.pk, m.reference, m.title, m.level, m.state, m.holder_place.name, [e.action for e in m.events.all()])
            for m in Matter.objects.select_related("holder_place").prefetch_related("events").order_by("id")
        ]
    finally:
        connections.close_all()


def test_a_grid_worker_reports_a_dispute_up_from_the_phone_app_in_four_actions(world, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    worker = Phone(browser, base, world.grid_worker_a.username)
    worker.start("/field/")
    page = worker.page

    worker.act("click", "nav.fieldtabs a[href='/field/matter/']")  # 1: 事项
    page.wait_for_selector("html[data-field-ready]")
    assert page.input_value("select[name=matter_kind]") == "dispute"  # the first kind: no tap needed
    worker.act("select_option", "select[name=category_id]", "邻里纠纷")  # 2 (matched by its label)
    worker.act("fill", "input[name=title]", "王家与李家为排水沟争吵")  # 3
    assert worker.fits()
    worker.shot("phone-story-1-field-form")
    worker.act("click", "#report-up")  # 4: 登记并上报村（居）委会
    page.wait_for_selector("#sent-matters article[data-matter]")  # uploaded at once (online), number shown

    assert (worker.actions, worker.loads) == (4, ["/field/matter/"])
    [(pk, reference, title, level, state, holder, events)] = matters_on_server()
    assert (title, level, state, holder, events) == (
        "王家与李家为排水沟争吵",
        "village",
        "pending",
        "桂园村",
        [
            "record",
            "report_up",
        ],
    )
    shown = page.inner_text("#sent-matters")
    assert REFERENCE.fullmatch(reference) and reference in shown
    assert "桂园村（待受理）" in shown and "王家与李家为排水沟争吵（登记并上报）" in shown
    assert page.inner_text(".formmsg") == f"已上传，受理编号 {reference}，现由桂园村办理（待受理）"
    assert page.get_attribute(f"#sent-matters article[data-matter='{pk}'] a", "href") == f"/matters/{pk}/"
    assert worker.fits()
    worker.shot("phone-story-2-field-synced")

    # The village committee (on its phone too) finds it in its queue; the page leads with 受理.
    village = Phone(browser, base, world.village_committee.username)
    village.start("/matters/queue/")
    queue = village.page.inner_text("table.list")
    assert "王家与李家为排水沟争吵" in queue and reference in queue
    assert village.fits()
    village.shot("phone-story-3-village-queue")
    village.act("click", "table.list a:has-text('王家与李家为排水沟争吵')")
    village.page.wait_for_selector("#next-actions")
    assert village.page.locator("#next-actions details.action").evaluate_all("els => els.map(e => e.id)") == [
        "action-accept"
    ]
    assert village.page.locator("#action-accept").evaluate("e => e.open")
    assert village.fits()
    village.shot("phone-story-4-village-matter")
    for phone in (worker, village):
        phone.context.close()


def test_the_web_intake_records_and_reports_up_in_two_page_loads(world, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    worker = Phone(browser, live_server.url, world.grid_worker_a.username)
    worker.start("/")
    page = worker.page
    page.goto(f"{live_server.url}/matters/new/")  # load 1: the form (from the menu)
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.select_option("select[name=category]", label="邻里纠纷")
    worker.actions += 1  # the category
    page.wait_for_selector("select[name=x_subtype]")  # the category's optional extra fields, by HTMX
    worker.act("fill", "input[name=title]", "王家与李家为排水沟争吵")
    worker.act("fill", "input[name=reporter_lookup]", world.resident_a.name)
    assert worker.fits()
    worker.shot("phone-story-5-web-intake")
    with page.expect_navigation():
        worker.act("click", "#record-and-report-up")  # load 2: the matter's page
    assert worker.actions == 4
    assert [re.sub(r"\d+", "N", url) for url in worker.loads] == ["/matters/new/", "/matters/N/"]
    [(pk, reference, _title, level, state, holder, events)] = matters_on_server()
    assert (level, state, holder, events) == ("village", "pending", "桂园村", ["record", "report_up"])
    assert f"已登记并上报：{reference}，等待桂园村受理" in page.inner_text("body")
    assert page.inner_text("#next-hint") == "现由桂园村办理，您暂无需处理。"
    assert worker.fits()
    worker.shot("phone-story-6-web-matter")
    worker.context.close()
