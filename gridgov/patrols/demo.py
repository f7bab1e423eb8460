"""Demo patrols for 寨坝镇 since 2021, shaped like the 2022 report: 726 night patrols by the town's 13 teams.

Each team patrols its own grids, a few of them a night, with some of its members and now and then a
police officer or grid worker along; about one patrol in six finds something (a broken street light,
an unfenced river bank, a gambling table ...). When the matter engine's demo year is already in the
database, every matter it recorded from a patrol (channel ``patrol``) gets the night patrol that found
it, on its day, by the team covering its grid, linked as `PatrolMatter`. Deterministic for a seed and a
day; written with bulk inserts in well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from gridgov.patrols.actions import route_path
from gridgov.patrols.choices import Shift
from gridgov.patrols.models import Patrol, PatrolMatter
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment, PatrolTeam

DEMO_TOWN = "520330113"
SINCE = dt.date(2021, 1, 1)
NIGHT_PATROLS = 726  # 2021年以来，共开展夜间巡逻726余次
DAY_PATROLS = 180  # market days, holidays, flood season
FINDING_SHARE = 0.16
GRID_LENGTH = 16

FINDINGS = [
    "村口路灯损坏两盏，夜间出行不便",
    "河边护栏缺失，存在儿童溺水隐患",
    "一处老旧自建房外墙开裂，有倒塌风险",
    "废品收购点杂物堆放过高，存在火灾隐患",
    "发现有人在民房内聚众打牌赌博，已报派出所",
    "一处电线老化搭挂在树上，已告知供电所",
    "路边山体有滑坡迹象，已设置警示标志",
    "劝离深夜在河边游玩的青少年5人",
    "发现一辆无牌摩托车长期停放路边",
    "小卖部关门后燃气阀未关闭，已提醒店主",
    "道路边坡落石，影响通行",
    "垃圾收集点垃圾满溢，未及时清运",
    "独居老人家中夜间未亮灯，敲门确认平安",
    "发现有人张贴疑似非法集资小广告，已清除",
]
OTHERS = ["派出所民警", "网格员", "村干部", "志愿者", "联户长"]


def _seasonal_day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    """A day, more often in summer (flood season, people out late) and around the Spring Festival."""
    while True:
        day = start + dt.timedelta(days=rng.randrange(days))
        weight = 1.6 if day.month in (6, 7, 8) else 1.4 if day.month in (1, 2, 12) else 1.0
        if rng.random() * 1.6 < weight:
            return day


def _town_teams(code: str):
    teams = list(PatrolTeam.objects.within(code).order_by("path", "id"))
    through = PatrolTeam.grids.through
    grids: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for team_id, place_id, place_code in (
        through.objects.filter(patrolteam__in=teams)
        .values_list("patrolteam_id", "place_id", "place__code")
        .order_by("patrolteam_id", "place__code")
    ):
        grids[team_id].append((place_id, place_code))
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, appointment_id in (
        Appointment.objects.filter(
            patrol_team__in=teams, role=AppointmentRole.PATROL_MEMBER, status=AppointmentStatus.APPOINTED
        )
        .values_list("patrol_team_id", "id")
        .order_by("patrol_team_id", "id")
    ):
        members[team_id].append(appointment_id)
    return [t for t in teams if grids[t.pk]], grids, members


def _patrol_matters(code: str, team_of_grid: dict[str, int], start: dt.date):
    """(day, team id, grid code, title, matter id) of the matters already recorded from patrols."""
    try:
        from gridgov.matters.models import Matter
    except ImportError:  # pragma: no cover
        return []
    rows = (
        Matter.objects.within(code)
        .filter(channel="patrol", created_at__date__gte=start)
        .values_list("id", "path", "title", "created_at")
        .order_by("id")
    )
    found = []
    for pk, path, title, created_at in rows:
        team = team_of_grid.get(path[:GRID_LENGTH])
        if team is not None:
            found.append((timezone.localdate(created_at), team, path[:GRID_LENGTH], title, pk))
    return found


@contextmanager
def explicit_timestamps(model):
    """Inside the block, bulk inserts keep the ``created_at``/``updated_at`` the demo gives (the day it happened)."""
    fields = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    saved = [(f.auto_now_add, f.auto_now) for f in fields]
    for f in fields:
        f.auto_now_add = f.auto_now = False
    try:
        yield
    finally:
        for f, (add, now) in zip(fields, saved, strict=True):
            f.auto_now_add, f.auto_now = add, now


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo patrols of the town; nothing (an empty dict) when it is missing or already has patrols."""
    if Patrol.objects.within(code).exists():
        return {}
    teams, grids, members = _town_teams(code)
    if not teams:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"patrols:{seed}:{code}")
    tz = timezone.get_current_timezone()
    now = timezone.now()
    days = (today - SINCE).days + 1
    team_of_grid = {grid_code: t.pk for t in teams for _, grid_code in grids[t.pk]}
    anchors = _patrol_matters(code, team_of_grid, SINCE)[:NIGHT_PATROLS]
    by_id = {t.pk: t for t in teams}
    weights = [len(grids[t.pk]) ** 0.5 for t in teams]

    plans = []  # (team, day, shift, route grid pairs, findings, matter id)
    for day, team_id, grid_code, title, matter_id in anchors:
        pairs = grids[team_id]
        i = next(n for n, (_, c) in enumerate(pairs) if c == grid_code)
        route = pairs[max(0, i - rng.randint(0, 1)) : i + 1 + rng.randint(0, 2)]
        plans.append((by_id[team_id], day, Shift.NIGHT, route, title, matter_id))
    for shift, count in ((Shift.NIGHT, NIGHT_PATROLS - len(anchors)), (Shift.DAY, DAY_PATROLS)):
        for _ in range(count):
            team = rng.choices(teams, weights)[0]
            pairs = grids[team.pk]
            first = rng.randrange(len(pairs))
            route = pairs[first : first + rng.randint(1, 4)]
            findings = rng.choice(FINDINGS) if rng.random() < FINDING_SHARE else ""
            plans.append((team, _seasonal_day(rng, SINCE, days), shift, route, findings, None))
    plans.sort(key=lambda p: (p[1], p[0].pk, p[2]))

    patrols = []
    for team, day, shift, route, findings, matter_id in plans:
        pool = members[team.pk]
        present = rng.sample(pool, min(len(pool), rng.randint(3, 6))) if pool else []
        extra = rng.random() < 0.35
        start = dt.time(rng.choice([20, 21, 21, 22, 23]) if shift == Shift.NIGHT else rng.choice([9, 10, 14, 15]))
        patrol = Patrol(
            path=route_path(c for _, c in route),
            team=team,
            date=day,
            shift=shift,
            duration_minutes=rng.choice([60, 90, 90, 120, 120, 150, 180, 240]),
            others=rng.choice(OTHERS) if extra else "",
            headcount=len(present) + (rng.randint(1, 2) if extra else 0) or 2,
            findings=findings,
        )
        # recorded the morning after, not at seeding time
        patrol.demo_at = min(dt.datetime.combine(day, start, tzinfo=tz) + dt.timedelta(hours=10), now)
        patrol.demo_route, patrol.demo_present, patrol.demo_matter = [g for g, _ in route], present, matter_id
        patrols.append(patrol)

    with transaction.atomic():
        for patrol in patrols:
            patrol.created_at = patrol.updated_at = patrol.demo_at
        with explicit_timestamps(Patrol):
            Patrol.objects.bulk_create(patrols, batch_size=500)
        route_through, member_through = Patrol.route.through, Patrol.members.through
        route_through.objects.bulk_create(
            [route_through(patrol_id=p.pk, place_id=g) for p in patrols for g in p.demo_route], batch_size=2000
        )
        member_through.objects.bulk_create(
            [member_through(patrol_id=p.pk, appointment_id=a) for p in patrols for a in p.demo_present],
            batch_size=2000,
        )
        PatrolMatter.objects.bulk_create(
            [PatrolMatter(patrol_id=p.pk, matter_id=p.demo_matter) for p in patrols if p.demo_matter is not None]
        )
    return {
        "night_patrols": sum(p.shift == Shift.NIGHT for p in patrols),
        "day_patrols": sum(p.shift == Shift.DAY for p in patrols),
        "patrol_findings": sum(bool(p.findings) for p in patrols),
        "patrol_matters": sum(p.demo_matter is not None for p in patrols),
    }
