"""不漏一户、不漏一人: each check finds exactly the gaps made here, and none in a fully covered area."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.coverage import queries
from gridgov.households import actions as household_actions
from gridgov.households.models import Household
from gridgov.personnel import actions as personnel_actions
from gridgov.personnel.choices import AppointmentRole
from gridgov.personnel.tests.helpers import assert_page_queries, serve
from gridgov.places.choices import PlaceKind
from gridgov.testing import make_place, new_id_number

BOUNDS = {"GRIDGOV_GRID_MIN_HOUSEHOLDS": 1, "GRIDGOV_GRID_MAX_HOUSEHOLDS": 10, "GRIDGOV_CLUSTER_MAX_HOUSEHOLDS": 5}


@pytest.fixture(autouse=True)
def bounds(settings):
    for name, value in BOUNDS.items():
        setattr(settings, name, value)


@pytest.fixture
def covered(world):
    """Every grid staffed, sized within bounds, every household in a grid and a cluster: no gaps."""
    cluster_c1 = make_place("520330113201010201", "桂园村第2网格第1联户", PlaceKind.CLUSTER, world.grid_c)
    household_actions.create_household(
        world.town_staff,
        number="H-C-001",
        grid=world.grid_c,
        cluster=cluster_c1,
        address="桂园村一组20号",
        house_type="self_built",
    )
    staff = {}
    for key, grid in (("a", world.grid_a), ("b", world.grid_b), ("c", world.grid_c)):
        staff[f"leader_{key}"] = serve(world, AppointmentRole.GRID_LEADER, grid, f"网格长{key}")
        staff[f"worker_{key}"] = serve(world, AppointmentRole.GRID_WORKER, grid, f"网格员{key}")
    return staff


@pytest.fixture
def gaps(world, covered):
    """Exactly one gap of each kind (grid B loses its worker; a new grid D is empty and unstaffed)."""
    town = world.town_staff
    household_actions.create_household(
        town, number="H-C-002", grid=world.grid_c, cluster=None, address="桂园村一组21号", house_type="self_built"
    )
    Household.objects.create(
        path=world.village_b.code, number="H-X-001", address="永盛村散居户", grid=None, cluster=None
    )
    homeless = household_actions.add_resident(
        town,
        household_actions.ResidentInput(name="流动人员甲", id_number=new_id_number(dt.date(1990, 2, 2))),
        household=None,
        place=world.grid_a,
    )
    for i in range(5):  # cluster A1: 1 + 5 = 6 households > 5
        household_actions.create_household(
            town,
            number=f"H-A-1{i:02d}",
            grid=world.grid_a,
            cluster=world.cluster_a1,
            address=f"桂园村一组{30 + i}号",
            house_type="self_built",
        )
    personnel_actions.end_term(town, covered["worker_b"], ended_on=dt.date(2027, 1, 1), reason="调动")
    grid_d = make_place("5203301132010103", "桂园村第3网格", PlaceKind.GRID, world.group_a)
    return {"grid_d": grid_d, "homeless": homeless}


def summary(report):
    return {c.key: [(r.code, r.label, r.detail) for r in c.rows] for c in report.checks}


def counts(report):
    return {c.key: c.count for c in report.checks}


def test_a_fully_covered_area_has_no_gaps(world, covered):
    report = queries.coverage(world.town, world.town_staff)
    assert counts(report) == {
        "households_unplaced": 0,
        "residents_without_household": 0,
        "grids_out_of_bounds": 0,
        "clusters_over_max": 0,
        "grids_unstaffed": 0,
    }
    assert report.total == 0


def test_checks_find_exactly_the_gaps_made(world, gaps):
    report = queries.coverage(world.town, world.town_staff)
    assert summary(report) == {
        "households_unplaced": [
            (world.grid_c.code, "H-C-002 桂园村一组21号", "未划入联户"),
            (world.village_b.code, "H-X-001 永盛村散居户", "未划入网格"),
        ],
        "residents_without_household": [(world.grid_a.code, "流动人员甲", gaps["homeless"].id_number_masked)],
        "grids_out_of_bounds": [(gaps["grid_d"].code, "桂园村第3网格", "0 户（少于规定）")],
        "clusters_over_max": [(world.cluster_a1.code, "桂园村第1网格第1联户", "6 户")],
        "grids_unstaffed": [
            (gaps["grid_d"].code, "桂园村第3网格", "缺网格长、网格员"),
            (world.grid_b.code, "永盛村第1网格", "缺网格员"),
        ],
    }
    assert gaps["homeless"].id_number_masked.startswith("520330********")
    assert counts(report) == {
        "households_unplaced": 2,
        "residents_without_household": 1,
        "grids_out_of_bounds": 1,
        "clusters_over_max": 1,
        "grids_unstaffed": 2,
    }
    assert [(child.code, [n for _, n in row]) for child, row in report.breakdown()] == [
        (world.village_a.code, [1, 1, 1, 1, 1]),
        (world.village_b.code, [1, 0, 0, 0, 1]),
    ]


def test_grid_over_the_maximum_is_found(world, covered, settings):
    settings.GRIDGOV_GRID_MAX_HOUSEHOLDS = 0
    report = queries.coverage(world.village_b, world.town_staff)
    assert summary(report)["grids_out_of_bounds"] == [(world.grid_b.code, "永盛村第1网格", "1 户（多于规定）")]


def test_a_grid_with_only_a_nominated_worker_is_still_unstaffed(world, covered):
    personnel_actions.end_term(world.town_staff, covered["worker_a"], ended_on=dt.date(2027, 1, 1), reason="调动")
    personnel_actions.nominate(
        world.town_staff,
        place=world.grid_a,
        role=AppointmentRole.GRID_WORKER,
        person_name="候选人",
        nominated_by="群众推荐",
    )
    report = queries.coverage(world.town, world.town_staff)
    assert summary(report)["grids_unstaffed"] == [(world.grid_a.code, "桂园村第1网格", "缺网格员")]


def test_village_committee_sees_only_its_villages_gaps(world, gaps):
    report = queries.coverage(world.village_a, world.village_committee)
    assert counts(report) == {
        "households_unplaced": 1,
        "residents_without_household": 1,
        "grids_out_of_bounds": 1,
        "clusters_over_max": 1,
        "grids_unstaffed": 1,
    }


def test_grid_worker_sees_only_their_grid(world, gaps):
    report = queries.coverage(world.grid_a, world.grid_worker_a)
    assert counts(report) == {
        "households_unplaced": 0,
        "residents_without_household": 1,
        "grids_out_of_bounds": 0,
        "clusters_over_max": 1,
        "grids_unstaffed": 0,
    }


# ---------------------------------------------------------------- the page


def test_page_defaults_to_the_users_place_and_links_the_rows(world, gaps, login):
    response = login(world.town_staff).get("/coverage/")
    assert response.status_code == 200
    assert response.context["place"] == world.town
    html = response.content.decode()
    assert f'href="/personnel/grids/{gaps["grid_d"].code}/"' in html
    assert f'href="/personnel/grids/{world.grid_a.code}/">桂园村第1网格第1联户</a>' in html
    assert "H-X-001 永盛村散居户" in html and "流动人员甲" in html
    assert '<a href="/coverage/" aria-current="page">覆盖检查</a>' in html  # the menu marks the page shown


def test_page_for_a_place_within_scope(world, gaps, login):
    response = login(world.town_staff).get(f"/coverage/?place={world.village_b.code}")
    assert counts(response.context["report"]) == {
        "households_unplaced": 1,
        "residents_without_household": 0,
        "grids_out_of_bounds": 0,
        "clusters_over_max": 0,
        "grids_unstaffed": 1,
    }


@pytest.mark.parametrize(
    "who, place", [("village_committee", "village_b"), ("grid_worker_b", "grid_a"), ("grid_worker_a", "town")]
)
def test_page_for_a_place_outside_scope_is_404(world, gaps, login, who, place):
    response = login(getattr(world, who)).get(f"/coverage/?place={getattr(world, place).code}")
    assert response.status_code == 404
    assert "H-X-001" not in response.content.decode()


def test_page_query_count_is_fixed(world, covered, login):
    client = login(world.town_staff)
    # the place, 3 per household/resident check (count, per child, list), 1 per grid/cluster check,
    # the children, the breadcrumbs
    with assert_page_queries(12):
        assert client.get("/coverage/").status_code == 200


def test_page_query_count_does_not_grow_with_the_gaps(world, gaps, login):
    client = login(world.town_staff)
    with assert_page_queries(12):
        assert client.get("/coverage/").status_code == 200


# ---------------------------------------------------------------- the command


def test_command_prints_the_gaps_per_place(world, gaps):
    out = StringIO()
    call_command("coverage_check", "--place", world.town.code, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:8] == [
        "== 覆盖检查：寨坝镇（乡镇/街道 520330113）",
        "网格规模 1–10 户；联户不超过 5 户",
        "未划入网格或联户的户：2",
        "未落户的居民：1",
        "规模超出范围的网格：1",
        "超出规模的联户：1",
        "缺网格长或网格员的网格：2",
        "-- 按下级地域",
    ]
    every_check_once = [f"{label} 1" for label in queries.LABELS.values()]
    assert "桂园村（520330113201）：" + "，".join(every_check_once) in lines
    assert "永盛村（520330113202）：未划入网格或联户的户 1，缺网格长或网格员的网格 1" in lines
    assert f"  {world.village_b.code}  H-X-001 永盛村散居户  未划入网格" in lines
    assert f"  {gaps['grid_d'].code}  桂园村第3网格  缺网格长、网格员" in lines
    assert f"  {world.cluster_a1.code}  桂园村第1网格第1联户  6 户" in lines


def test_command_without_place_covers_each_top_place(world, covered):
    out = StringIO()
    call_command("coverage_check", stdout=out)
    assert out.getvalue().splitlines() == [
        "== 覆盖检查：习水县（县/区 520330）",
        "网格规模 1–10 户；联户不超过 5 户",
        "未划入网格或联户的户：0",
        "未落户的居民：0",
        "规模超出范围的网格：0",
        "超出规模的联户：0",
        "缺网格长或网格员的网格：0",
        "未发现遗漏",
    ]


def test_command_rejects_an_unknown_place(world):
    with pytest.raises(CommandError, match="地域代码 999 不存在"):
        call_command("coverage_check", "--place", "999", stdout=StringIO())
