"""Guided handling: the matter page leads with what the holder is expected to do next (from the same policy that
decides what is allowed), intake can record and report up in one step, and the registrant always shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gridgov.core.actions import ActionRefused
from gridgov.households.models import Household
from gridgov.matters import actions, policy, queries
from gridgov.matters.choices import ReporterType
from gridgov.matters.models import DeadlineRule, Matter, MatterEvent
from gridgov.matters.tests.helpers import category, record


def _input(code="dispute.neighbour", **kw):
    household = Household.objects.get(number="H-A-001")
    cat = category(code)
    return actions.MatterInput(
        kind=cat.kind,
        category=cat,
        title=kw.pop("title", "邻里纠纷"),
        channel="visit",
        color="yellow",
        reporter=actions.Reporter(type=ReporterType.RESIDENT, resident=household.members.first()),
        household=household,
        **kw,
    )


def _section_ids(page: str, section: str) -> list[str]:
    """The action panels inside one section of the page (next actions, then 更多, both before the fields)."""
    if f'id="{section}"' not in page:
        return []
    start = page.index(f'id="{section}"')
    ends = [page.index(m, start + 1) for m in ('id="more-actions"', 'id="fields"') if m in page[start + 1 :]]
    return re.findall(r'<details class="card action" id="action-([a-z_]+)"', page[start : min(ends)])


# ---------------------------------------------------------------- the policy


def test_expected_next_follows_the_course_of_a_dispute(engine):
    matter = record(engine.grid_worker_a)
    worker, village = engine.grid_worker_a, engine.village_committee
    assert policy.expected_next(worker, matter) == ["resolve_on_spot", "report_up"]
    assert policy.expected_next(village, matter) == []  # not theirs

    actions.report_up(worker, matter, reason="需村委会调解")
    assert policy.expected_next(worker, matter) == []
    assert policy.expected_next(village, matter) == ["accept"]

    actions.accept(village, matter)
    assert policy.expected_next(village, matter) == ["schedule_mediation"]
    session = actions.schedule_mediation(
        village, matter, scheduled_for=matter.created_at, mediators=[engine.elder_1], venue="调解室"
    )
    assert policy.expected_next(village, matter, sessions=[session]) == ["record_mediation"]
    session = actions.record_mediation(village, matter, outcome="success", session=session, summary="达成一致")
    assert policy.expected_next(village, matter, sessions=[session]) == ["resolve_on_spot", "record_agreement"]

    actions.resolve_on_spot(village, matter, result="调解成功")
    assert policy.expected_next(village, matter) == ["record_feedback"]  # the reporter hears first


def test_expected_next_is_always_among_the_available_actions(engine):
    matter = record(engine.grid_worker_a)
    for user in (engine.grid_worker_a, engine.grid_leader_a, engine.town_staff, engine.cluster_leader_a1):
        available = policy.available_actions(user, matter)
        expected = policy.expected_next(user, matter, available)
        assert set(expected) <= set(available) and len(expected) <= 2


def test_a_town_facing_an_overdue_matter_below_is_expected_to_supervise(engine):
    DeadlineRule.objects.filter(kind="dispute", color="red", level="grid").update(auto_escalate=False)
    matter = record(engine.grid_worker_a, color="red")
    assert policy.expected_next(engine.town_staff, matter) == []
    assert actions.flag_overdue(matter.deadline_at) == actions.FlagReport(yellow=1)
    matter.refresh_from_db()
    assert policy.expected_next(engine.town_staff, matter) == ["supervise"]


# ---------------------------------------------------------------- the page


def test_the_page_leads_with_the_expected_actions_and_puts_the_rest_under_more(engine, login):
    matter = record(engine.grid_worker_a)
    page = login(engine.grid_worker_a).get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert page.index('id="next-actions"') < page.index('id="fields"')
    assert _section_ids(page, "next-actions") == ["resolve_on_spot", "report_up"]
    available = policy.available_actions(engine.grid_worker_a, matter)
    assert _section_ids(page, "more-actions") == [a for a in available if a not in ("resolve_on_spot", "report_up")]
    assert re.search(r'<details class="card action" id="action-report_up" open>', page)


def test_after_reporting_up_the_recorder_is_told_who_holds_it(engine, login):
    matter = record(engine.grid_worker_a)
    actions.report_up(engine.grid_worker_a, matter, reason="需村委会调解")
    page = login(engine.grid_worker_a).get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert 'id="next-actions"' not in page
    assert "现由桂园村办理，您暂无需处理。" in page
    assert _section_ids(page, "more-actions") == ["add_attachment"]


def test_the_registrant_shows_even_when_no_account_recorded_it(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert f'<dd id="registrant">{engine.grid_worker_a.display_name} · ' in page
    # a seeded (or imported) matter: no account, the timeline names who recorded it
    Matter.objects.filter(pk=matter.pk).update(recorded_by=None)
    MatterEvent.objects.filter(matter=matter, action="record").update(actor=None, actor_name="杨网格员")
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert '<dd id="registrant">杨网格员 · ' in page
    assert "— ·" not in page


# ---------------------------------------------------------------- 登记并上报


def test_record_and_report_up_is_one_step_with_two_timeline_rows(engine):
    matter = actions.record_and_report_up(engine.grid_worker_a, _input(), reason="")
    matter.refresh_from_db()
    assert (matter.level, matter.state, matter.holder_place_id) == ("village", "pending", engine.village_a.pk)
    events = list(MatterEvent.objects.filter(matter=matter).order_by("id").values_list("action", "note"))
    assert events == [("record", ""), ("report_up", "登记时即上报：网格（本级）无法就地化解")]
    assert list(queries.work_queue(engine.village_committee)) == [matter]
    assert list(queries.work_queue(engine.grid_worker_a)) == []


def test_record_and_report_up_by_someone_who_would_not_hold_it_records_nothing(engine):
    before = (Matter.objects.count(), MatterEvent.objects.count())
    with pytest.raises(ActionRefused, match="该事项将由桂园村第1网格受理，您不能在登记时上报"):
        actions.record_and_report_up(engine.village_committee, _input(), reason="请镇里协调")
    assert (Matter.objects.count(), MatterEvent.objects.count()) == before


def test_intake_records_and_reports_up_in_one_post(engine, login):
    client = login(engine.grid_worker_a)
    form = client.get(reverse("matters:create")).content.decode()
    assert 'id="record-and-report-up"' in form
    cat = category("dispute.neighbour")
    response = client.post(
        reverse("matters:create"),
        {
            "kind": "dispute",
            "category": cat.pk,
            "title": "两家因排水沟起争执",
            "channel": "visit",
            "color": "blue",
            "reporter_type": "resident",
            "reporter_lookup": engine.resident_a.name,
            "report_reason": "双方情绪激动，需村委会出面",
            "then": "report_up",
        },
    )
    matter = Matter.objects.get(title="两家因排水沟起争执")
    assert response.status_code == 302 and response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert (matter.level, matter.state) == ("village", "pending")
    assert list(matter.events.order_by("id").values_list("action", "note")) == [
        ("record", ""),
        ("report_up", "双方情绪激动，需村委会出面"),
    ]
    page = client.get(response["Location"]).content.decode()
    assert f"已登记并上报：{matter.reference}，等待桂园村受理" in page


def test_intake_offers_no_report_up_to_a_cluster_leader(engine, login):
    page = login(engine.grid_worker_a).get(reverse("matters:create")).content.decode()
    assert 'id="record-and-report-up"' in page
    assert not policy.may_report_up_on_record(engine.cluster_leader_a1)
    assert not policy.may_report_up_on_record(engine.auditor)


def test_the_api_records_and_reports_up_in_one_call(engine, login):
    client = login(engine.grid_worker_a)
    body = {
        "kind": "dispute",
        "category_id": category("dispute.neighbour").pk,
        "title": "两家因排水沟起争执",
        "channel": "visit",
        "color": "blue",
        "household_id": Household.objects.get(number="H-A-001").pk,
        "report_up": True,
    }
    response = client.post("/api/v1/matters/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["level"], out["state"]) == ("village", "pending")
    matter = Matter.objects.get(pk=out["id"])
    assert list(matter.events.order_by("id").values_list("action", flat=True)) == ["record", "report_up"]

    refused = login(engine.village_committee).post("/api/v1/matters/", body, content_type="application/json")
    assert refused.status_code == 403
    assert Matter.objects.count() == 1
