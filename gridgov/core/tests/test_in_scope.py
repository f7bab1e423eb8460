"""`in_scope(user, path)` answers for one path exactly what `for_user` answers for rows."""

from gridgov.core.models import in_scope
from gridgov.places.models import Place

USERS = ("county_staff", "town_staff", "village_committee", "grid_worker_a", "grid_worker_b", "cluster_leader_a1")


def test_in_scope_agrees_with_for_user_on_every_place(world):
    places = list(Place.objects.order_by("code"))
    for name in (*USERS, "auditor", "system_admin"):
        user = getattr(world, name)
        visible = set(Place.objects.for_user(user).values_list("code", flat=True))
        assert {p.code for p in places if in_scope(user, p.code)} == visible, name


def test_accounts_without_business_data_have_nothing_in_scope(world):
    assert not in_scope(world.auditor, world.grid_a.code)
    assert not in_scope(world.system_admin, world.grid_a.code)
    world.grid_worker_a.is_active = False
    assert not in_scope(world.grid_worker_a, world.grid_a.code)
    assert in_scope(world.grid_worker_b, world.grid_b.code) and not in_scope(world.grid_worker_b, world.grid_a.code)
