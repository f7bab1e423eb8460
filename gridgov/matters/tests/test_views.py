"""Matter pages: scoping, intake through the actions, action forms (allowed and refused), lists and queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.matters import actions, queries
from gridgov.matters.models import DeadlineRule, Matter, MatterEvent
from gridgov.matters.tests.helpers import category, record

HX = {"HTTP_HX_REQUEST": "true"}


def detail(matter) -> str:
    return reverse("matters:detail", args=[matter.pk])


def act_url(matter, action: str) -> str:
    return reverse("matters:act", args=[matter.pk, action])


# ---------------------------------------------------------------- access


def test_matter_out_of_scope_is_404_and_shows_nothing(engine, login):
    matter = record(engine.grid_worker_a, title="王家与母家地界纠纷")
    client = login(engine.grid_worker_b)
    response = client.get(detail(matter))
    assert response.status_code == 404
    assert "王家与母家地界纠纷" not in response.content.decode()
    listing = client.get(reverse("matters:list")).content.decode()
    assert "王家与母家地界纠纷" not in listing


def test_liaison_sees_only_matters_routed_to_their_department(engine, login):
    routed = record(engine.grid_worker_a, title="已交办的纠纷")
    other = record(engine.grid_worker_a, title="未交办的纠纷")
    actions.report_up(engine.grid_worker_a, routed, reason="需村委会调解")
    actions.report_up(engine.village_committee, routed, reason="村级调解不成")
    actions.route_to_department(engine.town_staff, routed, engine.judicial)
    client = login(engine.department_liaison)
    assert client.get(detail(routed)).status_code == 200
    assert client.get(detail(other)).status_code == 404
    listing = client.get(reverse("matters:list")).content.decode()
    assert "已交办的纠纷" in listing
    assert "未交办的纠纷" not in listing
    queue = client.get(reverse("matters:queue")).content.decode()
    assert "已交办的纠纷" in queue


def test_auditor_cannot_open_matter_pages(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.auditor)
    assert client.get(reverse("matters:list")).status_code == 404
    assert client.get(detail(matter)).status_code == 404


def test_menu_offers_matters_and_queue(engine, login):
    page = login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode()
    assert f'href="{reverse("matters:queue")}">待办</a>' in page
    assert f'href="{reverse("matters:list")}">事项</a>' in page


# ---------------------------------------------------------------- intake


def intake_data(**over):
    cat = category("dispute.land_forest")
    data = {
        "kind": "dispute",
        "category": str(cat.pk),
        "title": "王家与母家地界纠纷",
        "description": "两家因承包地地界起争执",
        "channel": "visit",
        "color": "yellow",
        "reporter_type": "resident",
        "reporter_lookup": "520330198005171232",
        "x_subtype": "地界",
        "x_area_mu": "0.3",
    }
    data.update(over)
    return data


def test_intake_by_id_number_records_through_the_action(engine, login):
    client = login(engine.grid_worker_a)
    response = client.post(reverse("matters:create"), intake_data())
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(matter)
    assert (matter.kind, matter.color, matter.state, matter.level, matter.holder_place) == (
        "dispute",
        "yellow",
        "in_progress",
        "grid",
        engine.grid_a,
    )
    assert matter.reporter_resident == engine.resident_a
    assert matter.household == engine.household_a
    assert matter.extra == {"subtype": "地界", "area_mu": 0.3}
    assert list(MatterEvent.objects.filter(matter=matter).values_list("action", flat=True)) == ["record"]


def test_intake_by_name_and_anonymous_and_outsider(engine, login):
    client = login(engine.grid_worker_a)
    client.post(reverse("matters:create"), intake_data(reporter_lookup="王建国", title="按姓名"))
    client.post(
        reverse("matters:create"),
        intake_data(
            reporter_type="outsider", reporter_lookup="", reporter_name="赵路人", reporter_phone="13912345678",
            household_number="H-A-001", title="外来人员",
        ),
    )  # fmt: skip
    client.post(
        reverse("matters:create"),
        intake_data(reporter_type="anonymous", reporter_lookup="", place=str(engine.grid_a.pk), title="匿名"),
    )
    rows = {m.title: m for m in Matter.objects.all()}
    assert rows["按姓名"].reporter_resident == engine.resident_a
    assert (rows["外来人员"].reporter_name, rows["外来人员"].reporter_phone_masked) == ("赵路人", "139****5678")
    assert (rows["匿名"].reporter_type, rows["匿名"].household, rows["匿名"].path) == (
        "anonymous",
        None,
        engine.grid_a.code,
    )


def test_intake_refuses_resident_out_of_scope_and_records_nothing(engine, login):
    client = login(engine.grid_worker_b)
    response = client.post(reverse("matters:create"), intake_data())
    assert response.status_code == 400
    assert "辖区内没有找到该居民" in response.content.decode()
    assert Matter.objects.count() == 0


def test_intake_shows_extra_field_errors_from_the_category_schema(engine, login):
    client = login(engine.grid_worker_a)
    response = client.post(reverse("matters:create"), intake_data(x_subtype="不存在的选项"))
    assert response.status_code == 400
    assert Matter.objects.count() == 0


def test_category_select_follows_kind_by_htmx(engine, login):
    client = login(engine.grid_worker_a)
    html = client.get(reverse("matters:category_options"), {"kind": "appeal"}, **HX).content.decode()
    assert "其他诉求" in html
    assert "山林土地纠纷" not in html
    assert 'name="answer_type"' in html
    assert '<div id="extra-fields" hx-swap-oob="true"></div>' in html
    cat = category("dispute.land_forest")
    extra = client.get(reverse("matters:extra_fields"), {"category": cat.pk}, **HX).content.decode()
    assert 'name="x_subtype"' in extra
    assert 'name="x_area_mu"' in extra


def test_cluster_leader_quick_report_lands_in_their_cluster(engine, login):
    client = login(engine.cluster_leader_a1)
    response = client.post(reverse("matters:quick_report"), {"what": "路灯坏了", "where": "村口", "color": "blue"})
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert (matter.title, matter.description, matter.path, matter.recorded_by) == (
        "路灯坏了",
        "地点：村口",
        engine.cluster_leader_a1.place.code,
        engine.cluster_leader_a1,
    )
    assert client.get(reverse("matters:create")).status_code == 302


# ---------------------------------------------------------------- actions through the page


def test_detail_offers_exactly_the_available_actions(engine, login):
    matter = record(engine.grid_worker_a)
    page = login(engine.grid_worker_a).get(detail(matter)).content.decode()
    offered = {a for a in actions.GUARDS if f'id="action-{a}"' in page}
    assert offered == set(actions.available_actions(engine.grid_worker_a, matter))
    assert offered == {
        "resolve_on_spot", "report_up", "merge_as_duplicate", "schedule_mediation", "record_mediation",
        "record_agreement", "add_attachment", "edit_matter",
    }  # fmt: skip


def test_report_up_by_htmx_moves_the_matter_and_redirects(engine, login):
    matter = record(engine.grid_worker_a)
    client = login(engine.grid_worker_a)
    response = client.post(act_url(matter, "report_up"), {"report_up-reason": "需村委会调解"}, **HX)
    matter.refresh_from_db()
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail(matter)
    assert (matter.level, matter.holder_place) == ("village", engine.village_a)


def test_refused_action_shows_the_message_and_changes_nothing(engine, login):
    matter = record(engine.grid_worker_a)
    events = MatterEvent.objects.count()
    client = login(engine.grid_worker_a)
    response = client.post(act_url(matter, "close"), {"close-note": "想直接结案"}, **HX)
    matter.refresh_from_db()
    assert response.status_code == 200
    assert "事项当前为“办理中”，不能结案" in response.content.decode()
    assert (matter.state, matter.is_open) == ("in_progress", True)
    assert MatterEvent.objects.count() == events


def test_refused_action_message_is_the_guards(engine, login):
    matter = record(engine.grid_worker_a)
    with pytest.raises(actions.ActionRefused) as refused:
        actions.can_route_to_department(engine.grid_worker_a, matter)
    response = login(engine.grid_worker_a).post(
        act_url(matter, "route_to_department"), {"route_to_department-department": engine.judicial.pk}
    )
    assert response.status_code == 400
    assert str(refused.value) in response.content.decode()
    matter.refresh_from_db()
    assert matter.holder_department is None


def test_action_on_out_of_scope_matter_is_404_and_changes_nothing(engine, login):
    matter = record(engine.grid_worker_a)
    response = login(engine.grid_worker_b).post(act_url(matter, "report_up"), {"report_up-reason": "越权"})
    matter.refresh_from_db()
    assert response.status_code == 404
    assert matter.level == "grid"


def test_bad_input_keeps_the_form_open_with_errors(engine, login):
    matter = record(engine.grid_worker_a)
    response = login(engine.grid_worker_a).post(act_url(matter, "report_up"), {"report_up-reason": ""}, **HX)
    assert "这个字段是必填项。" in response.content.decode()
    matter.refresh_from_db()
    assert matter.level == "grid"


def test_feedback_and_close_through_forms(engine, login):
    matter = record(engine.grid_worker_a)
    actions.resolve_on_spot(engine.grid_worker_a, matter, result="现场调解成功")
    client = login(engine.grid_worker_a)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        act_url(matter, "record_feedback"),
        {
            "record_feedback-method": "phone",
            "record_feedback-contacted_at": now,
            "record_feedback-said": "满意",
            "record_feedback-verdict": "accepted",
            "record_feedback-satisfaction": "5",
        },
    )
    client.post(act_url(matter, "close"), {"close-note": ""})
    matter.refresh_from_db()
    assert (matter.state, matter.is_open, matter.feedbacks.get().satisfaction) == ("closed", False, 5)


def test_overdue_matter_shows_badge_and_supervision_card(engine, login):
    DeadlineRule.objects.update(auto_escalate=False)  # stay at the grid, carded
    matter = record(engine.grid_worker_a)
    later = matter.deadline_at + dt.timedelta(minutes=1)
    assert queries.flag_overdue(later).yellow == 1
    page = login(engine.grid_worker_a).get(detail(matter)).content.decode()
    assert '<span class="badge bad" id="overdue">已超期</span>' in page
    cards = page[page.index('id="supervisions"') : page.index("</section>", page.index('id="supervisions"'))]
    assert "黄牌督办" in cards
    assert "桂园村第1网格超过办理时限" in cards


def test_cluster_leader_sees_own_report_without_actions(engine, login):
    client = login(engine.cluster_leader_a1)
    assert 'name="what"' in client.get(reverse("matters:quick_report")).content.decode()
    client.post(reverse("matters:quick_report"), {"what": "路灯坏了", "where": "村口", "color": "blue"})
    matter = Matter.objects.get()
    page = client.get(detail(matter)).content.decode()
    assert "路灯坏了" in page
    offered = {a for a in actions.GUARDS if f'id="action-{a}"' in page}
    assert offered == {"add_attachment"}  # a photo of what they reported, nothing else
    other = record(engine.grid_worker_a, title="网格员登记的纠纷")
    assert client.get(detail(other)).status_code == 404


def test_invalid_filters_are_ignored(engine, login):
    record(engine.grid_worker_a, title="王家与母家地界纠纷")
    page = login(engine.grid_worker_a).get(reverse("matters:list"), {"kind": "nope", "since": "x", "page": "zz"})
    assert page.status_code == 200
    assert "王家与母家地界纠纷" in page.content.decode()


def test_merge_by_reference_number(engine, login):
    original = record(engine.grid_worker_a, title="原事项")
    duplicate = record(engine.grid_worker_a, title="重复登记")
    client = login(engine.grid_worker_a)
    response = client.post(
        act_url(duplicate, "merge_as_duplicate"), {"merge_as_duplicate-original": original.reference}
    )
    duplicate.refresh_from_db()
    assert response.status_code == 302
    assert (duplicate.state, duplicate.duplicate_of) == ("merged", original)


def test_merge_into_matter_out_of_scope_is_refused(engine, login):
    theirs = record(engine.grid_worker_b, household=engine.household_b, title="别的网格")
    mine = record(engine.grid_worker_a, title="本网格")
    response = login(engine.grid_worker_a).post(
        act_url(mine, "merge_as_duplicate"), {"merge_as_duplicate-original": str(theirs.pk)}
    )
    mine.refresh_from_db()
    assert response.status_code == 400
    assert "原事项不存在或不在您的管辖范围内" in response.content.decode()
    assert (mine.state, mine.duplicate_of) == ("in_progress", None)


# ---------------------------------------------------------------- lists


def test_list_filters_and_two_character_search(engine, login):
    record(engine.grid_worker_a, title="王家与母家地界纠纷", color="yellow")
    record(engine.grid_worker_a, code="appeal.other", title="自来水管漏水", color="blue", household=None,
           place=engine.grid_a)  # fmt: skip
    client = login(engine.village_committee)

    def titles(**params):
        page = client.get(reverse("matters:list"), params).content.decode()
        return [t for t in ("王家与母家地界纠纷", "自来水管漏水") if t in page]

    assert titles() == ["王家与母家地界纠纷", "自来水管漏水"]
    assert titles(q="漏水") == ["自来水管漏水"]
    assert titles(q="地界") == ["王家与母家地界纠纷"]
    assert titles(kind="dispute") == ["王家与母家地界纠纷"]
    assert titles(color="blue") == ["自来水管漏水"]
    assert titles(state="closed") == []
    assert titles(place=engine.grid_b.code) == []
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert titles(since=tomorrow) == []


def test_queue_lists_overdue_first(engine, login):
    late = record(engine.grid_worker_a, title="超期的事项")
    record(engine.grid_worker_a, title="未超期的事项")
    Matter.objects.filter(pk=late.pk).update(overdue=True)
    page = login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode()
    assert page.index("超期的事项") < page.index("未超期的事项")


# ---------------------------------------------------------------- query counts

# session, user with place, one page of matters with category/holder/department, filter places, and the total
# (共 N 条): for a grid, whose matters the rollups do not keep, a COUNT (a search: its hits up to a cap)
QUERIES_LIST = 5
# session, user with place, one page of the queue with category/holder/department
QUERIES_QUEUE = 3
# session, user with place, the matter with its relations, guards of available_actions (holder's departments),
# timeline, mediation sessions + their mediators, agreements, feedbacks, supervisions, attachments; the action
# forms' choices (mediators for scheduling and recording, pending sessions, the departments to route to, the
# categories to edit to)
QUERIES_DETAIL = 15


def test_list_query_count_is_fixed(engine, login, django_assert_num_queries):
    for i in range(5):
        record(engine.grid_worker_a, title=f"纠纷{i}")
    client = login(engine.grid_worker_a)
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get(reverse("matters:list"))
    assert response.content.decode().count("纠纷4") == 1
    for i in range(5, 10):
        record(engine.grid_worker_a, title=f"纠纷{i}")
    with django_assert_num_queries(QUERIES_LIST + 1):  # the kind's categories for the filter
        response = client.get(reverse("matters:list"), {"q": "纠纷", "kind": "dispute", "color": "yellow"})
    assert response.content.decode().count("纠纷9") == 1


def test_queue_query_count_is_fixed(engine, login, django_assert_num_queries):
    for i in range(5):
        record(engine.grid_worker_a, title=f"纠纷{i}")
    client = login(engine.grid_worker_a)
    with django_assert_num_queries(QUERIES_QUEUE):
        response = client.get(reverse("matters:queue"))
    assert [response.content.decode().count(f"纠纷{i}") for i in range(5)] == [1, 1, 1, 1, 1]


def test_detail_query_count_does_not_grow_with_the_timeline(engine, login, django_assert_num_queries):
    matter = record(engine.grid_worker_a)
    actions.report_up(engine.grid_worker_a, matter, reason="上报村委会")
    client = login(engine.village_committee)
    session = actions.schedule_mediation(
        engine.village_committee, matter, scheduled_for=timezone.now(), mediators=[engine.elder_1, engine.elder_2]
    )
    with django_assert_num_queries(QUERIES_DETAIL):
        client.get(detail(matter))
    actions.record_mediation(engine.village_committee, matter, session=session, outcome="failure", summary="不成")
    actions.schedule_mediation(
        engine.village_committee, matter, scheduled_for=timezone.now(), mediators=[engine.elder_1]
    )
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(detail(matter))
    assert response.content.decode().count('class="action"') == 5
