"""Today's plan (overdue first) and coverage figures per grid and per worker, exact, from the visit rules."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from gridgov.visits import actions, queries
from gridgov.visits.choices import VisitStatus
from gridgov.visits.models import VulnerableMember


@pytest.fixture
def village(world, visit, add_households):
    """Grid A: 5 households, grid C: 2, grid B: 1, visited at known ages (default rule: 90 / 30 / 7 days).

    current = visited within 90 days; due = its date within the next 7 days; overdue = date passed.
    """
    a2 = add_households(world.town_staff, world.grid_a, world.cluster_a1, 4, "H-A2")
    c = add_households(world.town_staff, world.grid_c, None, 2, "H-C")
    visit(world.grid_worker_a, world.household_a, 10)  # due in 80 days: current
    visit(world.grid_worker_a, a2[0], 85)  # due in 5 days: current and due
    visit(world.grid_worker_a, a2[1], 100)  # 10 days overdue
    # a2[2] never visited
    visit(world.grid_worker_a, a2[3], 95, visitors=[world.grid_worker_a, world.village_committee])  # 5 days overdue
    visit(world.village_committee, c[0], 30)  # current
    # c[1] never visited
    visit(world.grid_worker_b, world.household_b, 200)  # older visit, outside the 90-day window
    visit(world.grid_worker_b, world.household_b, 3)  # current
    return {"a2": a2, "c": c}


def figures(row) -> tuple:
    return (row.label, row.households, row.current, row.due, row.overdue, row.never, row.visits, row.rate)


def test_grid_workers_plan_lists_never_visited_and_overdue_first_then_due(world, village):
    plan = queries.today_plan(world.grid_worker_a)
    assert [(r.household.number, r.status) for r in plan.households] == [
        ("H-A2-002", VisitStatus.NEVER),
        ("H-A2-001", VisitStatus.OVERDUE),
        ("H-A2-003", VisitStatus.OVERDUE),
        ("H-A2-000", VisitStatus.DUE),
    ]
    assert plan.households_more is False


def test_plan_is_limited_to_the_users_scope(world, village):
    plan = queries.today_plan(world.grid_worker_b)
    assert plan.households == []


def test_coverage_per_grid_and_worker_is_exact(world, village):
    report = queries.coverage(world.town_staff, world.town)
    assert figures(report.total) == ("寨坝镇", 8, 4, 1, 2, 2, 4, 50.0)
    assert [figures(r) for r in report.grids] == [
        ("桂园村第1网格", 5, 2, 1, 2, 1, 2, 40.0),
        ("桂园村第2网格", 2, 1, 0, 0, 1, 1, 50.0),
        ("永盛村第1网格", 1, 1, 0, 0, 0, 1, 100.0),
    ]
    assert [figures(r) for r in report.workers] == [
        ("网格员甲（桂园村第1网格）", 5, 2, 1, 2, 1, 2, 40.0),
        ("网格员乙（永盛村第1网格）", 1, 1, 0, 0, 0, 1, 100.0),
    ]


def test_coverage_of_a_grid_worker_covers_only_the_own_grid(world, village):
    report = queries.coverage(world.grid_worker_a, world.grid_a)
    assert figures(report.total) == ("桂园村第1网格", 5, 2, 1, 2, 1, 2, 40.0)
    assert [r.label for r in report.grids] == ["桂园村第1网格"]


def test_a_village_rule_redates_its_households_and_no_others(world, village):
    actions.set_visit_rule(world.town_staff, world.village_a, every_days=60, priority_every_days=20, remind_days=7)
    report = queries.coverage(world.town_staff, world.town)
    assert [figures(r)[:6] for r in report.grids] == [
        ("桂园村第1网格", 5, 1, 0, 3, 1),  # the 85-day-old visit is now 25 days overdue
        ("桂园村第2网格", 2, 1, 0, 0, 1),
        ("永盛村第1网格", 1, 1, 0, 0, 0),
    ]
    actions.remove_visit_rule(world.town_staff, world.village_a)
    report = queries.coverage(world.town_staff, world.town)
    assert figures(report.grids[0])[:6] == ("桂园村第1网格", 5, 2, 1, 2, 1)


def test_only_centre_staff_and_village_committees_set_rules(world):
    from gridgov.core.actions import ActionRefused
    from gridgov.visits.models import VisitRule

    with pytest.raises(ActionRefused):
        actions.set_visit_rule(world.grid_worker_a, world.grid_a, every_days=30, priority_every_days=7, remind_days=3)
    with pytest.raises(ActionRefused):
        actions.set_visit_rule(
            world.village_committee, world.village_b, every_days=30, priority_every_days=7, remind_days=3
        )
    assert list(VisitRule.objects.values_list("path", flat=True)) == [""]


# session, user with place, rules, households due by due class (one aggregate), vulnerable checks due (a count),
# the page of households due (one joined query); +1 for the total when more pages follow
QUERIES_TODAY = 6
# session, user with place, the place, rules, grouped households, grouped visits, grid names, workers,
# grouped worker visits, breadcrumbs
QUERIES_COVERAGE = 10


def test_today_page_lists_the_plan_at_a_fixed_query_count(
    world, village, login, add_households, django_assert_num_queries
):
    client = login(world.grid_worker_a)
    add_households(world.town_staff, world.grid_a, world.cluster_a1, 10, "H-A3")
    with django_assert_num_queries(QUERIES_TODAY):
        response = client.get("/visits/today/")
    body = response.content.decode()
    numbers = re.findall(r'href="/households/\d+/">([^<]+)</a>', body)
    assert numbers[:3] == ["H-A2-002", "H-A3-000", "H-A3-001"]
    assert numbers[-2:] == ["H-A2-003", "H-A2-000"]
    assert "H-B-001" not in body and "H-A-001" not in body


def test_coverage_page_at_a_fixed_query_count(world, village, login, django_assert_num_queries):
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_COVERAGE):
        response = client.get("/visits/coverage/")
    assert response.status_code == 200
    assert "桂园村第2网格" in response.content.decode()


def test_coverage_of_a_place_outside_scope_is_404(world, village, login):
    assert login(world.grid_worker_a).get(f"/visits/coverage/?place={world.grid_b.code}").status_code == 404


def _row_of(body: str, href: str) -> str:
    """The ``<tr>`` holding the link ``href``, whitespace between cells removed."""
    match = re.search(rf'<tr>\s*<td class="head"><a href="{re.escape(href)}">.*?</tr>', body, re.S)
    assert match, href
    return re.sub(r">\n\s*<", "><", match.group(0))


def test_today_page_rows_show_status_dates_and_links(world, village, login):
    a2 = village["a2"]
    member = actions.register_vulnerable(world.grid_worker_a, world.resident_a, category="living_alone")
    VulnerableMember.objects.filter(pk=member.pk).update(next_check_on=timezone.localdate() - dt.timedelta(days=3))
    client = login(world.grid_worker_a)
    body = client.get("/visits/today/?show=households").content.decode()
    checks = client.get("/visits/today/").content.decode()  # the first section with rows: the checks due
    today = timezone.localdate()

    def md(days: int) -> str:
        return f"{today + dt.timedelta(days=days):%m-%d}"

    def ymd(days: int) -> str:
        return f"{today - dt.timedelta(days=days):%Y-%m-%d}"

    assert _row_of(body, f"/households/{a2[2].pk}/") == (
        f'<tr><td class="head"><a href="/households/{a2[2].pk}/">H-A2-002</a></td>'
        '<td class="bare" data-label="户主">—</td><td class="block bare" data-label="住址">桂园村第1网格102号</td>'
        '<td data-label="状态"><span class="badge bad">从未走访</span></td><td data-label="最近走访">—</td>'
        f'<td class="bare"><a class="button secondary" href="/visits/new/?household={a2[2].pk}">记录走访</a></td></tr>'
    )
    assert (
        f'<span class="badge bad">逾期</span> <span class="muted">{md(-10)}</span></td>'
        f'<td data-label="最近走访">{ymd(100)}</td>' in _row_of(body, f"/households/{a2[1].pk}/")
    )
    assert (
        f'<span class="badge warn">即将到期</span> <span class="muted">{md(5)}</span></td>'
        f'<td data-label="最近走访">{ymd(85)}</td>' in _row_of(body, f"/households/{a2[0].pk}/")
    )
    assert _row_of(checks, f"/visits/vulnerable/{member.pk}/") == (
        f'<tr><td class="head"><a href="/visits/vulnerable/{member.pk}/">{world.resident_a.name}</a></td>'
        '<td data-label="类别">独居老人</td>'
        f'<td class="block bare" data-label="住址">{world.household_a.address}</td>'
        f'<td data-label="应探访">{ymd(3)} <span class="badge bad">逾期</span></td>'
        f'<td class="bare"><a class="button secondary" href="/visits/new/?household={world.household_a.pk}'
        f'&amp;member={member.pk}">记录探访</a></td></tr>'
    )
    tabs = (
        '<a href="?show=checks" aria-current="page">关爱对象待探访 <b>1</b></a>'
        '<a href="?show=households">待走访户 <b>4</b></a>'
    )
    assert tabs in checks
    assert "H-A2-002" not in checks  # one section at a time
