from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.households.models import Household, Resident
from gridgov.places.models import Place


def test_grid_worker_sees_only_own_grid(world):
    assert list(Household.objects.for_user(world.grid_worker_a)) == [world.household_a]
    assert list(Resident.objects.for_user(world.grid_worker_b)) == [world.resident_b]


def test_village_committee_sees_only_its_village(world):
    assert list(Household.objects.for_user(world.village_committee)) == [world.household_a]
    codes = set(Place.objects.for_user(world.village_committee).values_list("code", flat=True))
    assert codes == {"520330113201", "52033011320101", "5203301132010101", "5203301132010102", "520330113201010101"}


def test_town_and_county_staff_see_everything_below(world):
    both = [world.household_a, world.household_b]
    assert list(Household.objects.for_user(world.town_staff)) == both
    assert list(Household.objects.for_user(world.county_staff)) == both


def test_cluster_leader_sees_only_own_cluster(world):
    assert list(Resident.objects.for_user(world.cluster_leader_a1)) == [world.resident_a]


def test_administrators_and_liaisons_see_no_business_data(world):
    for user in (world.auditor, world.system_admin, world.security_admin, world.department_liaison):
        assert Household.objects.for_user(user).count() == 0
        assert Resident.objects.for_user(user).count() == 0
        assert Place.objects.for_user(user).count() == 0


def test_subtree_is_one_range_predicate_on_the_path_column(world):
    with CaptureQueriesContext(connection) as ctx:
        list(Household.objects.for_user(world.town_staff))
    sql = ctx.captured_queries[-1]["sql"]
    assert '"path" >= ' in sql and '"path" < ' in sql and "LIKE" not in sql.upper()


def test_subtree_query_uses_the_path_index(world):
    qs = Household.objects.for_user(world.town_staff).order_by("path", "id")[:50]
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "household_path_idx" in plan
    else:
        # Tiny tables may be sequentially scanned; force the planner to show the index is usable.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plan = qs.explain()
            cursor.execute("SET enable_seqscan = on")
        assert "household_path_idx" in plan
