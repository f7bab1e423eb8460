"""Property: after any sequence of actions (matters through the three-level disposal, visits and their edits,
deeds, publicity events, key persons enlisted, followed up and released, households moved), interleaved with
refreshes, every rollup answers exactly what the records answer, for every kept place, for whole months, day
ranges, partial months before the day window, all time and per child place; and the incremental refresh
leaves the tables exactly as a full rebuild would. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.accounts.choices import Role
from gridgov.core.actions import ActionRefused as CoreRefused
from gridgov.deeds import actions as deed_actions
from gridgov.households import actions as household_actions
from gridgov.keypersons import actions as kp_actions
from gridgov.keypersons.models import KeyPerson, KeyPersonCategory
from gridgov.matters import actions as matter_actions
from gridgov.matters import policy as matter_policy
from gridgov.matters.models import Matter
from gridgov.matters.tests.helpers import build_engine, record
from gridgov.publicity import actions as publicity_actions
from gridgov.stats import actions as stats_actions
from gridgov.stats import engine
from gridgov.stats.cubes import CUBES
from gridgov.stats.periods import Period, day_window_start
from gridgov.testing import make_user
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit

REFUSED = (matter_actions.ActionRefused, CoreRefused, ValidationError, kp_actions.ActionRefused)
CATEGORIES = [
    "dispute.land_forest",
    "dispute.neighbour",
    "appeal.subsidy",
    "environment.rubbish",
    "hazard.safety.drowning",
]
ADVANCES = {
    "accept",
    "resolve_on_spot",
    "report_up",
    "route_to_department",
    "department_reply",
    "send_back",
    "close",
    "reopen",
    "answer",
    "record_feedback",
}
STEPS = [
    "record",
    "record",
    "advance",
    "advance",
    "advance",
    "advance",
    "advance",
    "advance",
    "card",
    "visit",
    "edit_visit",
    "deed",
    "publicity",
    "enlist",
    "follow_up",
    "release",
    "move",
    "refresh",
]


@pytest.fixture
def scene(world):
    eng = build_engine(world)
    officer = make_user("kp_officer", Role.CENTER_STAFF, world.town, may_view_key_population=True)
    return eng, officer


def _now_days(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n, minutes=5)


def _users(eng):
    return [eng.grid_worker_a, eng.grid_worker_b, eng.grid_leader_a, eng.village_committee, eng.town_staff,
            eng.county_staff, eng.department_liaison]  # fmt: skip


def _advance(eng, matter: Matter, rng: random.Random) -> bool:
    """One action on ``matter`` that some user may take now."""
    matter.refresh_from_db()
    options = []
    for user in _users(eng):
        for action in matter_policy.available_actions(user, matter):
            if str(action) in ADVANCES:
                options.append((str(action), user))
    if not options:
        return False
    action, user = rng.choice(sorted(options, key=lambda o: (o[0], o[1].pk)))
    call = {
        "accept": lambda: matter_actions.accept(user, matter),
        "resolve_on_spot": lambda: matter_actions.resolve_on_spot(user, matter, result="现场处置完毕"),
        "report_up": lambda: matter_actions.report_up(user, matter, reason="需上级协调"),
        "route_to_department": lambda: matter_actions.route_to_department(user, matter, eng.judicial),
        "department_reply": lambda: matter_actions.department_reply(user, matter, result="已办理"),
        "send_back": lambda: matter_actions.send_back(user, matter, result="已办结"),
        "close": lambda: matter_actions.close(user, matter),
        "reopen": lambda: matter_actions.reopen(user, matter, reason="群众不满意"),
        "answer": lambda: matter_actions.answer(user, matter, answer_type="answer", text="已解答"),
        "record_feedback": lambda: matter_actions.record_feedback(
            user,
            matter,
            matter_actions.FeedbackInput(
                method="phone",
                contacted_at=timezone.now(),
                said="满意" if rng.random() < 0.7 else "不满意",
                verdict="accepted" if rng.random() < 0.7 else "rejected",
            ),
        ),
    }.get(str(action))
    if call is None:
        return False
    try:
        call()
    except REFUSED:
        return False
    return True


def _step(eng, officer, name: str, seed: int) -> bool:
    """Take the step; False when it was refused or had nothing to act on."""
    rng = random.Random(seed)
    w = eng.world
    matters = list(Matter.objects.order_by("id"))
    try:
        if name == "record":
            code = rng.choice(CATEGORIES)
            where = rng.choice(["a", "b", "village"])
            if where == "village":
                record(w.town_staff, code=code, place=w.village_b, color=rng.choice(["red", "yellow", "blue"]),
                       channel=rng.choice(["visit", "walk_in", "phone"]), reporter=None, household=None)  # fmt: skip
            else:
                user = w.grid_worker_a if where == "a" else w.grid_worker_b
                household = w.household_a if where == "a" else w.household_b
                record(user, code=code, household=household, color=rng.choice(["red", "yellow", "blue"]),
                       channel=rng.choice(["visit", "wechat", "walk_in"]))  # fmt: skip
        elif name == "advance" and matters:
            return _advance(eng, rng.choice(matters), rng)
        elif name == "card" and matters:
            matter = rng.choice(matters)
            later = timezone.now() + dt.timedelta(days=rng.randint(1, 40))
            matter_actions.issue_card(matter, rng.choice(["yellow", "red"]), later)
        elif name == "visit":
            household = rng.choice([w.household_a, w.household_b])
            user = w.grid_worker_a if household == w.household_a else w.grid_worker_b
            visit_actions.record_visit(
                user,
                visit_actions.VisitInput(
                    household=household,
                    visited_at=_now_days(rng.randint(0, 75)),
                    mode=rng.choice(["door", "phone", "video"]),
                ),  # fmt: skip
            )
        elif name == "edit_visit":
            visit = Visit.objects.order_by("?").first()
            if visit is None:
                return False
            if visit is not None:
                user = w.grid_worker_a if visit.path.startswith(w.grid_a.code) else w.grid_worker_b
                visit_actions.update_visit(user, visit, {"mode": rng.choice(["door", "phone"])})
        elif name == "deed":
            deed_actions.record_deed(
                w.town_staff,
                deed_actions.DeedInput(
                    done_on=timezone.localdate() - dt.timedelta(days=rng.randint(0, 400)),
                    category=rng.choice(["medical", "paperwork", "relief"]),
                    title="代办医保",
                    done_by="网格员",
                    beneficiary="本组村民",
                    place=rng.choice([w.village_a, w.grid_b]),
                ),  # fmt: skip
            )
        elif name == "publicity":
            publicity_actions.record_event(
                w.town_staff,
                publicity_actions.EventInput(
                    place=rng.choice([w.village_a, w.village_b]),
                    held_on=timezone.localdate() - dt.timedelta(days=rng.randint(0, 70)),
                    topic="anti_fraud",
                    title="反诈宣传",
                    channel="bench_meeting",
                    speaker="网格员",
                    attendance=rng.randint(0, 40),
                ),  # fmt: skip
            )
        elif name == "enlist":
            resident = rng.choice([w.resident_a, w.resident_b])
            category = rng.choice(list(KeyPersonCategory.objects.order_by("code")[:3]))
            kp_actions.enlist(officer, kp_actions.EnlistInput(
                resident=resident, category=category, color=rng.choice(["red", "yellow", "blue"]),
                enlisted_on=timezone.localdate() - dt.timedelta(days=rng.randint(0, 90))))  # fmt: skip
        elif name == "follow_up":
            person = KeyPerson.objects.filter(status__in=KeyPerson.ACTIVE_STATUSES).order_by("?").first()
            if person is None:
                return False
            if person is not None:
                kp_actions.record_follow_up(officer, person, kp_actions.FollowUpInput(
                    followed_up_at=timezone.now(), whereabouts="at_home", color=rng.choice(["red", "yellow", "blue"]),
                    color_reason="复核调整"))  # fmt: skip
        elif name == "release":
            person = KeyPerson.objects.filter(status__in=KeyPerson.ACTIVE_STATUSES).order_by("?").first()
            if person is None:
                return False
            if person is not None:
                kp_actions.release(officer, person, reason="期满解除")
        elif name == "move":
            household = rng.choice([w.household_a, w.household_b])
            household.refresh_from_db()
            grid = rng.choice([w.grid_a, w.grid_c, w.grid_b])
            household_actions.move_household(w.town_staff, household, grid=grid, cluster=None)
        elif name == "refresh":
            stats_actions.refresh()
        else:
            return False
    except REFUSED:
        return False
    return True


def _codes() -> list[str]:
    from gridgov.places.models import Place

    return list(Place.objects.order_by("code").values_list("code", flat=True))


def _periods() -> list[Period | None]:
    today = timezone.localdate()
    window = day_window_start()
    return [
        None,
        Period(today.replace(day=1), today),  # this month: day rows
        Period(today - dt.timedelta(days=40), today),  # a partial month or two
        Period(window - dt.timedelta(days=50), window - dt.timedelta(days=20)),  # partial months before the window
        Period(dt.date(today.year - 1, 1, 1), today),  # whole months
    ]


def _sorted(rows):
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def assert_rollups_answer_as_the_records() -> None:
    codes = _codes()
    for cube in CUBES:
        for code in codes:
            if not cube.keeps(code):
                continue
            for period in _periods() if cube.dated else [None]:
                for by_child in (False, True):
                    if by_child and cube.child_depth(code) is None:
                        continue
                    kw = {"dims": cube.dims, "sums": cube.sums, "by_child": by_child}
                    rolled = engine.count(cube.source.name, code, period, rollups=True, **kw)
                    counted = engine.count(cube.source.name, code, period, rollups=False, **kw)
                    assert _sorted(rolled) == _sorted(counted), (cube.name, code, period, by_child)
                    dim = cube.dims[0] if cube.dims else None
                    found = [row[dim] for row in rolled if dim and row[dim] is not None]
                    if found:  # narrowed to a value found: the rollup's IN as the records' filter
                        kw["filters"] = {dim: found[:1]}
                        rolled = engine.count(cube.source.name, code, period, rollups=True, **kw)
                        counted = engine.count(cube.source.name, code, period, rollups=False, **kw)
                        assert rolled and _sorted(rolled) == _sorted(counted), (cube.name, code, period, kw)


def _tables() -> dict[str, list]:
    out = {}
    for cube in CUBES:
        fields = ["place", "parent", "grain", "period", "n", *cube.dims, *cube.sums]
        out[cube.name] = sorted(cube.table.objects.values_list(*fields), key=str)
    return out


@pytest.mark.django_db
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 2**31)), min_size=1, max_size=24))
def test_every_rollup_equals_the_records_after_any_actions(scene, steps):
    eng, officer = scene
    with transaction.atomic():
        stats_actions.refresh()  # builds the rollups over the world as it stands
        for name, seed in steps:
            _step(eng, officer, name, seed)
        stats_actions.refresh()
        assert_rollups_answer_as_the_records()
        refreshed = _tables()
        stats_actions.rebuild()
        assert _tables() == refreshed
        transaction.set_rollback(True)


def test_every_kind_of_step_acts(scene):
    """The property above is only as good as its steps: each kind is taken for real (none always refused)."""
    eng, officer = scene
    order = ["record", "record", "visit", "edit_visit", "enlist", "follow_up", "release", "deed", "publicity",
             "move", "card", "refresh"]  # fmt: skip
    acted = {name: _step(eng, officer, name, seed) for seed, name in enumerate(order)}
    assert all(acted.values()), acted
    matter = Matter.objects.order_by("id").first()
    assert any(_advance(eng, matter, random.Random(seed)) for seed in range(5))
