"""Supervision by hand (督办) from a higher governance center, and editing a matter (修改事项) with before/after on
its timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gridgov.matters import actions, queries
from gridgov.matters.actions import flag_overdue
from gridgov.matters.models import Category, DeadlineRule, Matter, MatterEvent, Supervision
from gridgov.matters.tests.helpers import category, record
from gridgov.notifications.models import Notice

API = "/api/v1/matters"


def at_village(engine) -> Matter:
    matter = record(engine.grid_worker_a, title="地界纠纷")
    actions.report_up(engine.grid_worker_a, matter, reason="需村委会协调")
    return actions.accept(engine.village_committee, matter)


# ---------------------------------------------------------------- supervision by hand


def test_town_center_supervises_a_village_matter_and_the_village_is_notified(engine, login):
    matter = at_village(engine)
    client = login(engine.town_staff)
    response = client.post(
        reverse("matters:act", args=[matter.pk, "supervise"]),
        {"supervise-color": "red", "supervise-reason": "群众三次来访，限三日内办结"},
    )
    assert response.status_code == 302
    card = Supervision.objects.get()
    assert (card.color, card.level, card.holder_place, card.issued_by, card.reason, card.holding_since) == (
        "red",
        "village",
        engine.village_a,
        engine.town_staff,
        "群众三次来访，限三日内办结",
        matter.arrived_at,
    )
    event = MatterEvent.objects.filter(matter=matter).latest("id")
    assert (event.action, event.actor, event.note, event.data["manual"]) == (
        "supervise",
        engine.town_staff,
        "群众三次来访，限三日内办结",
        True,
    )
    notice = Notice.objects.get(recipient=engine.village_committee, kind="supervision")
    assert notice.text.startswith("红牌督办：") and notice.text.endswith("群众三次来访，限三日内办结")
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.card, fresh.overdue, fresh.state) == ("", False, "in_progress")  # the deadline job's marks
    page = login(engine.village_committee).get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert "群众三次来访，限三日内办结" in page and "红牌督办（人工）" in page


def test_the_same_card_is_not_issued_twice_in_one_holding(engine):
    matter = at_village(engine)
    actions.supervise(engine.town_staff, matter, color="yellow", reason="请加快")
    with pytest.raises(actions.ActionRefused, match="本级办理期间已黄牌督办，不能重复督办"):
        actions.supervise(engine.county_staff, matter, color="yellow", reason="请加快")
    actions.supervise(engine.county_staff, matter, color="red", reason="仍未办结")
    assert list(Supervision.objects.order_by("id").values_list("color", flat=True)) == ["yellow", "red"]


def test_refusals_say_why(engine):
    matter = at_village(engine)
    with pytest.raises(actions.ActionRefused, match="只有县、乡镇（街道）综治中心可以督办"):
        actions.supervise(engine.village_committee, matter, color="yellow", reason="x")
    town_matter = actions.report_up(engine.village_committee, matter, reason="村级调解不成")
    with pytest.raises(actions.ActionRefused, match="该事项现由寨坝镇办理，不是您的下级，不能督办"):
        actions.supervise(engine.town_staff, town_matter, color="yellow", reason="x")
    with pytest.raises(ValidationError):
        actions.supervise(engine.county_staff, town_matter, color="yellow", reason="  ")
    with pytest.raises(ValidationError):
        actions.supervise(engine.county_staff, town_matter, color="purple", reason="x")
    assert Supervision.objects.count() == 0


def test_a_card_by_hand_does_not_stop_the_deadline_job(engine):
    matter = at_village(engine)
    actions.supervise(engine.town_staff, matter, color="yellow", reason="请加快")
    later = Matter.objects.get(pk=matter.pk).deadline_at + dt.timedelta(minutes=1)
    report = flag_overdue(later)
    assert report.yellow == 1
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.overdue, fresh.card) == (True, "yellow")
    assert Supervision.objects.filter(issued_by__isnull=True).count() == 1


def test_api_supervise(engine, login):
    matter = at_village(engine)
    response = login(engine.town_staff).post(
        f"{API}/{matter.pk}/supervise", {"color": "yellow", "reason": "请加快"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    [card] = response.json()["supervisions"]
    assert (card["color"], card["manual"], card["reason"], card["holder"]) == ("yellow", True, "请加快", "桂园村")


# ---------------------------------------------------------------- editing


def test_holder_edits_title_color_and_category_with_before_and_after(engine):
    matter = record(engine.grid_worker_a, title="地界纠纷", description="两家因地界争执")
    arrived = matter.arrived_at
    neighbours = category("dispute.neighbour")
    actions.edit_matter(
        engine.grid_worker_a,
        matter,
        actions.MatterEdit(
            title="王家与母家宅基地纠纷",
            description="两家因宅基地界址争执，已有推搡",
            color="red",
            category=neighbours,
            reason="出现肢体冲突苗头",
        ),
    )
    fresh = Matter.objects.get(pk=matter.pk)
    rule = DeadlineRule.objects.get(kind="dispute", color="red", level="grid")
    assert (fresh.title, fresh.color, fresh.category, fresh.arrived_at) == (
        "王家与母家宅基地纠纷",
        "red",
        neighbours,
        arrived,
    )
    assert fresh.deadline_at == arrived + dt.timedelta(hours=rule.hours)
    assert "宅基" in fresh.search_text
    found = Matter.objects.filter(queries.search_predicate("宅基地")).values_list("id", flat=True)
    assert list(found) == [matter.pk]  # the search index follows the edit
    event = MatterEvent.objects.filter(matter=matter).latest("id")
    assert (event.action, event.note, event.data["changed"]) == (
        "edit_matter",
        "出现肢体冲突苗头",
        ["title", "description", "color", "category"],
    )
    assert event.data["before"]["color"] == "yellow" and event.data["after"]["color"] == "red"
    assert event.data["before"]["category"] == "山林土地纠纷"
    assert event.data["after"]["category"] == neighbours.name


def test_color_change_needs_a_reason_and_nothing_changes_without_one(engine):
    matter = record(engine.grid_worker_a)
    events = MatterEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.edit_matter(
            engine.grid_worker_a,
            matter,
            actions.MatterEdit(title=matter.title, description="", color="red", category=matter.category),
        )
    assert refused.value.message_dict == {"reason": ["修改风险等级须说明理由"]}
    assert (Matter.objects.get(pk=matter.pk).color, MatterEvent.objects.count()) == ("yellow", events)


def test_an_edit_that_changes_nothing_is_refused(engine):
    matter = record(engine.grid_worker_a, description="x")
    with pytest.raises(ValidationError, match="没有修改任何内容"):
        actions.edit_matter(
            engine.grid_worker_a,
            matter,
            actions.MatterEdit(title=matter.title, description="x", color="yellow", category=matter.category),
        )


def test_category_of_another_kind_is_refused(engine):
    matter = record(engine.grid_worker_a)
    hazard = Category.objects.filter(kind="hazard", selectable=True).first()
    with pytest.raises(ValidationError) as refused:
        actions.edit_matter(
            engine.grid_worker_a,
            matter,
            actions.MatterEdit(title="x", description="", color="yellow", category=hazard),
        )
    assert refused.value.message_dict == {"category": ["请选择该类事项下可用的分类"]}
    assert Matter.objects.get(pk=matter.pk).category_id == matter.category_id


def test_edit_through_the_page_and_refused_for_others(engine, login):
    matter = record(engine.grid_worker_a, title="地界纠纷")
    url = reverse("matters:act", args=[matter.pk, "edit_matter"])
    form = {
        "edit_matter-title": "地界纠纷（两户）",
        "edit_matter-description": "",
        "edit_matter-color": "blue",
        "edit_matter-category": matter.category_id,
        "edit_matter-reason": "",
    }
    page = login(engine.grid_worker_a).post(url, form)
    assert page.status_code == 400
    assert "修改风险等级须说明理由" in page.content.decode()
    form["edit_matter-reason"] = "双方已冷静"
    assert login(engine.grid_worker_a).post(url, form).status_code == 302
    assert Matter.objects.values_list("title", "color").get() == ("地界纠纷（两户）", "blue")
    other = login(engine.village_committee).post(url, {**form, "edit_matter-title": "改"})
    assert other.status_code == 400
    assert "您不能修改事项" in other.content.decode()
    assert Matter.objects.values_list("title", "color").get() == ("地界纠纷（两户）", "blue")


def test_api_edit_keeps_what_is_not_sent(engine, login):
    matter = record(engine.grid_worker_a, title="地界纠纷", description="原描述")
    response = login(engine.grid_worker_a).post(
        f"{API}/{matter.pk}/edit", {"title": "地界纠纷（已核实）"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["description"], body["color"]) == ("地界纠纷（已核实）", "原描述", "yellow")
    assert body["events"][-1]["data"]["changed"] == ["title"]
