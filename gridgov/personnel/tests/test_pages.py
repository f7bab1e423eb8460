"""Roster, appointment list and detail, and the workflow forms (plain and HTMX)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.personnel import actions
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup
from gridgov.personnel.tests.helpers import TERM_END, TERM_START, assert_page_queries, serve, snapshot

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staffed(world):
    """Grid A with a leader, a worker, a cluster leader, a party group, a chat group and a patrol team."""
    leader = serve(world, AppointmentRole.GRID_LEADER, world.grid_a, "张长")
    worker = serve(world, AppointmentRole.GRID_WORKER, world.grid_a, "李员")
    cluster = serve(world, AppointmentRole.CLUSTER_LEADER, world.cluster_a1, "王联")
    other = serve(world, AppointmentRole.GRID_WORKER, world.grid_b, "赵乙")
    actions.register_party_group(world.town_staff, village=world.village_a, name="桂园党小组", grids=[world.grid_a])
    actions.register_chat_group(world.town_staff, grid=world.grid_a, name="桂园好邻居群", member_count=40)
    team = actions.register_patrol_team(world.town_staff, place=world.town, name="镇巡逻队", grids=[world.grid_a])
    member = actions.add_patrol_member(world.town_staff, team, person_name="孙巡", nominated_by="推荐")
    actions.appoint(world.town_staff, actions.review(world.town_staff, member), term_start=TERM_START)
    return {"leader": leader, "worker": worker, "cluster": cluster, "other": other}


def roster_url(grid):
    return f"/personnel/grids/{grid.code}/"


# ---------------------------------------------------------------- the roster


def test_roster_shows_everyone_of_the_grid(world, staffed, login):
    response = login(world.grid_worker_a).get(roster_url(world.grid_a))
    assert response.status_code == 200
    roster = response.context["roster"]
    assert [a.person_name for a in roster.leaders] == ["张长"]
    assert [a.person_name for a in roster.workers] == ["李员"]
    assert [(row.cluster.code, [a.person_name for a in row.leaders]) for row in roster.clusters] == [
        (world.cluster_a1.code, ["王联"])
    ]
    assert [g.name for g in roster.party_groups] == ["桂园党小组"]
    assert [g.name for g in roster.chat_groups] == ["桂园好邻居群"]
    assert [(t.name, [m.person_name for m in t.current_members]) for t in roster.patrol_teams] == [
        ("镇巡逻队", ["孙巡"])
    ]
    html = response.content.decode()
    assert "赵乙" not in html  # grid B's worker
    assert "提名人员" not in html  # a grid worker does not nominate


def test_roster_marks_a_grid_without_leader_or_worker(world, login):
    response = login(world.village_committee).get(roster_url(world.grid_c))
    html = response.content.decode()
    assert "本网格尚无在任网格长" in html and "本网格尚无在任网格员" in html
    assert "提名人员" in html


def test_cluster_leader_reads_the_roster_of_their_grid(world, staffed, login):
    client = login(world.cluster_leader_a1)
    response = client.get(roster_url(world.grid_a))
    assert response.status_code == 200
    assert [a.person_name for a in response.context["roster"].workers] == ["李员"]
    html = response.content.decode()
    assert "李员" in html and f"/personnel/appointments/{staffed['worker'].pk}/" not in html
    assert client.get(f"/personnel/appointments/{staffed['worker'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "who, grid",
    [
        ("grid_worker_b", "grid_a"),
        ("grid_worker_a", "grid_b"),
        ("grid_worker_a", "grid_c"),
        ("cluster_leader_a1", "grid_c"),
        ("village_committee", "grid_b"),
    ],
)
def test_roster_of_a_grid_outside_scope_is_404(world, staffed, login, who, grid):
    response = login(getattr(world, who)).get(roster_url(getattr(world, grid)))
    assert response.status_code == 404
    assert "李员" not in response.content.decode()


def test_roster_of_a_place_that_is_not_a_grid_is_404(world, login):
    client = login(world.town_staff)
    assert client.get(f"/personnel/grids/{world.village_a.code}/").status_code == 404
    assert client.get(f"/personnel/grids/{world.cluster_a1.code}/").status_code == 404
    assert client.get("/personnel/grids/abc/").status_code == 404


def test_roster_query_count_is_fixed(world, staffed, login):
    client = login(world.village_committee)
    # grid, appointments, clusters, party groups, chat groups, patrol teams, their members
    with assert_page_queries(7):
        assert client.get(roster_url(world.grid_a)).status_code == 200
    for i in range(5):
        serve(world, AppointmentRole.VOLUNTEER, world.grid_a, f"志愿者{i}")
        actions.register_chat_group(world.town_staff, grid=world.grid_a, name=f"群{i}")
    with assert_page_queries(7):
        assert client.get(roster_url(world.grid_a)).status_code == 200


# ---------------------------------------------------------------- the appointment list


def test_list_is_scoped_and_filters_by_role_and_status(world, staffed, login):
    client = login(world.village_committee)
    names = [a.person_name for a in client.get("/personnel/").context["page"].rows]
    assert sorted(names) == ["张长", "李员", "王联"]
    names = [a.person_name for a in client.get("/personnel/?role=grid_leader").context["page"].rows]
    assert names == ["张长"]
    actions.end_term(world.village_committee, staffed["worker"], ended_on=dt.date(2027, 1, 1), reason="调动")
    names = [a.person_name for a in client.get("/personnel/?status=ended").context["page"].rows]
    assert names == ["李员"]
    names = [a.person_name for a in client.get(f"/personnel/?place={world.cluster_a1.code}").context["page"].rows]
    assert names == ["王联"]


def test_list_offers_nomination_and_registration_by_role(world, login):
    html = login(world.village_committee).get("/personnel/").content.decode()
    assert "/personnel/nominate/" in html and "/personnel/party-groups/new/" in html
    html = login(world.grid_worker_a, Client()).get("/personnel/").content.decode()
    assert "/personnel/nominate/" not in html and "/personnel/party-groups/new/" not in html


def test_list_for_another_villages_place_is_empty(world, staffed, login):
    response = login(world.village_committee).get(f"/personnel/?place={world.grid_b.code}")
    assert response.context["page"].rows == []
    assert "赵乙" not in response.content.decode()


def test_list_query_count_is_fixed(world, staffed, login):
    client = login(world.town_staff)
    # filter places, appointments page, its total (共 N 条)
    with assert_page_queries(3):
        assert client.get("/personnel/").status_code == 200
    for i in range(5):
        serve(world, AppointmentRole.GRID_WORKER, world.grid_c, f"网格员{i}")
    with assert_page_queries(3):
        assert client.get("/personnel/").status_code == 200


# ---------------------------------------------------------------- detail and workflow forms


def test_detail_shows_forms_only_to_reviewers(world, nominated, login):
    html = login(world.village_committee).get(f"/personnel/appointments/{nominated.pk}/").content.decode()
    assert "评议通过" in html and "不予通过" in html
    html = login(world.grid_worker_a, Client()).get(f"/personnel/appointments/{nominated.pk}/").content.decode()
    assert "赵小红" in html
    assert "评议通过" not in html and '<form method="post" action="/personnel/appointments/' not in html


def test_detail_out_of_scope_is_404(world, nominated, login):
    assert login(world.grid_worker_b).get(f"/personnel/appointments/{nominated.pk}/").status_code == 404


def test_detail_query_count_is_fixed(world, appointed, login):
    client = login(world.village_committee)
    with assert_page_queries(1):  # the appointment with its relations
        assert client.get(f"/personnel/appointments/{appointed.pk}/").status_code == 200


def test_review_appoint_and_end_through_the_forms(world, nominated, login):
    client = login(world.village_committee)
    url = f"/personnel/appointments/{nominated.pk}"
    response = client.post(f"{url}/review/", {"review-note": "同意", "review-reviewed_on": "2026-03-10"})
    assert response.status_code == 302
    response = client.post(
        f"{url}/appoint/",
        {"appoint-term_start": "2026-04-01", "appoint-term_end": "2029-03-31", "appoint-account": "grid_a"},
    )
    assert response.status_code == 302
    a = Appointment.objects.get(pk=nominated.pk)
    assert (a.status, a.reviewed_on, a.term_start, a.term_end, a.user_id) == (
        AppointmentStatus.APPOINTED,
        dt.date(2026, 3, 10),
        TERM_START,
        TERM_END,
        world.grid_worker_a.pk,
    )
    response = client.post(f"{url}/end/", {"end-ended_on": "2027-06-30", "end-reason": "外出务工"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.ended_on, a.end_reason) == (AppointmentStatus.ENDED, dt.date(2027, 6, 30), "外出务工")


def test_htmx_review_answers_with_the_card(world, nominated, login):
    response = login(world.village_committee).post(
        f"/personnel/appointments/{nominated.pk}/review/", {"review-reviewed_on": "2026-03-10"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section class="card" id="appointment-card">')
    assert "已保存：两委已评议" in html and "任命" in html
    assert Appointment.objects.get(pk=nominated.pk).status == AppointmentStatus.REVIEWED


def test_reject_form_without_reason_changes_nothing(world, nominated, login):
    before = snapshot(nominated)
    client = login(world.village_committee)
    response = client.post(
        f"/personnel/appointments/{nominated.pk}/reject/", {"reject-reason": "", "reject-rejected_on": "2026-03-10"}
    )
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "This field is required" in response.content.decode()
    response = client.post(
        f"/personnel/appointments/{nominated.pk}/reject/",
        {"reject-reason": "   ", "reject-rejected_on": "2026-03-10"},
        **HTMX,
    )
    assert response.status_code == 200
    assert snapshot(nominated) == before


def test_grid_worker_posting_appoint_is_refused_and_nothing_changes(world, reviewed, login):
    before = snapshot(reviewed)
    response = login(world.grid_worker_a).post(
        f"/personnel/appointments/{reviewed.pk}/appoint/", {"appoint-term_start": "2026-04-01"}
    )
    assert response.status_code == 403
    assert "只有该村（居）委会或上级综治中心可以任命" in response.content.decode()
    assert snapshot(reviewed) == before


def test_cluster_leader_posting_review_is_refused(world, login):
    a = actions.nominate(
        world.village_committee,
        place=world.cluster_a1,
        role=AppointmentRole.CLUSTER_LEADER,
        person_name="周联",
        nominated_by="群众推荐",
    )
    before = snapshot(a)
    response = login(world.cluster_leader_a1).post(
        f"/personnel/appointments/{a.pk}/review/", {"review-reviewed_on": "2026-03-10"}
    )
    assert response.status_code == 403
    assert snapshot(a) == before


def test_posting_out_of_scope_is_404_and_nothing_changes(world, nominated, login):
    before = snapshot(nominated)
    response = login(world.grid_worker_b).post(
        f"/personnel/appointments/{nominated.pk}/review/", {"review-reviewed_on": "2026-03-10"}
    )
    assert response.status_code == 404
    assert snapshot(nominated) == before


def test_wrong_state_through_the_form_is_refused(world, nominated, login):
    before = snapshot(nominated)
    response = login(world.village_committee).post(
        f"/personnel/appointments/{nominated.pk}/end/", {"end-ended_on": "2027-01-01", "end-reason": "x"}
    )
    assert response.status_code == 403
    assert "不能办理离任" in response.content.decode()
    assert snapshot(nominated) == before


def test_workflow_urls_refuse_get(world, nominated, login):
    assert login(world.village_committee).get(f"/personnel/appointments/{nominated.pk}/review/").status_code == 405


# ---------------------------------------------------------------- nomination and registration forms


def test_nomination_form_offers_today_as_an_iso_date(world, login):
    html = (
        login(world.village_committee).get(f"/personnel/nominate/?place={world.grid_a.code}&role=grid_leader").content
    )
    html = html.decode()
    assert f'type="date" name="nominated_on" value="{timezone.localdate().isoformat()}"' in html
    assert f'value="{world.grid_a.code}"' in html
    assert '<option value="grid_leader" selected>' in html


def test_nomination_form_links_a_resident_by_id_number(world, login):
    response = login(world.village_committee).post(
        "/personnel/nominate/",
        {
            "place_code": world.grid_a.code,
            "role": "grid_worker",
            "id_number": "520330198005171232",
            "nominated_by": "群众推荐",
            "nominated_on": "2026-03-01",
        },
    )
    a = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/personnel/appointments/{a.pk}/"
    assert (a.resident_id, a.person_name, a.status) == (world.resident_a.pk, "王建国", AppointmentStatus.NOMINATED)


def test_nomination_form_does_not_find_residents_outside_scope(world, login):
    response = login(world.village_committee).post(
        "/personnel/nominate/",
        {
            "place_code": world.grid_a.code,
            "role": "grid_worker",
            "id_number": world.resident_b.reveal_id_number(),
            "nominated_by": "x",
            "nominated_on": "2026-03-01",
        },
    )
    assert response.status_code == 400
    assert "在您的管辖范围内没有登记该身份证号的居民" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_nomination_form_refuses_grid_workers(world, login):
    response = login(world.grid_worker_a).post(
        "/personnel/nominate/",
        {
            "place_code": world.grid_a.code,
            "role": "grid_worker",
            "person_name": "某人",
            "nominated_by": "x",
            "nominated_on": "2026-03-01",
        },
    )
    assert response.status_code == 403
    assert Appointment.objects.count() == 0


def test_nomination_form_place_outside_scope(world, login):
    response = login(world.village_committee).post(
        "/personnel/nominate/",
        {
            "place_code": world.grid_b.code,
            "role": "grid_worker",
            "person_name": "某人",
            "nominated_by": "x",
            "nominated_on": "2026-03-01",
        },
    )
    assert response.status_code == 400
    assert f"地域代码 {world.grid_b.code} 不存在或不在您的管辖范围内" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_registration_forms(world, login):
    client = login(world.village_committee)
    response = client.post(
        "/personnel/party-groups/new/",
        {
            "village_code": world.village_a.code,
            "name": "党小组一",
            "grid_codes": f"{world.grid_a.code}, {world.grid_c.code}",
        },
    )
    assert response.status_code == 302 and response["Location"] == roster_url(world.grid_a)
    assert sorted(PartyGroup.objects.get().grids.values_list("code", flat=True)) == [
        world.grid_a.code,
        world.grid_c.code,
    ]
    response = client.post(
        "/personnel/chat-groups/new/", {"grid_code": world.grid_c.code, "name": "二网格群", "member_count": "12"}
    )
    assert response.status_code == 302
    assert ChatGroup.objects.get().member_count == 12
    response = client.post(
        "/personnel/patrol-teams/new/",
        {"place_code": world.village_a.code, "name": "桂园巡逻队", "grid_codes": world.grid_a.code},
    )
    assert response.status_code == 302
    assert client.get("/personnel/party-groups/new/").status_code == 200


def test_menu_has_the_personnel_entry(world, login):
    response = login(world.grid_worker_a).get("/personnel/")
    assert '<a href="/personnel/">人员</a>' in response.content.decode()
