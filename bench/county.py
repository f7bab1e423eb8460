"""A county of 26 towns with a million matters and two million visits, for the matters and statistics benches.

Built once and cached in bench/out/ (SQLite) or in the database of DATABASE_URL: `seed_demo --towns N`,
then BENCH_MATTERS matters spread over every grid of the county over three years, with a realistic course
(most resolved at the grid, a quarter at the village, some at the town, through departments, a few at the
county; older ones closed, some awaiting feedback, the recent ones still open and some of those overdue with
their cards; feedback for most, a few rejected), and BENCH_VISITS visits over the county's households with
their visitors and each household's visit state. Raw multi-row inserts (COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import time

from bench.common import OUT

TOWNS = int(os.environ.get("BENCH_TOWNS", "26"))
MATTERS = int(os.environ.get("BENCH_MATTERS", "1000000"))
VISITS = int(os.environ.get("BENCH_VISITS", "2000000"))
YEARS = 3
BATCH = 50_000

# (kind, category code, title, description): the texts of matters_bench (word frequencies for search).
TEMPLATES = [
    ("dispute", "dispute.neighbour", "{a}与{b}邻里口角纠纷", "{a}与邻居{b}因琐事发生口角。"),
    ("dispute", "dispute.housing_homestead", "{a}与{b}宅基地界址纠纷", "{a}建房时与{b}对宅基地界址有争议。"),
    ("dispute", "dispute.contract", "{a}与{b}土地租赁合同纠纷", "{a}租种{b}的承包地，因租金产生分歧。"),
    ("dispute", "dispute.land_forest", "{a}与{b}承包地地界纠纷", "两家承包地相邻，地界不清。"),
    ("appeal", "appeal.subsidy", "{a}查询耕地地力保护补贴", "{a}想查询补贴是否到账。"),
    ("appeal", "appeal.infrastructure", "{g}饮水管漏水", "{a}反映{g}饮水管道漏水，用水不便。"),
    ("appeal", "appeal.agriculture", "{a}咨询小麦打药技术", "{a}反映小麦出现病虫害。"),
    ("appeal", "appeal.social_insurance", "{a}咨询养老保险缴费", "{a}咨询养老保险缴费档次。"),
    ("environment", "environment.rubbish", "{g}积存垃圾", "{g}房前屋后有积存垃圾，影响村容村貌。"),
    ("environment", "environment.roadside_rubbish", "{g}道路暴露性垃圾", "{g}通组路两侧有暴露性垃圾。"),
    ("environment", "environment.sewage", "{g}生活污水横流", "{g}有生活污水直排路面。"),
    ("hardship", "hardship.medical", "{a}看病就医困难", "{a}年老体弱，需要陪同就医。"),
    ("hardship", "hardship.daily_care", "{a}生活照料困难", "{a}独自居住，子女在外务工。"),
    ("hardship", "hardship.minimum_living", "{a}申请低保救助", "{a}家庭收入低，因病致困。"),
    ("hazard", "hazard.safety.electricity_gas", "{a}家用电线路老化", "{a}家电线私拉乱接、线路老化。"),
    ("hazard", "hazard.safety.self_built_house", "{a}家自建房屋顶漏水墙体开裂", "{a}家自建房屋顶漏水，墙体裂缝。"),
    ("hazard", "hazard.safety.drowning", "{g}山塘防溺水设施缺失", "{g}山塘无警示牌和防护栏。"),
    ("dispute", "dispute.marriage_family", "{a}家庭赡养纠纷", "{a}的子女对赡养费用分担有分歧。"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "国建华明德兴文光荣强军平伟志勇斌海涛俊刚成"
CHANNELS = (("visit", 5), ("walk_in", 2), ("phone", 2), ("wechat", 2), ("patrol", 1), ("inspection", 1), ("hotline", 1))
LEVELS = (("grid", 60), ("village", 25), ("town", 10), ("county", 5))
OPEN_STATES = (("pending", 2), ("in_progress", 5), ("at_department", 1), ("reinspection", 1))


def db_name() -> str:
    return f"county_{TOWNS}towns_{MATTERS}m_{VISITS}v"


def setup(sqlite_copy: bool = True) -> None:
    """Django on the bench county (SQLite: a copy of list_bench's county file when there is one)."""
    from bench.common import setup_django

    path = OUT / f"{db_name()}.sqlite3"
    base = OUT / f"county_{TOWNS}towns.sqlite3"
    if sqlite_copy and not os.environ.get("DATABASE_URL") and not path.exists() and base.exists():
        OUT.mkdir(exist_ok=True)
        shutil.copyfile(base, path)
    setup_django(path)


def ensure(say=print) -> dict:
    """Build what is missing; returns build seconds per part."""
    from django.core.management import call_command

    from gridgov.matters.models import Matter
    from gridgov.places.models import Place
    from gridgov.visits.models import Visit

    call_command("migrate", verbosity=0)
    took: dict = {}
    if not Place.objects.filter(kind="town").exists():
        t0 = time.perf_counter()
        call_command("seed_demo", towns=TOWNS, verbosity=0, no_matters=True)
        took["seed_demo"] = time.perf_counter() - t0
    if Matter.objects.count() < MATTERS:
        took["matters"] = build_matters(MATTERS - Matter.objects.count(), say)
    if Visit.objects.count() < VISITS:
        took["visits"] = build_visits(VISITS - Visit.objects.count(), say)
    return took


def _names() -> list[str]:
    return [s + g1 + g2 for s in SURNAMES for g1 in GIVEN[:8] for g2 in GIVEN[8:]]


def _pick(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def build_matters(total: int, say=print) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.demo.seed import Table, write
    from gridgov.matters import fts
    from gridgov.matters.demo import MATTER_FIELDS, _adapters
    from gridgov.matters.models import Category, DeadlineRule, Department, Feedback, Matter, Supervision
    from gridgov.matters.search import bigram_tokens
    from gridgov.places.models import Place

    t0 = time.perf_counter()
    rng = random.Random(11)
    grids = list(Place.objects.filter(kind="grid").order_by("code").values_list("code", "id", "name"))
    units = dict(Place.objects.filter(kind__in=["village", "town", "county"]).values_list("code", "id"))
    town_depts: dict[str, list[int]] = {}
    for town_code, town_id in Place.objects.filter(kind="town").values_list("code", "id"):
        depts = list(Department.objects.filter(path=town_code).values_list("id", flat=True))
        if not depts:
            made = Department.objects.create(path=town_code, place_id=town_id, kind="judicial", name="司法所")
            depts = [made.pk]
        town_depts[town_code] = depts
    categories = dict(Category.objects.values_list("code", "id"))
    hours = {(k, c, lv): h for k, c, lv, h in DeadlineRule.objects.values_list("kind", "color", "level", "hours")}
    adt, jsn = _adapters()
    names = _names()
    texts = []
    for _ in range(4000):
        kind, code, title_t, desc_t = rng.choice(TEMPLATES)
        g = rng.choice(grids)
        a, b = rng.choice(names), rng.choice(names)
        title, desc = title_t.format(a=a, b=b, g=g[2]), desc_t.format(a=a, b=b, g=g[2])
        texts.append((kind, categories[code], title, desc, bigram_tokens(f"{title} {desc}")))
    now = timezone.now()
    start = now - dt.timedelta(days=365 * YEARS)
    empty = jsn({})
    fts.drop_search_index(connection)
    next_id = (Matter.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    table = Table(Matter, MATTER_FIELDS)
    feedback_table = Table(Feedback, ["created_at", "updated_at", "path", "matter", "method", "contacted_at", "said",
                                      "satisfaction", "verdict"])  # fmt: skip
    card_table = Table(Supervision, ["created_at", "updated_at", "path", "matter", "color", "level", "holder_place",
                                     "holder_department", "reason", "issued_at", "holding_since"])  # fmt: skip
    for offset in range(0, total, BATCH):
        rows, feedbacks, cards = [], [], []
        for i in range(offset, min(total, offset + BATCH)):
            pk = next_id + i
            created = start + dt.timedelta(seconds=(i / total) * 365 * YEARS * 86400 + rng.random() * 60)
            kind, category, title, desc, tokens = texts[rng.randrange(len(texts))]
            gcode, gid, _ = grids[rng.randrange(len(grids))]
            color = rng.choices(("blue", "yellow", "red"), (6, 3, 1))[0]
            level = _pick(rng, LEVELS)
            holder = {"grid": gcode, "village": gcode[:12], "town": gcode[:9], "county": gcode[:6]}[level]
            holder_id = gid if level == "grid" else units[holder]
            dept = rng.choice(town_depts[gcode[:9]]) if level == "town" and rng.random() < 0.4 else None
            age = (now - created).days
            is_open = rng.random() < (0.35 if age < 30 else 0.01)
            arrived = created + dt.timedelta(hours=rng.randint(1, 48))
            h = hours.get((kind, color, "department" if dept else level), 168)
            deadline, red = arrived + dt.timedelta(hours=h), arrived + dt.timedelta(hours=2 * h)
            late = deadline < now and (is_open or rng.random() < 0.08)
            resolved = closed = accepted = None
            if is_open:
                state = "at_department" if dept and rng.random() < 0.5 else _pick(rng, OPEN_STATES)
                if state == "at_department" and not dept:
                    state = "in_progress"
                overdue = deadline < now
                card = ("red" if red < now else "yellow") if overdue else ""
                late = overdue
            else:
                overdue, card = False, ""
                resolved = arrived + dt.timedelta(hours=rng.randint(1, 2 * h if late else max(h - 1, 1)))
                if rng.random() < 0.97:
                    state, closed = "closed", resolved + dt.timedelta(hours=rng.randint(1, 48))
                else:
                    state = "resolved"
                if rng.random() < 0.8:
                    verdict = "accepted" if rng.random() < 0.95 else "rejected"
                    at = resolved + dt.timedelta(hours=rng.randint(1, 24))
                    accepted = at if verdict == "accepted" else None
                    feedbacks.append((adt(at), adt(at), gcode, pk, "phone", adt(at), "满意", 5, verdict))
            if late:
                cards.append((adt(deadline), adt(deadline), gcode, pk, "yellow", level, holder_id, dept,
                              "超过办理时限未办结", adt(deadline), adt(arrived)))  # fmt: skip
            rows.append((
                pk, adt(created), adt(closed or arrived), gcode, kind, category, empty, title, desc, tokens,
                _pick(rng, CHANNELS), "anonymous", None, "", "", None, gid, color, state, is_open, level, holder_id,
                holder, dept, adt(arrived), adt(deadline), adt(red), overdue, card, "已办结" if resolved else "",
                adt(resolved) if resolved else None, adt(accepted) if accepted else None,
                adt(closed) if closed else None, "", "", None, None, False,
            ))  # fmt: skip
        with transaction.atomic():
            write(table, rows)
            write(feedback_table, feedbacks)
            write(card_table, cards)
        say(f"  ... {min(total, offset + BATCH):,} matters")
    fts.create_search_index(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def build_visits(total: int, say=print) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.demo.seed import Table, adapters, through, write
    from gridgov.households.models import Household
    from gridgov.visits.models import HouseholdVisitState, Visit

    t0 = time.perf_counter()
    rng = random.Random(13)
    households = list(Household.objects.order_by("id").values_list("id", "path"))
    visitors = list(User.objects.filter(role__in=["grid_worker", "grid_leader"]).values_list("id", flat=True)) or [None]
    adt, _ = adapters()
    now = timezone.now()
    start = now - dt.timedelta(days=365 * YEARS)
    next_id = (Visit.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    table = Table(Visit, ["id", "created_at", "updated_at", "path", "household", "visited_at", "mode", "companions",
                          "people_met", "findings", "recorded_by"])  # fmt: skip
    links = through(Visit, "visitors")
    for offset in range(0, total, BATCH):
        rows, pairs = [], []
        for i in range(offset, min(total, offset + BATCH)):
            pk = next_id + i
            at = start + dt.timedelta(seconds=(i / total) * 365 * YEARS * 86400 + rng.random() * 60)
            hid, path = households[rng.randrange(len(households))]
            user = visitors[hash(path[:16]) % len(visitors)]
            mode = rng.choices(("door", "phone", "video"), (80, 17, 3))[0]
            rows.append((pk, adt(at), adt(at), path, hid, adt(at), mode, "", "", "家中一切正常", user))
            if user is not None:
                pairs.append((pk, user))
        with transaction.atomic():
            write(table, rows)
            write(links, pairs)
        say(f"  ... {min(total, offset + BATCH):,} visits")
    with transaction.atomic(), connection.cursor() as cursor:
        state = HouseholdVisitState._meta.db_table
        visit = Visit._meta.db_table
        cursor.execute(f"DELETE FROM {state}")
        cursor.execute(
            f"INSERT INTO {state} (household_id, last_visited_at, last_visit_id, visit_count, has_vulnerable,"
            f" has_key_person) SELECT household_id, MAX(visited_at), MAX(id), COUNT(*), %s, %s FROM {visit}"
            f" GROUP BY household_id",
            [False, False],
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def spread() -> str:
    """Where the matters are: towns, levels holding them, states (what the benches measure over)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from gridgov.matters.models import Matter

    towns = Matter.objects.annotate(t=Substr("path", 1, 9)).values("t").order_by().distinct().count()
    total = Matter.objects.count() or 1
    levels = dict(Matter.objects.values_list("level").annotate(n=Count("*")).order_by())
    states = dict(Matter.objects.values_list("state").annotate(n=Count("*")).order_by())
    share = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(levels.items(), key=lambda x: -x[1]))
    state = ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in sorted(states.items(), key=lambda x: -x[1]))
    return f"{towns} towns; held/resolved at {share}; states {state}"
