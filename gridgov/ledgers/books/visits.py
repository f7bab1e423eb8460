"""The visits ledger (走访信息台账, 入户走访登记台账): one row per visit, oldest first.

Read as plain values (no model objects) with the visitors, the vulnerable member checked and the matters the
visit turned into fetched once per chunk, so that a year of a county's visits exports at the writer's speed.
The householder's phone is the stored mask. Nothing here reads key-population data.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from gridgov.ledgers.books.base import (
    Book,
    Choice,
    Column,
    GridNames,
    LedgerFilters,
    chunked,
    in_period,
    joined,
    local_date,
    person,
)
from gridgov.ledgers.books.links import matter_links
from gridgov.ledgers.choices import LedgerKind
from gridgov.visits.choices import VisitMode, VulnerableCategory
from gridgov.visits.models import Visit, VisitMatter

COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=7),
    Column("visited_on", gettext_noop("走访日期"), width=11),
    Column("visitors", gettext_noop("走访人"), width=16),
    Column("grid", gettext_noop("所属网格"), width=16),
    Column("household", gettext_noop("户编号"), width=14, text=True),
    Column("householder", gettext_noop("户主"), width=10),
    Column("phone", gettext_noop("联系电话"), width=13, text=True),
    Column("address", gettext_noop("家庭住址"), width=28),
    Column("mode", gettext_noop("走访方式"), width=9),
    Column("people_met", gettext_noop("见到的人"), width=14),
    Column("vulnerable", gettext_noop("关爱对象"), width=16),
    Column("findings", gettext_noop("发现问题"), width=40),
    Column("matters", gettext_noop("转为事项"), width=24),
    Column("recorder", gettext_noop("录入人"), width=10),
)
FIELDS = (
    "id", "visited_at", "path", "mode", "people_met", "findings", "companions",
    "household__number", "household__address", "household__householder__name",
    "household__householder__phone_masked", "vulnerable_member__resident__name", "vulnerable_member__category",
    "recorded_by__display_name", "recorded_by__username",
)  # fmt: skip

FOUND, TURNED, QUIET = "found", "matter", "quiet"


def outcomes() -> list[tuple[str, str]]:
    return [(FOUND, _("有发现问题")), (TURNED, _("已转为事项")), (QUIET, _("未发现问题"))]


def queryset(user, filters: LedgerFilters) -> QuerySet[Visit]:
    qs = Visit.objects.all() if user is None else Visit.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    qs = in_period(qs, "visited_at", filters, moment=True)
    if filters.category:
        qs = qs.filter(mode=filters.category)
    if filters.state == FOUND:
        qs = qs.exclude(findings="")
    elif filters.state == QUIET:
        qs = qs.filter(findings="")
    elif filters.state == TURNED:
        qs = qs.filter(Exists(VisitMatter.objects.filter(visit_id=OuterRef("pk"))))
    return qs.order_by("visited_at", "id")


def rows(qs: QuerySet[Visit], user=None, start: int = 1) -> Iterator[list[str]]:
    modes = {value: str(label) for value, label in VisitMode.choices}
    categories = {value: str(label) for value, label in VulnerableCategory.choices}
    grids = GridNames()
    through = Visit.visitors.through
    tz = timezone.get_current_timezone()
    no = start - 1
    for chunk in chunked(qs.values_list(*FIELDS).iterator(chunk_size=2000)):
        ids = [r[0] for r in chunk]
        grids.load(r[2] for r in chunk)
        visitors: dict[int, list[str]] = {}
        names = (
            through.objects.filter(visit_id__among=ids)
            .order_by("visit_id", "id")
            .values_list("visit_id", "user__display_name", "user__username")
        )
        for visit_id, display_name, username in names:
            visitors.setdefault(visit_id, []).append(person(display_name, username))
        matters = matter_links(user, VisitMatter.objects.filter(visit_id__among=ids), "visit_id")
        for (pk, visited_at, path, mode, met, findings, companions, number, address, householder, phone,
             vulnerable, vulnerable_category, recorder_name, recorder_username) in chunk:  # fmt: skip
            no += 1
            who = joined(visitors.get(pk, ()))
            if companions:
                who = f"{who}（同行：{companions}）" if who else companions
            yield [
                str(no),
                local_date(visited_at, tz),
                who,
                grids(path),
                number,
                householder or "",
                phone or "",
                address,
                modes.get(mode, mode),
                met,
                f"{vulnerable}（{categories.get(vulnerable_category, vulnerable_category)}）" if vulnerable else "",
                findings,
                matters.get(pk, ""),
                person(recorder_name, recorder_username),
            ]


VISITS = Book(
    kind=LedgerKind.VISIT,
    title=gettext_noop("走访信息台账"),
    columns=COLUMNS,
    period_label=_("走访日期"),
    queryset=queryset,
    rows=rows,
    choices=(
        Choice("category", _("走访方式"), lambda: list(VisitMode.choices)),
        Choice("state", _("走访结果"), outcomes),
    ),
)
