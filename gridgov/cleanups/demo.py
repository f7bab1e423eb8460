"""Demo clean-ups for 寨坝镇 since 2021, shaped like the 2024 report on 吴寨居 (43 people clean 17 村庄 every
month; 50 environment problems in a year): each village has an environment-hygiene responsibility area
covering its villager groups, and holds a clean-up round every month.

Problems found: where the matter engine's demo year is in the database, a round takes up the environment
matters recorded from inspections (channel ``inspection``) in its village in the weeks after it, so every
problem of that year is a real matter with its handling. Rounds before that year carry the problems of
the paper books, with no matter. Deterministic for a seed and a day; bulk inserts, well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.db.models import DateField, OuterRef, Subquery, Value
from django.utils import timezone

from gridgov.cleanups.models import CleanupProblem, CleanupRound, ResponsibilityArea
from gridgov.matters.choices import Recurrence
from gridgov.matters.models import Category, Matter
from gridgov.personnel.choices import AppointmentRole
from gridgov.publicity.demotown import DEMO_TOWN, SINCE, backdate, day_in_month, load_town, months

PEOPLE = (20, 45)  # 43 in 吴寨居
HISTORY_PROBLEMS = (0, 1, 1, 2, 2, 3)  # per round before the matters year
RECURRENCE = [(Recurrence.ONE_OFF, 6), (Recurrence.RECURRING, 3), (Recurrence.NEEDS_HELP, 1)]
HISTORY = [
    ("environment.rubbish", "房前屋后积存垃圾"),
    ("environment.roadside_rubbish", "通组路两侧暴露性垃圾"),
    ("environment.sewage", "生活污水直排路面"),
    ("environment.ponds_ditches", "排水沟渠淤积"),
    ("environment.manure", "圈舍粪污未处理"),
    ("environment.farm_waste", "农膜、农药瓶随意丢弃"),
    ("environment.ruins", "废弃房屋残垣断壁"),
    ("environment.household_hygiene", "院落不净、农具堆放不规范"),
]
SUMMARY = "按“五清一改”清理村内环境，检查户内“四净两规范”，对发现的问题分类处置。"


def _inspection_matters(code: str) -> tuple[dict[str, list], dt.date | None]:
    """Environment matters from inspections per village (day, id, path, category id, recurrence, title),
    and the first day any matter was recorded in the town (the start of the matters year)."""
    first = Matter.objects.within(code).order_by("created_at").values_list("created_at", flat=True).first()
    out: dict[str, list] = defaultdict(list)
    rows = (
        Matter.objects.within(code)
        .filter(kind="environment", channel="inspection")
        .values_list("id", "path", "category_id", "recurrence", "title", "created_at")
        .order_by("created_at", "id")
    )
    for pk, path, category_id, recurrence, title, created_at in rows:
        out[path[:12]].append((timezone.localdate(created_at), pk, path, category_id, recurrence, title))
    return out, timezone.localdate(first) if first else None


def seed(seed: int = 1, code: str = DEMO_TOWN, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo areas, rounds and problems of the town; nothing (an empty dict) when it is missing
    or already has areas."""
    if ResponsibilityArea.objects.within(code).exists():
        return {}
    town = load_town(code)
    if town is None or not town.villages:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"cleanups:{seed}:{code}")
    categories = dict(Category.objects.filter(kind="environment").values_list("code", "id"))
    matters, matters_from = _inspection_matters(code)
    with transaction.atomic():
        areas = []
        for village in town.villages:
            leader = town.person(rng, village, AppointmentRole.GRID_LEADER, fallback="村委会主任")
            count = rng.randint(*PEOPLE)
            areas.append(
                ResponsibilityArea(
                    path=village, place_id=town.ids[village], name=f"{town.names[village]}环境卫生责任区",
                    responsible=leader, members=f"{leader}、网格员、保洁员、党员志愿者等{count}人",
                    notes="每月组织一次环境卫生整治",
                )
            )  # fmt: skip
            areas[-1].demo_people = count
        ResponsibilityArea.objects.bulk_create(areas)
        backdate(ResponsibilityArea.objects.within(code), Value(SINCE, output_field=DateField()))
        through = ResponsibilityArea.covers.through
        through.objects.bulk_create(
            [
                through(responsibilityarea_id=a.pk, place_id=town.ids[g])
                for a in areas
                for g in town.groups.get(a.path, [])
            ]
        )
        rounds = []
        for month in months(SINCE, today):
            for area in areas:
                day = day_in_month(rng, month, today)
                made = CleanupRound(
                    path=area.path, area=area, held_on=day,
                    participant_count=max(5, area.demo_people + rng.randint(-6, 3)), summary=SUMMARY,
                )  # fmt: skip
                rounds.append(made)
        CleanupRound.objects.bulk_create(rounds, batch_size=1000)
        backdate(CleanupRound.objects.within(code), "held_on")
        problems = []
        used: set[int] = set()
        for made in rounds:
            village = made.path
            if matters_from is not None and made.held_on >= matters_from:
                window = made.held_on + dt.timedelta(days=31)
                for day, pk, path, category_id, recurrence, title in matters.get(village, []):
                    if pk in used or not made.held_on <= day < window:
                        continue
                    used.add(pk)
                    problems.append(
                        CleanupProblem(
                            path=path, round=made, place_id=town.ids[path], category_id=category_id,
                            description=title, matter_id=pk,
                            recurrence=recurrence or rng.choices(*zip(*RECURRENCE, strict=True))[0],
                        )
                    )  # fmt: skip
                continue
            grids = town.grids.get(village) or [village]
            for _ in range(rng.choice(HISTORY_PROBLEMS)):
                category, description = rng.choice(HISTORY)
                where = rng.choice(grids)
                problems.append(
                    CleanupProblem(
                        path=where, round=made, place_id=town.ids[where], category_id=categories[category],
                        description=f"{town.names[where]}{description}",
                        recurrence=rng.choices(*zip(*RECURRENCE, strict=True))[0],
                    )
                )  # fmt: skip
        CleanupProblem.objects.bulk_create(problems, batch_size=1000)
        held_on = CleanupRound.objects.filter(pk=OuterRef("round_id")).values("held_on")[:1]
        backdate(CleanupProblem.objects.within(code), Subquery(held_on, output_field=DateField()))
    return {
        "cleanup_areas": len(areas),
        "cleanup_rounds": len(rounds),
        "cleanup_problems": len(problems),
        "cleanup_matters": sum(p.matter_id is not None for p in problems),
    }
