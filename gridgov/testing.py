"""Shared test personas: one small county, two villages, two grids, one account per level."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone
from django_otp.oath import TOTP

from gridgov.accounts.choices import Role
from gridgov.accounts.models import SealedTOTPDevice, User
from gridgov.households import actions as household_actions
from gridgov.households.models import Household, Resident
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.utils.idnumber import make_id_number

PASSWORD = "Grid-test-2026"
_seq = itertools.count(1)


def make_place(code: str, name: str, kind: str, parent: Place | None = None, **extra) -> Place:
    return Place.objects.create(code=code, name=name, kind=kind, parent=parent, **extra)


def make_user(username: str, role: str, place: Place | None, **extra) -> User:
    """An account whose owner chose ``PASSWORD``; with an authenticator when it must use a second factor."""
    extra.setdefault("password_changed_at", timezone.now())
    user = User(username=username, display_name=extra.pop("display_name", username), role=role, place=place, **extra)
    user.set_password(PASSWORD)
    user.save()
    if user.requires_second_factor:
        ensure_second_factor(user)
    return user


def ensure_second_factor(user: User) -> SealedTOTPDevice:
    """The account's confirmed authenticator, enrolled now if it has none (the test's phone)."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name="测试手机", confirmed=True)
        user.second_factor_since = timezone.now()
        User.objects.filter(pk=user.pk).update(second_factor_since=user.second_factor_since)
    return device


def totp_now(device: SealedTOTPDevice) -> str:
    """The code the authenticator shows now (RFC 6238, as django-otp checks it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def second_factor_code(user: User) -> str:
    """A code the account's authenticator accepts now, also when the test signed in a moment ago.

    django-otp refuses a code from a time step already used (replay) and slows down after a wrong
    one; a test signing in several times within 30 seconds is not an attacker, so both are reset.
    """
    device = ensure_second_factor(user)
    SealedTOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return totp_now(device)


def wrong_code(user: User) -> str:
    """Six digits the account's authenticator does not accept now (nor one step either side)."""
    device = ensure_second_factor(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()
    accepted = set()
    for step in (now - 1, now, now + 1):
        totp.time = device.t0 + step * device.step
        accepted.add(f"{totp.token():06d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def sign_in(client, user: User, password: str = PASSWORD, **extra):
    """Sign ``client`` in as ``user`` through the real pages: the password, then the code when asked."""
    response = client.post("/login/", {"username": user.username, "password": password}, **extra)
    assert response.status_code == 302, response.content.decode()[:500]
    if response["Location"] == "/login/verify/":
        response = client.post("/login/verify/", {"code": second_factor_code(user)}, **extra)
        assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"].startswith("/") and not response["Location"].startswith("/login/"), response["Location"]
    return response


def issue_activation_code(client, user: User) -> str:
    """The security administrator signed in on ``client`` issues ``user`` an activation code on the grant page;
    returns the code the answer shows (the only place it is ever shown)."""
    import re

    response = client.post(f"/accounts/{user.pk}/activation-code/")
    assert response.status_code == 200, response.content.decode()[:500]
    return re.search(r'id="activation-code">([0-9-]{14})<', response.content.decode()).group(1)


def force_verified_login(client, user: User) -> None:
    """`Client.force_login` plus a passed second factor, for benchmarks that skip the sign-in pages."""
    from gridgov.accounts.signin import VERIFIED

    client.force_login(user)
    if user.requires_second_factor or user.second_factor_since:
        ensure_second_factor(user)
        user.refresh_from_db(fields=["second_factor_since"])
        session = client.session
        session[VERIFIED] = user.second_factor_stamp
        session.save()


def new_id_number(birth: dt.date = dt.date(1980, 5, 17), region: str = "520330") -> str:
    return make_id_number(region, birth, next(_seq) % 1000)


@dataclass
class World:
    county: Place
    town: Place
    village_a: Place
    village_b: Place
    group_a: Place
    grid_a: Place
    grid_b: Place
    grid_c: Place
    cluster_a1: Place
    cluster_b1: Place
    county_staff: User
    town_staff: User
    village_committee: User
    grid_worker_a: User
    grid_worker_b: User
    cluster_leader_a1: User
    department_liaison: User
    auditor: User
    system_admin: User
    security_admin: User
    household_a: Household
    household_b: Household
    resident_a: Resident
    resident_b: Resident

    def business_users(self) -> list[User]:
        return [
            self.county_staff,
            self.town_staff,
            self.village_committee,
            self.grid_worker_a,
            self.grid_worker_b,
            self.cluster_leader_a1,
        ]


def build_world() -> World:
    county = make_place("520330", "习水县", PlaceKind.COUNTY)
    town = make_place("520330113", "寨坝镇", PlaceKind.TOWN, county)
    village_a = make_place("520330113201", "桂园村", PlaceKind.VILLAGE, town)
    village_b = make_place("520330113202", "永盛村", PlaceKind.VILLAGE, town)
    group_a = make_place("52033011320101", "桂园村一组", PlaceKind.GROUP, village_a)
    group_b = make_place("52033011320201", "永盛村一组", PlaceKind.GROUP, village_b)
    grid_a = make_place("5203301132010101", "桂园村第1网格", PlaceKind.GRID, group_a)
    grid_c = make_place("5203301132010102", "桂园村第2网格", PlaceKind.GRID, group_a)
    grid_b = make_place("5203301132020101", "永盛村第1网格", PlaceKind.GRID, group_b)
    cluster_a1 = make_place("520330113201010101", "桂园村第1网格第1联户", PlaceKind.CLUSTER, grid_a)
    cluster_b1 = make_place("520330113202010101", "永盛村第1网格第1联户", PlaceKind.CLUSTER, grid_b)
    town_staff = make_user("town", Role.CENTER_STAFF, town, display_name="镇综治中心")
    household_a = household_actions.create_household(
        town_staff,
        number="H-A-001",
        grid=grid_a,
        cluster=cluster_a1,
        address="寨坝镇桂园村一组12号",
        house_type="self_built",
    )
    household_b = household_actions.create_household(
        town_staff,
        number="H-B-001",
        grid=grid_b,
        cluster=cluster_b1,
        address="寨坝镇永盛村一组3号",
        house_type="self_built",
    )
    resident_a = household_actions.add_resident(
        town_staff,
        household_actions.ResidentInput(
            name="王建国", id_number="520330198005171232", phone="13812348000", relation="householder"
        ),
        household=household_a,
    )
    resident_b = household_actions.add_resident(
        town_staff,
        household_actions.ResidentInput(
            name="李秀英", id_number=new_id_number(dt.date(1975, 3, 2)), phone="13900001111", relation="householder"
        ),
        household=household_b,
    )
    household_a.refresh_from_db()
    household_b.refresh_from_db()
    return World(
        county=county,
        town=town,
        village_a=village_a,
        village_b=village_b,
        group_a=group_a,
        grid_a=grid_a,
        grid_b=grid_b,
        grid_c=grid_c,
        cluster_a1=cluster_a1,
        cluster_b1=cluster_b1,
        county_staff=make_user("county", Role.CENTER_STAFF, county, display_name="县综治中心"),
        town_staff=town_staff,
        village_committee=make_user("village_a", Role.VILLAGE_COMMITTEE, village_a, display_name="桂园村委"),
        grid_worker_a=make_user("grid_a", Role.GRID_WORKER, grid_a, display_name="网格员甲"),
        grid_worker_b=make_user("grid_b", Role.GRID_WORKER, grid_b, display_name="网格员乙"),
        cluster_leader_a1=make_user("cluster_a1", Role.CLUSTER_LEADER, cluster_a1, display_name="联户长甲"),
        department_liaison=make_user("liaison", Role.DEPARTMENT_LIAISON, town, display_name="司法所联络人"),
        auditor=make_user("auditor", Role.AUDITOR, None),
        system_admin=make_user("sysadmin", Role.SYSTEM_ADMIN, None),
        security_admin=make_user("secadmin", Role.SECURITY_ADMIN, None),
        household_a=household_a,
        household_b=household_b,
        resident_a=resident_a,
        resident_b=resident_b,
    )


def sign_in_page(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign a browser page (Playwright) in through the real pages: the password, then, when the account must
    pass a second factor, the code its authenticator shows now."""
    from django.db import connections

    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.url == f"{base_url}/login/verify/":
        try:
            code = second_factor_code(User.objects.get(username=username))
        finally:
            connections.close_all()  # the live server's thread must not find this thread's connection busy
        page.fill("input[name=code]", code)
        page.click("main button[type=submit]")
        page.wait_for_load_state()


# Rows that data migrations seed (taxonomies, time limits, default rules, the audit chain's head). A transactional
# test ends with a flush that empties every table; what runs after it puts them back with this.
SEED_MIGRATIONS = [
    ("gridgov.matters.migrations.0002_seed_categories_and_deadlines", "seed", "matters.Category"),
    ("gridgov.keypersons.migrations.0002_seed_categories", "seed", "keypersons.KeyPersonCategory"),
    ("gridgov.visits.migrations.0002_seed_default_rule", "seed", "visits.VisitRule"),
    ("gridgov.audit.migrations.0004_hash_rows_and_guard_triggers", "hash_rows_and_create_head", "audit.AuditChain"),
]


def restore_migration_seeds() -> None:
    """Seed again what the data migrations seeded, where a flush emptied it."""
    import importlib

    from django.apps import apps
    from django.db import connection

    for module_name, function, model_label in SEED_MIGRATIONS:
        if not apps.get_model(model_label).objects.exists():
            getattr(importlib.import_module(module_name), function)(apps, connection.schema_editor())
