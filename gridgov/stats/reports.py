"""Figures for the command line (operators, no account): a place's headline figures (`place_figures`), its
matters per kind (`matter_figures`) and its field work in the reports' terms (`activity`).

These were each app's own code (`demo/queries.py`, `matters/ledgers.py`, the field apps' ``demo.figures``);
they live here so that a figure is computed in one place. Counts that the catalogue has go through
`gridgov.stats.engine` (rollups where current); the rest count the records directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from gridgov.stats import engine
from gridgov.stats.choices import DONE_STATES
from gridgov.stats.periods import Period

SINCE = dt.date(2021, 1, 1)  # "2021年以来", the first article's period
CHUNK = 5000


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    unit: str


# ---------------------------------------------------------------- the place's structure


def distinct_people(code: str, role: str) -> int:
    """People (not appointments) holding ``role`` under ``code``: one person may serve two grids."""
    from gridgov.personnel.choices import AppointmentStatus
    from gridgov.personnel.models import Appointment

    current = Appointment.objects.within(code).filter(role=role, status=AppointmentStatus.APPOINTED)
    counts = current.aggregate(
        residents=Count("resident", distinct=True),
        others=Count("person_name", distinct=True, filter=Q(resident__isnull=True)),
    )
    return counts["residents"] + counts["others"]


def place_figures(code: str) -> list[Figure]:
    """The figures the 2022 report gives for 寨坝镇, computed from the records under ``code``."""
    from gridgov.households.models import Household, Resident
    from gridgov.personnel.choices import AppointmentRole
    from gridgov.personnel.models import ChatGroup, PartyGroup, PatrolTeam
    from gridgov.places.choices import PlaceKind
    from gridgov.places.models import Place

    places = {
        row["kind"]: row["n"] for row in Place.objects.within(code).order_by().values("kind").annotate(n=Count("*"))
    }
    return [
        Figure("villages", "村（社区）", places.get(PlaceKind.VILLAGE, 0), "个"),
        Figure("groups", "村民小组", places.get(PlaceKind.GROUP, 0), "个"),
        Figure("grids", "网格", places.get(PlaceKind.GRID, 0), "个"),
        Figure("clusters", "联户", places.get(PlaceKind.CLUSTER, 0), "个"),
        Figure("party_groups", "网格党小组", PartyGroup.objects.within(code).count(), "个"),
        Figure("grid_leaders", "网格长", distinct_people(code, AppointmentRole.GRID_LEADER), "名"),
        Figure("grid_workers", "网格员", distinct_people(code, AppointmentRole.GRID_WORKER), "名"),
        Figure("cluster_leaders", "联户长", distinct_people(code, AppointmentRole.CLUSTER_LEADER), "名"),
        Figure("chat_groups", '"好邻居"微信群', ChatGroup.objects.within(code).count(), "个"),
        Figure("patrol_teams", "治安巡逻队", PatrolTeam.objects.within(code).count(), "支"),
        Figure("patrol_members", "巡逻队员", distinct_people(code, AppointmentRole.PATROL_MEMBER), "名"),
        Figure("households", "户", Household.objects.within(code).count(), "户"),
        Figure("residents", "居民", Resident.objects.within(code).count(), "人"),
    ]


def figures_sentence(name: str, figures: list[Figure]) -> str:
    """One sentence in the report's words."""
    f = {x.key: x.value for x in figures}
    return (
        f"{name}共划分网格{f['grids']}个，组建网格党小组{f['party_groups']}个，选配网格长{f['grid_leaders']}名、"
        f"网格员{f['grid_workers']}名、联户长{f['cluster_leaders']}名，建立“好邻居”微信群{f['chat_groups']}个，"
        f"组建治安巡逻队{f['patrol_teams']}支；覆盖{f['households']:,}户、{f['residents']:,}人。"
    )


# ---------------------------------------------------------------- matters per kind


@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    received: int  # recorded in the period (merged duplicates left out)
    resolved: int  # of those, resolved or closed by now
    open: int  # of those, still open
    overdue: int  # of those, open and past the time limit


def matter_figures(place_code: str, since: dt.date, until: dt.date) -> list[KindFigures]:
    """Counts per kind of the matters recorded at ``place_code`` (and below) between two dates (inclusive)."""
    from gridgov.matters.choices import OPEN_STATES, MatterKind

    rows = engine.count("matters", place_code, Period(since, until), dims=["kind", "state", "overdue"])
    out = []
    for kind in MatterKind:
        mine = [r for r in rows if r["kind"] == kind.value]
        out.append(
            KindFigures(
                kind.value,
                kind.label,
                sum(r["n"] for r in mine),
                sum(r["n"] for r in mine if r["state"] in DONE_STATES),
                sum(r["n"] for r in mine if r["state"] in OPEN_STATES),
                sum(r["n"] for r in mine if r["overdue"]),
            )
        )
    return out


# ---------------------------------------------------------------- field work since 2021


def _since_2021(code: str) -> Period:
    return Period(SINCE, max(timezone.localdate(), SINCE))


def visit_figures(code: str) -> list[tuple[str, int]]:
    """The visits ledger since 2021 in the report's terms."""
    from gridgov.visits.models import Visit, VisitMatter

    period = _since_2021(code)
    modes = engine.grouped(engine.count("visits", code, period, dims=["mode"]), "mode")
    total = sum(modes.values())
    since = timezone.make_aware(dt.datetime.combine(SINCE, dt.time.min))
    visits = Visit.objects.filter(path__startswith=code, visited_at__gte=since)
    households = visits.aggregate(n=Count("household", distinct=True))["n"]
    return [
        ("入户走访（次）", total),
        ("其中上门入户（次）", modes.get("door", 0)),
        ("电话、视频走访（次）", total - modes.get("door", 0)),
        ("走访覆盖户数（户）", households),
        ("走访发现转为事项（件）", VisitMatter.objects.filter(visit__in=visits).count()),
    ]


def key_person_figures(code: str) -> list[tuple[str, int]]:
    """Key persons since 2021 in the report's terms (摸排稳控13类重点人员N人), by category. The command line
    is the operator's: a page or the API reads key persons only through `queries` (the grant)."""
    from gridgov.keypersons.choices import KeyPersonStatus
    from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory

    rows = engine.count("key_persons", code, _since_2021(code), dims=["category", "status"])
    by_category = engine.grouped(rows, "category")
    categories = list(KeyPersonCategory.objects.order_by("sort_order", "code"))
    active = [r for r in rows if r["status"] in KeyPerson.ACTIVE_STATUSES]
    persons = KeyPerson.objects.filter(path__startswith=code, enlisted_on__gte=SINCE)
    out = [
        ("摸排稳控重点人员（人）", sum(by_category.values())),
        ("涉及类别（类）", sum(1 for c in categories if by_category.get(c.pk))),
    ]
    out += [(f"　{c.name}（人）", by_category.get(c.pk, 0)) for c in categories]
    out += [
        ("在册稳控（人）", sum(r["n"] for r in active)),
        ("其中失联（人）", sum(r["n"] for r in active if r["status"] == KeyPersonStatus.OUT_OF_CONTACT)),
        ("稳控记录（次）", FollowUp.objects.filter(key_person__in=persons).count()),
    ]
    return out


def patrol_figures(code: str) -> list[tuple[str, int]]:
    """The report's patrol figures since 2021."""
    from gridgov.patrols.choices import Shift
    from gridgov.patrols.models import Patrol, PatrolMatter

    rows = engine.count("patrols", code, _since_2021(code), dims=["shift"], sums=["headcount"])
    shifts = engine.grouped(rows, "shift")
    since = Patrol.objects.within(code).filter(date__gte=SINCE)
    return [
        ("夜间巡逻", shifts.get(Shift.NIGHT, 0)),
        ("白天巡逻", shifts.get(Shift.DAY, 0)),
        ("巡逻参与人次", sum(r["headcount"] for r in rows)),
        ("巡逻发现问题", since.exclude(findings="").count()),
        ("巡逻发现转为事项", PatrolMatter.objects.filter(patrol__in=since).count()),
    ]


def chat_notice_figures(code: str) -> list[tuple[str, int]]:
    """The chat-notice figures since 2021."""
    from gridgov.chatnotices.choices import DeliveryStatus
    from gridgov.chatnotices.models import ChatDelivery, ChatNotice

    since = timezone.make_aware(dt.datetime.combine(SINCE, dt.time.min))
    notices = ChatNotice.objects.within(code).filter(created_at__gte=since)
    counts = ChatDelivery.objects.filter(notice__in=notices).aggregate(
        total=Count("id"),
        robot=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        hand=Count("id", filter=Q(status=DeliveryStatus.SENT_BY_HAND)),
        open=Count("id", filter=~Q(status__in=[DeliveryStatus.SENT, DeliveryStatus.SENT_BY_HAND])),
    )
    return [
        ("群通知", notices.count()),
        ("群通知发送群次", counts["total"]),
        ("群机器人送达", counts["robot"]),
        ("手工转发", counts["hand"]),
        ("待转发", counts["open"]),
    ]


def publicity_figures(code: str) -> list[tuple[str, int]]:
    """开展小宣讲 N 场、受众 N 人次 since 2021."""
    rows = engine.count("publicity", code, _since_2021(code), sums=["attendance"])
    return [("开展小宣讲（场）", sum(r["n"] for r in rows)), ("宣讲受众（人次）", sum(r["attendance"] for r in rows))]


def deliberation_figures(code: str) -> list[tuple[str, int]]:
    """议事协商 N 次 (participants, follow-up matters) since 2021."""
    from gridgov.deliberations.models import Deliberation, DeliberationMatter

    since = Deliberation.objects.within(code).filter(held_on__gte=SINCE)
    row = since.order_by().aggregate(n=Count("id"), people=Sum("participant_count"))
    return [
        ("议事协商（次）", row["n"]),
        ("议事参与（人次）", row["people"] or 0),
        ("议定事项转办（件）", DeliberationMatter.objects.filter(deliberation__in=since).count()),
    ]


def deed_figures(code: str) -> list[tuple[str, int]]:
    """为群众办实事 N 件 since 2021."""
    from gridgov.deeds.models import Deed

    total = engine.total("deeds", code, _since_2021(code))
    since = Deed.objects.within(code).filter(done_on__gte=SINCE)
    households = since.order_by().aggregate(households=Count("household", distinct=True))["households"]
    return [("为群众办实事（件）", total), ("办实事受益户（户）", households)]


def cleanup_figures(code: str) -> list[tuple[str, int]]:
    """环境整治 N 轮 (people, problems by handling) since 2021."""
    from gridgov.matters.choices import Recurrence

    period = _since_2021(code)
    rounds = engine.count("cleanup_rounds", code, period, sums=["participants"])
    problems = engine.grouped(engine.count("cleanup_problems", code, period, dims=["recurrence"]), "recurrence")
    return [
        ("环境整治（轮）", sum(r["n"] for r in rounds)),
        ("整治参与（人次）", sum(r["participants"] for r in rounds)),
        ("整治发现问题（处）", sum(problems.values())),
        ("一次性解决（处）", problems.get(Recurrence.ONE_OFF, 0)),
        ("常态化整治（处）", problems.get(Recurrence.RECURRING, 0)),
        ("需上级帮助（处）", problems.get(Recurrence.NEEDS_HELP, 0)),
    ]


def campaign_figures(code: str) -> list[tuple[str, int]]:
    """Campaigns under ``code`` in the report's terms, computed from the checks and their answers.

    Returnee figures read the conventional question keys ``returned`` (yes/no), ``returnees``
    (number), ``health_code`` and ``quarantine``; a campaign without those keys adds nothing there.
    """
    from gridgov.campaigns.models import Campaign, HouseholdCheck

    campaigns = list(
        Campaign.objects.within(code)
        .annotate(checked=Count("checks", filter=Q(checks__path__within=code)))
        .order_by("starts_on", "id")
        .values_list("title", "checked")
    )
    checks = households_with = returnees = flagged_code = isolated = 0
    seen: set[int] = set()
    for household_id, answers in (
        HouseholdCheck.objects.within(code).values_list("household_id", "answers").iterator(chunk_size=CHUNK)
    ):
        checks += 1
        seen.add(household_id)
        answers = answers or {}
        if answers.get("returned") is True:
            households_with += 1
            value = answers.get("returnees")
            returnees += int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 1
        if answers.get("health_code") in ("黄码", "红码"):
            flagged_code += 1
        if answers.get("quarantine") in ("居家隔离", "集中隔离"):
            isolated += 1
    return [
        ("摸排活动（次）", len(campaigns)),
        ("摸排户次", checks),
        *((f"\u3000{title}（户）", checked) for title, checked in campaigns),
        ("摸排覆盖户数（户）", len(seen)),
        ("有返乡人员的户（户次）", households_with),
        ("返乡人员（人次）", returnees),
        ("黄码、红码人员所在户（户）", flagged_code),
        ("落实居家或集中隔离（户）", isolated),
    ]


# (app, label, figures): the field work of `manage.py demo_activity`, in the order the demo seeds it.
ACTIVITY = (
    ("visits", "走访", visit_figures),
    ("keypersons", "重点人员", key_person_figures),
    ("patrols", "巡逻", patrol_figures),
    ("chatnotices", "微信群通知", chat_notice_figures),
    ("publicity", "宣讲", publicity_figures),
    ("deliberations", "议事协商", deliberation_figures),
    ("deeds", "办实事", deed_figures),
    ("cleanups", "环境整治", cleanup_figures),
    ("campaigns", "摸排", campaign_figures),
)


def activity(code: str) -> list[tuple[str, list[tuple[str, int]]]]:
    """(label, [(figure, value)]) of every section of a place's field work since 2021."""
    return [(label, figures(code)) for _, label, figures in ACTIVITY]


def activity_of(app: str, code: str) -> list[tuple[str, int]]:
    return next(figures for name, _, figures in ACTIVITY if name == app)(code)
