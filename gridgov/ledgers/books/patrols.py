"""The patrol log (治安巡逻日志台账): one row per patrol, oldest first, with its route, members and findings."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from gridgov.ledgers.books.base import Book, Choice, Column, LedgerFilters, chunked, in_period, joined, person
from gridgov.ledgers.books.links import matter_links
from gridgov.ledgers.choices import LedgerKind
from gridgov.patrols.choices import Shift
from gridgov.patrols.models import Patrol, PatrolMatter

COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=6),
    Column("date", gettext_noop("巡逻日期"), width=11),
    Column("shift", gettext_noop("时段"), width=6),
    Column("team", gettext_noop("巡逻队"), width=16),
    Column("route", gettext_noop("巡逻网格"), width=28),
    Column("minutes", gettext_noop("时长（分钟）"), width=10),
    Column("members", gettext_noop("参加队员"), width=20),
    Column("others", gettext_noop("其他参加人员"), width=16),
    Column("headcount", gettext_noop("参加人数"), width=8),
    Column("findings", gettext_noop("发现情况"), width=40),
    Column("matters", gettext_noop("转为事项"), width=24),
    Column("recorder", gettext_noop("录入人"), width=10),
)
FIELDS = (
    "id", "date", "shift", "team__name", "duration_minutes", "others", "headcount", "findings",
    "recorded_by__display_name", "recorded_by__username",
)  # fmt: skip
FOUND, TURNED, QUIET = "found", "matter", "quiet"


def outcomes() -> list[tuple[str, str]]:
    return [(FOUND, _("有发现情况")), (TURNED, _("已转为事项")), (QUIET, _("未发现情况"))]


def queryset(user, filters: LedgerFilters) -> QuerySet[Patrol]:
    qs = Patrol.objects.all() if user is None else Patrol.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    qs = in_period(qs, "date", filters, moment=False)
    if filters.category:
        qs = qs.filter(shift=filters.category)
    if filters.state == FOUND:
        qs = qs.exclude(findings="")
    elif filters.state == QUIET:
        qs = qs.filter(findings="")
    elif filters.state == TURNED:
        qs = qs.filter(Exists(PatrolMatter.objects.filter(patrol_id=OuterRef("pk"))))
    return qs.order_by("date", "id")


def rows(qs: QuerySet[Patrol], user=None, start: int = 1) -> Iterator[list[str]]:
    shifts = {value: str(label) for value, label in Shift.choices}
    route_through, member_through = Patrol.route.through, Patrol.members.through
    no = start - 1
    for chunk in chunked(qs.values_list(*FIELDS).iterator(chunk_size=2000)):
        ids = [r[0] for r in chunk]
        routes: dict[int, list[str]] = {}
        for patrol_id, name in (
            route_through.objects.filter(patrol_id__among=ids)
            .order_by("patrol_id", "place__code")
            .values_list("patrol_id", "place__name")
        ):
            routes.setdefault(patrol_id, []).append(name)
        members: dict[int, list[str]] = {}
        for patrol_id, name in (
            member_through.objects.filter(patrol_id__among=ids)
            .order_by("patrol_id", "appointment_id")
            .values_list("patrol_id", "appointment__person_name")
        ):
            members.setdefault(patrol_id, []).append(name)
        matters = matter_links(user, PatrolMatter.objects.filter(patrol_id__among=ids), "patrol_id")
        for pk, date, shift, team, minutes, others, headcount, findings, recorder_name, recorder_username in chunk:
            no += 1
            yield [
                str(no),
                date.isoformat(),
                shifts.get(shift, shift),
                team,
                joined(routes.get(pk, ())),
                str(minutes),
                joined(members.get(pk, ())),
                others,
                str(headcount),
                findings,
                matters.get(pk, ""),
                person(recorder_name, recorder_username),
            ]


PATROLS = Book(
    kind=LedgerKind.PATROL,
    title=gettext_noop("治安巡逻日志台账"),
    columns=COLUMNS,
    period_label=_("巡逻日期"),
    queryset=queryset,
    rows=rows,
    choices=(
        Choice("category", _("时段"), lambda: list(Shift.choices)),
        Choice("state", _("巡逻发现"), outcomes),
    ),
)
