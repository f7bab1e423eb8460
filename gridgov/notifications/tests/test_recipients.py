"""Who a matter's notices go to, read fresh on every event: one plain query per kind of holder."""

from gridgov.accounts.choices import Role
from gridgov.notifications.queries import accounts_for, holder_accounts
from gridgov.testing import make_user


def test_a_grid_is_held_by_its_workers_and_the_grid_leaders_of_the_grid_or_its_village(engine, db):
    w = engine.world
    village_leader = make_user("leader_v", Role.GRID_LEADER, w.village_a)
    make_user("leader_b", Role.GRID_LEADER, w.grid_b)  # another grid's leader
    expected = sorted([w.grid_worker_a.pk, engine.grid_leader_a.pk, village_leader.pk])
    assert accounts_for([w.grid_a.code]) == expected


def test_a_village_a_town_and_a_county_are_held_by_their_own_staff_only(engine):
    w = engine.world
    assert accounts_for([w.village_a.code]) == [w.village_committee.pk]
    assert accounts_for([w.town.code]) == [w.town_staff.pk]
    assert accounts_for([w.county.code]) == [w.county_staff.pk]
    assert accounts_for(["52"]) == []  # no unit has that code length


def test_an_account_created_moved_or_deactivated_a_moment_ago_counts_as_it_is_now(engine):
    w = engine.world
    newcomer = make_user("newcomer", Role.GRID_WORKER, w.grid_a)
    assert newcomer.pk in accounts_for([w.grid_a.code])

    newcomer.place = w.grid_b
    newcomer.save(update_fields=["place"])
    assert newcomer.pk not in accounts_for([w.grid_a.code])
    assert newcomer.pk in accounts_for([w.grid_b.code])

    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    assert newcomer.pk not in accounts_for([w.grid_b.code])


def test_a_department_is_held_by_its_active_liaisons(engine):
    w = engine.world
    assert holder_accounts(w.town.code, engine.judicial.pk) == [w.department_liaison.pk]
    assert holder_accounts(w.town.code, engine.police.pk) == [engine.police_liaison.pk]
    engine.police_liaison.is_active = False
    engine.police_liaison.save(update_fields=["is_active"])
    assert holder_accounts(w.town.code, engine.police.pk) == []
    assert holder_accounts(w.town.code, None) == [w.town_staff.pk]


def test_units_and_a_department_together_are_one_query_each(engine, django_assert_num_queries):
    w = engine.world
    with django_assert_num_queries(1):
        units = accounts_for([w.grid_a.code, w.village_a.code])
    assert units == sorted([w.grid_worker_a.pk, engine.grid_leader_a.pk, w.village_committee.pk])
    with django_assert_num_queries(2):
        both = accounts_for([w.town.code], engine.judicial.pk)
    assert both == sorted([w.town_staff.pk, w.department_liaison.pk])
