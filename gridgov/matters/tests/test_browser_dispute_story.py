"""Acceptance: issue 3's dispute story through the UI, in Debian's chromium.

A grid worker records a land-boundary dispute (yellow), tries on the spot and fails, reports it to the
village; the committee schedules mediation with two five-elders, records the failure and escalates to the
town; the town routes it to the judicial office, whose liaison records the agreement and replies; the town
sends it back down; the grid worker records feedback with a satisfaction rating and closes it. Every step is
a click on the matter's page. Screenshots of the matter page and the work queue at phone and desktop widths
go to /tmp/shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gridgov.matters.tests.helpers import build_engine, image_bytes
from gridgov.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TITLE = "王家与母家承包地地界纠纷"


class Actor:
    """One signed-in browser context per person in the story."""

    def __init__(self, browser, base_url: str, username: str, viewport=DESKTOP):
        self.base = base_url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        page = self.page
        page.goto(f"{base_url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    def open(self, path: str):
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == 200, path
        return self.page

    def act(
        self, action: str, fill: dict[str, str] | None = None, check: list[str] = (), select=None, files=None
    ) -> None:
        """Open the action's panel, fill its form and submit; HTMX reloads the page on success."""
        page = self.page
        box = f"#action-{action}"
        if page.locator(f"#more-actions {box}").count() and not page.locator("#more-actions").evaluate("e => e.open"):
            page.click("#more-actions > summary")  # the actions not expected next wait under 更多
        if not page.locator(box).evaluate("e => e.open"):
            page.click(f"{box} summary")
        for name, value in (fill or {}).items():
            page.fill(f"{box} [name='{action}-{name}']", value)
        for selector in check:
            page.check(f"{box} {selector}")
        for name, label in (select or {}).items():
            page.select_option(f"{box} select[name='{action}-{name}']", label=label)
        for name, path in (files or {}).items():
            page.set_input_files(f"{box} input[name='{action}-{name}']", str(path))
        with page.expect_navigation():
            page.click(f"{box} button[name=do]")
        page.wait_for_load_state()
        errors = page.locator("ul.errorlist").all_inner_texts()
        assert not errors, errors

    def state(self) -> str:
        return self.page.locator("#state").inner_text()

    def close(self) -> None:
        self.context.close()


def shoot(page, label: str) -> None:
    """Full-page screenshots at phone and desktop widths; the page is left at desktop width."""
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"matters-{label}-{name}.png"), full_page=True)


def htmx_idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def timeline(page) -> list[str]:
    return page.locator("#timeline td.action").all_inner_texts()


def test_dispute_story_through_the_ui(world, live_server, browser, tmp_path):
    engine = build_engine(world)
    base = live_server.url
    SHOTS.mkdir(exist_ok=True)

    # 1. The grid worker records the dispute found on a household visit, yellow, reporter by ID number.
    worker = Actor(browser, base, engine.grid_worker_a.username)
    page = worker.open("/matters/new/")
    page.select_option("select[name=kind]", "appeal")  # HTMX: the appeal's categories and its answer type
    page.wait_for_selector("select[name=answer_type]")
    assert "山林土地纠纷" not in page.locator("select[name=category]").inner_text()
    page.select_option("select[name=kind]", "dispute")
    page.wait_for_selector("select[name=answer_type]", state="detached")
    htmx_idle(page)  # htmx wires the swapped-in select at settle time
    page.select_option("select[name=category]", label="山林土地纠纷")
    page.wait_for_selector("select[name=x_subtype]")  # the category's extra fields, loaded by HTMX
    page.select_option("select[name=x_subtype]", "地界")
    page.fill("input[name=x_area_mu]", "0.3")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=description]", "两家因承包地地界多年不和，今年春耕又起争执。")
    page.check("input[name=color][value=yellow]")
    page.fill("input[name=reporter_lookup]", "520330198005171232")
    shoot(page, "intake")
    with page.expect_navigation():
        page.click("#intake button")
    assert re.search(r"/matters/\d+/$", page.url), page.url
    matter_path = page.url[len(base) :]
    assert page.locator("h1").inner_text() == TITLE
    assert worker.state() == "办理中"
    assert "王*" in page.locator("#reporter").inner_text()
    assert "138****8000" in page.locator("#reporter").inner_text()
    assert "520330198005171232" not in page.content()

    # 1b. Adds a photo of the disputed boundary (checked by content, shown on the matter's page).
    photo = tmp_path / "界桩.jpg"
    photo.write_bytes(image_bytes("JPEG", (64, 48)))
    worker.act("add_attachment", {"caption": "被移动的界桩"}, files={"file": photo})
    gallery = page.locator("#photos img")
    assert gallery.count() == 1
    assert gallery.evaluate("img => img.complete && img.naturalWidth") == 64
    assert "被移动的界桩" in page.locator("#photos").inner_text()

    # 2. Tries mediation on the spot, fails; reports to the village committee.
    worker.act("resolve_on_spot", {"result": "现场劝解，双方各执一词"}, check=["input[value='0']"])
    assert worker.state() == "办理中"
    worker.act("report_up", {"reason": "现场调解不成，需村委会组织调解"})
    assert worker.state() == "待受理"
    # nothing left for the grid worker to do here but add photos to what they recorded
    assert page.locator("#actions details.action").evaluate_all("els => els.map(e => e.id)") == [
        "action-add_attachment"
    ]
    assert "现由桂园村办理" in page.locator("#next-hint").inner_text()

    # 3. The village committee accepts, schedules a session with two of the five elders; it fails; escalates.
    village = Actor(browser, base, engine.village_committee.username)
    queue = village.open("/matters/queue/")
    assert TITLE in queue.locator("table.list").inner_text()
    shoot(queue, "queue")
    village.open(matter_path)
    village.act("accept")
    assert village.page.locator("#next-actions details.action").evaluate_all("els => els.map(e => e.id)") == [
        "action-schedule_mediation"
    ]
    shoot(village.page, "actions")
    village.act(
        "schedule_mediation",
        {"scheduled_for": "2026-12-01T10:00", "venue": "桂园村调解室", "parties": "王建国；母某某"},
        check=[f"input[value='{engine.elder_1.pk}']", f"input[value='{engine.elder_2.pk}']"],
    )
    mediations = village.page.locator("#mediations").inner_text()
    assert "张国林（五老）" in mediations and "母德华（五老）" in mediations
    village.act(
        "record_mediation",
        {"summary": "双方对界桩位置仍有争议"},
        check=["input[name='record_mediation-outcome'][value='failure']"],
        select={"session": "2026-12-01 10:00 桂园村调解室"},
    )
    assert "调解不成" in village.page.locator("#mediations").inner_text()
    village.act("report_up", {"reason": "村级调解不成，请镇综治中心协调"})

    # 4. The town's center accepts and routes it to the judicial office.
    town = Actor(browser, base, engine.town_staff.username)
    town.open(matter_path)
    town.act("accept")
    town.act("route_to_department", {"note": "请司法所组织调解"}, select={"department": "寨坝镇司法所"})
    assert town.state() == "部门办理中"
    assert "寨坝镇司法所" in town.page.locator("#holder").inner_text()

    # 5. The judicial office's liaison records the agreement and replies.
    liaison = Actor(browser, base, engine.department_liaison.username)
    assert TITLE in liaison.open("/matters/queue/").locator("table.list").inner_text()
    liaison.open(matter_path)
    liaison.act(
        "record_agreement",
        {
            "number": "寨司调〔2026〕12号",
            "organisation": "寨坝镇人民调解委员会",
            "parties": "王建国，申请人，桂园村一组\n母某某，被申请人，桂园村一组",
            "facts": "双方承包地相邻，地界不清。",
            "terms": "以2012年界桩为准，重新埋设界桩，费用各半。",
            "performance": "2026年12月31日前履行完毕",
            "mediator_names": "陈调解",
            "signed_on": "2026-12-05",
        },
    )
    pdf_link = liaison.page.locator("#agreements a").get_attribute("href")
    pdf = liaison.context.request.get(f"{base}{pdf_link}")
    assert (pdf.status, pdf.headers["content-type"], pdf.body()[:5]) == (200, "application/pdf", b"%PDF-")
    liaison.act("department_reply", {"result": "经司法所调解达成协议，重新埋设界桩"})

    # 6. The town sends the result back down to the grid.
    town.open(matter_path)
    town.act("send_back")
    assert town.state() == "已办结待回访"

    # 7. The grid worker calls the reporter, records feedback and satisfaction, and closes the matter.
    worker.open(matter_path)
    worker.act(
        "record_feedback",
        {"said": "认可调解结果，界桩已重新埋设"},
        check=["input[name='record_feedback-verdict'][value='accepted']"],
        select={"satisfaction": "★★★★★"},
    )
    worker.act("close", {"note": "已回访，群众满意"})
    page = worker.page
    assert worker.state() == "已结案"
    assert "满意度 5/5" in page.locator("#feedbacks").inner_text()
    assert timeline(page) == [
        "登记",
        "添加附件",
        "现场处置",
        "上报",
        "受理",
        "安排调解",
        "记录调解",
        "上报",
        "受理",
        "交办部门",
        "登记调解协议",
        "部门反馈",
        "结果下发",
        "回访",
        "结案",
    ]
    actors = page.locator("#timeline td[data-label='操作人']").all_inner_texts()
    assert actors[0] == actors[-1] == engine.grid_worker_a.display_name
    assert actors[10] == engine.department_liaison.display_name

    shoot(page, "detail")
    shoot(village.open("/matters/"), "list")
    for actor in (worker, village, town, liaison):
        actor.close()
