"""The demo town's household visits since 2021, shaped like the 寨坝镇 report (网格员、联户长入户走访8700余次).

About 8,700 visits from 2021-01-01 to today by the town's grid workers and grid leaders (their field
accounts, `gridgov.demo.field`), often with the household's cluster leader along: mostly at the
door, some by phone or video; findings in the words of a visit book (all well, a worry passed on,
a hazard spotted, the epidemic returnee checks of early 2022). A third of them fall in the last
quarter (the current round), so the coverage screens show a town that is visiting, with overdue
and never-visited households left to do.

Written with raw multi-row inserts; each household's `HouseholdVisitState` is then rebuilt from the
ledger (`rebuild_states`), exactly as the actions would have left it. A seed and a day give the
same records; running again on a town that has visits does nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from gridgov.demo.build import DEMO_TOWN
from gridgov.demo.field import ensure_field_accounts
from gridgov.demo.seed import Table, adapters, through, write
from gridgov.households.models import Household, Resident
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.visits.actions import pick_rule, rules_covering
from gridgov.visits.choices import VisitMode
from gridgov.visits.models import HouseholdVisitState, Visit, VisitMatter, VulnerableMember

START = dt.date(2021, 1, 1)
TOTAL = 8_736  # 8,700 and more (8700余次)
RECENT_DAYS = 90  # the current visiting round
RECENT_SHARE = 0.34
GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
EPIDEMIC = (dt.date(2022, 1, 1), dt.date(2022, 12, 15))
CHUNK = 5000
STATE_COLUMNS = [
    "household", "last_visited_at", "last_visit", "visit_count", "has_vulnerable", "has_key_person", "due_on",
    "key_due_on",
]  # fmt: skip

# (weight, findings); {h} the householder, {m} someone of the household.
FINDINGS: list[tuple[int, str]] = [
    (30, "家中一切正常，{h}身体健康，生产生活无困难。"),
    (12, "宣传防范电信网络诈骗知识，提醒{h}不接陌生来电、不点陌生链接，已加入“好邻居”微信群。"),
    (8, "了解{m}外出务工情况，家中老人由{h}照料，生活正常。"),
    (6, "宣传城乡居民医疗保险、养老保险缴费政策，{h}表示按时缴纳。"),
    (5, "{h}反映通组路路灯不亮，已记录并向村委会反映。"),
    (5, "检查家中用电用气安全，提醒{h}不私拉乱接电线，灶台旁不堆放柴草。"),
    (4, "{h}家房前屋后环境卫生较好，提醒垃圾分类投放。"),
    (4, "{h}咨询耕地地力保护补贴发放时间，已现场解答。"),
    (3, "暑期防溺水宣传，叮嘱{h}看管好孩子，不到山塘、河边玩水。"),
    (3, "{h}年老体弱，子女在外，已联系联户长日常照看。"),
    (3, "{h}与邻居因排水沟有口角，现场劝解，双方表示互相体谅。"),
    (2, "{h}家自建房墙体有细小裂缝，已提醒注意观察，雨季前请村里帮助查看。"),
    (2, "宣传森林防火，提醒{h}上坟祭祀不烧纸、不放鞭炮。"),
    (2, "宣传移风易俗、红事新办白事简办，{h}表示支持。"),
    (1, "{h}反映低保年审材料不会准备，已告知所需材料，由红管家协助代办。"),
]
EPIDEMIC_FINDINGS: list[tuple[int, str]] = [
    (6, "疫情防控摸排：家中无外地返乡人员，{h}已接种疫苗，提醒做好个人防护。"),
    (3, "疫情防控摸排：{m}近期从外省返乡，已登记行程并提醒按要求报备。"),
    (2, "宣传疫情防控政策，提醒{h}少聚集、戴口罩，有情况及时在微信群报告。"),
]
MODES = [(80, VisitMode.DOOR), (17, VisitMode.PHONE), (3, VisitMode.VIDEO)]


def _pick(rng: random.Random, pairs: list[tuple[int, str]]) -> str:
    return rng.choices([value for _, value in pairs], weights=[weight for weight, _ in pairs])[0]


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randint(8 * 60 + 30, 18 * 60 + 30)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive)


def _next_id(model) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({quote('id')}), 0) FROM {quote(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


def _reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _day(rng: random.Random, today: dt.date) -> dt.date:
    recent_start = today - dt.timedelta(days=RECENT_DAYS - 1)
    if rng.random() < RECENT_SHARE:
        return recent_start + dt.timedelta(days=rng.randrange(RECENT_DAYS))
    return START + dt.timedelta(days=rng.randrange(max((recent_start - START).days, 1)))


def seed(seed: int = 1, today: dt.date | None = None, town: str = DEMO_TOWN) -> dict[str, int]:
    """Add the town's visits since 2021 (nothing if it has visits already); returns what was written."""
    if Visit.objects.filter(path__startswith=town).exists():
        return {}
    today = today or timezone.localdate()
    rng = random.Random(f"visits:{seed}")
    accounts = ensure_field_accounts(town)
    households = list(
        Household.objects.filter(path__startswith=town).order_by("id").values_list("id", "path", "cluster_id")
    )
    if not households:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    for household_id, name in (
        Resident.objects.filter(path__startswith=town, household__isnull=False)
        .order_by("household_id", "id")
        .values_list("household_id", "name")
    ):
        names[household_id].append(name)
    cluster_leaders = dict(
        Appointment.objects.filter(
            path__startswith=town, role=AppointmentRole.CLUSTER_LEADER, status=AppointmentStatus.APPOINTED
        ).values_list("place_id", "person_name")
    )
    now = timezone.now()
    adt, _ = adapters()
    visit_id = _next_id(Visit)
    rows, links = [], []
    by_id = {h[0]: h for h in households}
    found = _matters_found_on_visits(town, by_id)  # the first visits are those that found the year's visit matters
    matter_links = []
    for n in range(TOTAL):
        if n < len(found):
            matter_id, household_id, recorded_at, title = found[n]
            _, path, cluster_id = by_id[household_id]
            at = recorded_at - dt.timedelta(minutes=rng.randint(10, 90))  # the visit, then the matter recorded
            day = timezone.localdate(at)
            findings, mode = f"走访中发现：{title}，已登记为事项", VisitMode.DOOR
            matter_links.append(VisitMatter(visit_id=visit_id, matter_id=matter_id, created_at=recorded_at))
        else:
            household_id, path, cluster_id = households[rng.randrange(len(households))]
            day = _day(rng, today)
            at = _moment(rng, day)
            if day == today and at > now:
                at = now - dt.timedelta(minutes=rng.randint(5, 120))
        people = names.get(household_id) or ["户主"]
        h = people[0]
        m = people[rng.randrange(len(people))]
        if n >= len(found):
            pool = EPIDEMIC_FINDINGS + FINDINGS[:3] if EPIDEMIC[0] <= day <= EPIDEMIC[1] else FINDINGS
            findings = _pick(rng, pool).format(h=h, m=m)
            mode = _pick(rng, MODES)
        staff = accounts.of(path[:GRID_LENGTH])
        visitors = [staff[rng.randrange(len(staff))]] if staff else []
        if len(staff) > 1 and rng.random() < 0.15:
            visitors = staff[:2]
        leader = cluster_leaders.get(cluster_id)
        companions = f"联户长{leader}" if leader and mode == VisitMode.DOOR and rng.random() < 0.4 else ""
        met = h if mode != VisitMode.DOOR or len(people) == 1 or rng.random() < 0.6 else f"{h}、{m}"
        rows.append(
            (
                visit_id,
                adt(at),
                adt(at),
                path,
                household_id,
                adt(at),
                mode,
                companions,
                met,
                findings,
                visitors[0] if visitors else None,
            )
        )
        links += [(visit_id, user_id) for user_id in visitors]
        visit_id += 1
    rows.sort(key=lambda r: r[0])
    table = Table(
        Visit,
        [
            "id", "created_at", "updated_at", "path", "household", "visited_at", "mode", "companions", "people_met",
            "findings", "recorded_by",
        ],
    )  # fmt: skip
    with transaction.atomic():
        for start in range(0, len(rows), CHUNK):
            write(table, rows[start : start + CHUNK])
        write(through(Visit, "visitors"), links)
        VisitMatter.objects.bulk_create(matter_links)
        _reset_sequences([Visit, Visit.visitors.through])
        states = rebuild_states(town)
    return {"visits": len(rows), "visitors": len(links), "households": states, "visit_matters": len(matter_links)}


def _matters_found_on_visits(town: str, households: dict) -> list[tuple[int, int, dt.datetime, str]]:
    """The matter engine's demo matters that came from a household visit (channel 入户走访) and name a
    household of the town: (matter id, household id, recorded at, title), oldest first."""
    from gridgov.matters.choices import SourceChannel
    from gridgov.matters.models import Matter

    found = Matter.objects.filter(path__startswith=town, channel=SourceChannel.VISIT, household__isnull=False)
    return [
        row
        for row in found.order_by("created_at", "id").values_list("id", "household_id", "created_at", "title")
        if row[1] in households
    ][:TOTAL]


def rebuild_states(town: str = DEMO_TOWN) -> int:
    """Recompute every `HouseholdVisitState` under ``town`` from the ledger, as the actions keep it.

    Latest visit, count, the vulnerable and key-person flags and both due dates under the place's
    rule. Used by the demo seeders after bulk inserts (visits, vulnerable members, key persons).
    """
    from django.apps import apps

    key_person = apps.get_model("keypersons", "KeyPerson")
    visited = {
        r["household_id"]: r
        for r in Visit.objects.filter(path__startswith=town).values("household_id").annotate(n=Count("id")).order_by()
    }
    latest: dict[int, tuple] = {}
    for household_id, at, pk in (
        Visit.objects.filter(path__startswith=town).order_by("household_id", "visited_at", "id")
    ).values_list("household_id", "visited_at", "id"):
        latest[household_id] = (at, pk)
    vulnerable = set(
        VulnerableMember.objects.filter(path__startswith=town, active=True).values_list("household_id", flat=True)
    )
    keyed = set(
        key_person.objects.filter(path__startswith=town, status__in=key_person.ACTIVE_STATUSES)
        .exclude(resident__household_id=None)
        .values_list("resident__household_id", flat=True)
    )
    wanted = set(visited) | vulnerable | keyed
    paths = dict(Household.objects.filter(pk__in=wanted).values_list("id", "path")) if wanted else {}
    rules = rules_covering(town)
    states = []
    for household_id in sorted(wanted):
        at, pk = latest.get(household_id, (None, None))
        rule = pick_rule(rules, paths[household_id])
        flags = household_id in vulnerable, household_id in keyed
        local = timezone.localdate(at) if at else None
        states.append(
            HouseholdVisitState(
                household_id=household_id,
                last_visited_at=at,
                last_visit_id=pk,
                visit_count=visited[household_id]["n"] if household_id in visited else 0,
                has_vulnerable=flags[0],
                has_key_person=flags[1],
                due_on=local + dt.timedelta(days=rule.interval(flags[0])) if local else None,
                key_due_on=local + dt.timedelta(days=rule.interval(flags[0] or flags[1])) if local else None,
            )
        )
    HouseholdVisitState.objects.filter(household__path__startswith=town).delete()
    adt, adate = adapters()
    table = Table(HouseholdVisitState, STATE_COLUMNS)
    write(table, [tuple(_state_value(getattr(s, f), adt, adate) for f in table.columns) for s in states])
    return len(states)


def _state_value(value, adt, adate):
    if isinstance(value, dt.datetime):
        return adt(value)
    if isinstance(value, dt.date):
        return adate(value)
    return value
