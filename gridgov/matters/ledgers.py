"""The disputes ledger (矛盾纠纷排查化解台账) and the hazards ledger (安全隐患排查整治台账): views of matters.

Each ledger is a queryset of matters (filtered by place, period, category, color and state, always
through `for_user` when a user asks) and rows in the column layout a township keeps, exported to
xlsx with the registers' writer: every cell a string (formula-safe), phones masked, one audit event
per export. Pages link `ledger_queryset` / `ledger_rows`; the command `export_ledger` writes the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.matters.actions import ActionRefused
from gridgov.matters.choices import MatterAction, MatterKind
from gridgov.matters.models import Feedback, Matter, MatterEvent, MediationAgreement, MediationSession
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place
from gridgov.registers import excel

DISPUTE, HAZARD = "dispute", "hazard"
KINDS = {DISPUTE: MatterKind.DISPUTE, HAZARD: MatterKind.HAZARD}
TITLES = {DISPUTE: "矛盾纠纷排查化解台账", HAZARD: "安全隐患排查整治台账"}
GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
CHUNK = 500

DISPUTE_COLUMNS: tuple[excel.Column, ...] = (
    excel.Column("no", "序号", width=6),
    excel.Column("reference", "受理编号", width=17, text=True),
    excel.Column("recorded_on", "登记日期", width=11),
    excel.Column("category", "纠纷类型", width=16),
    excel.Column("parties", "当事人", width=20),
    excel.Column("phone", "联系电话", width=13, text=True),
    excel.Column("summary", "纠纷简要情况", width=40),
    excel.Column("color", "风险等级", width=8),
    excel.Column("mediators", "调解员", width=16),
    excel.Column("mediated_on", "调解日期", width=11),
    excel.Column("outcome", "调解结果", width=10),
    excel.Column("agreement", "协议", width=24),
    excel.Column("feedback", "回访情况", width=30),
    excel.Column("finished_on", "办结日期", width=11),
    excel.Column("state", "状态", width=12),
    excel.Column("grid", "所属网格", width=16),
)
HAZARD_COLUMNS: tuple[excel.Column, ...] = (
    excel.Column("no", "序号", width=6),
    excel.Column("reference", "受理编号", width=17, text=True),
    excel.Column("found_on", "发现日期", width=11),
    excel.Column("category", "隐患类别", width=16),
    excel.Column("location", "地点", width=24),
    excel.Column("description", "隐患描述", width=40),
    excel.Column("color", "风险等级", width=8),
    excel.Column("measures", "整改措施", width=30),
    excel.Column("deadline", "整改时限", width=11),
    excel.Column("reinspection", "复查情况", width=24),
    excel.Column("closed_on", "销号日期", width=11),
    excel.Column("responsible", "责任人", width=14),
    excel.Column("state", "状态", width=12),
    excel.Column("grid", "所属网格", width=16),
)
COLUMNS = {DISPUTE: DISPUTE_COLUMNS, HAZARD: HAZARD_COLUMNS}


@dataclass(frozen=True)
class LedgerFilters:
    """All optional: place code (its subtree), registration dates (inclusive), category id (a group
    node takes its children), color, state."""

    place: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    category: int | None = None
    color: str = ""
    state: str = ""

    @classmethod
    def for_year(cls, year: int, **more) -> LedgerFilters:
        return cls(since=dt.date(year, 1, 1), until=dt.date(year, 12, 31), **more)

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items() if v}


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError({"kind": "台账只有矛盾纠纷（dispute）和安全隐患（hazard）两种"})
    return kind


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def ledger_queryset(user, kind: str, filters: LedgerFilters = LedgerFilters()) -> QuerySet[Matter]:
    """The matters of one ledger, oldest first (the order a ledger is kept in).

    ``user`` None is the operator's command line (the whole database); otherwise `for_user`.
    Merged duplicates are left out: a ledger counts each matter once.
    """
    _check_kind(kind)
    base = Matter.objects.all() if user is None else Matter.objects.for_user(user)
    qs = base.filter(kind=KINDS[kind]).exclude(state="merged")
    if filters.place:
        qs = qs.filter(path__within=filters.place)
    if filters.since:
        qs = qs.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.color:
        qs = qs.filter(color=filters.color)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs.order_by("created_at", "id")


def _date(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _grid_names(matters: list[Matter]) -> dict[str, str]:
    codes = {m.path[:GRID_LENGTH] for m in matters if len(m.path) >= GRID_LENGTH}
    return dict(Place.objects.filter(code__in=codes).values_list("code", "name"))


def _chunks(qs: QuerySet[Matter], prefetch: list) -> Iterator[list[Matter]]:
    ids = list(qs.values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows = (
            Matter.objects.filter(id__in=part)
            .select_related("category", "place", "holder_place", "holder_department", "reporter_resident", "household")
            .prefetch_related(*prefetch)
            .order_by("created_at", "id")
        )
        yield list(rows)


def _reporter(matter: Matter) -> tuple[str, str]:
    if matter.reporter_type == "resident" and matter.reporter_resident_id:
        return matter.reporter_resident.name, matter.reporter_resident.phone_masked
    if matter.reporter_type == "outsider":
        return matter.reporter_name, matter.reporter_phone_masked
    return "", ""


def _feedback_text(feedbacks: list[Feedback]) -> str:
    if not feedbacks:
        return ""
    f = feedbacks[-1]
    parts = [_date(f.contacted_at), f.get_method_display(), f.get_verdict_display()]
    if f.satisfaction:
        parts.append(f"满意度{f.satisfaction}")
    text = " ".join(parts)
    return f"{text}：{f.said}" if f.said else text


def _holder(matter: Matter) -> str:
    return matter.holder_department.name if matter.holder_department_id else matter.holder_place.name


def dispute_rows(qs: QuerySet[Matter]) -> Iterator[list[str]]:
    prefetch = [
        Prefetch("mediations", MediationSession.objects.prefetch_related("mediators").order_by("scheduled_for", "id")),
        Prefetch("agreements", MediationAgreement.objects.order_by("signed_on", "id")),
        Prefetch("feedbacks", Feedback.objects.order_by("contacted_at", "id")),
    ]
    no = 0
    for chunk in _chunks(qs, prefetch):
        grids = _grid_names(chunk)
        for m in chunk:
            no += 1
            sessions = list(m.mediations.all())
            held = [s for s in sessions if s.outcome]
            last = held[-1] if held else (sessions[-1] if sessions else None)
            agreements = list(m.agreements.all())
            reporter, phone = _reporter(m)
            parties = next((s.parties for s in reversed(sessions) if s.parties), "")
            if not parties and agreements:
                parties = "、".join(p.get("name", "") for p in agreements[-1].parties if p.get("name"))
            mediators = []
            for s in sessions:
                mediators += [p.person_name for p in s.mediators.all()]
            yield [
                str(no),
                m.reference,
                _date(m.created_at),
                m.category.name,
                parties or reporter,
                phone,
                m.description or m.title,
                m.get_color_display(),
                "、".join(dict.fromkeys(mediators)),
                _date(last.held_at or last.scheduled_for) if last else "",
                last.get_outcome_display() if last and last.outcome else ("待调解" if last else ""),
                "；".join(f"{a.number}（{_date(a.signed_on)}签订）" for a in agreements),
                _feedback_text(list(m.feedbacks.all())),
                _date(m.resolved_at),
                m.get_state_display(),
                grids.get(m.path[:GRID_LENGTH], ""),
            ]


def hazard_rows(qs: QuerySet[Matter]) -> Iterator[list[str]]:
    wanted = [MatterAction.RECTIFY, MatterAction.REINSPECT]
    prefetch = [Prefetch("events", MatterEvent.objects.filter(action__in=wanted).order_by("at", "id"))]
    no = 0
    for chunk in _chunks(qs, prefetch):
        grids = _grid_names(chunk)
        for m in chunk:
            no += 1
            events = list(m.events.all())
            rectified = [e for e in events if e.action == MatterAction.RECTIFY]
            inspected = [e for e in events if e.action == MatterAction.REINSPECT]
            reinspection = ""
            if inspected:
                e = inspected[-1]
                verdict = "通过" if (e.data or {}).get("passed") else "未通过"
                reinspection = f"{_date(e.at)} {verdict}：{e.note}"
            location = m.household.address if m.household_id else m.place.name
            site = (m.extra or {}).get("enterprise") or (m.extra or {}).get("premises")
            if site:
                location = f"{location}（{site}）"
            yield [
                str(no),
                m.reference,
                _date(m.created_at),
                m.category.name,
                location,
                m.description or m.title,
                m.get_color_display(),
                rectified[-1].note if rectified else "",
                _date(m.deadline_at),
                reinspection,
                _date(m.closed_at),
                rectified[-1].actor_name if rectified else _holder(m),
                m.get_state_display(),
                grids.get(m.path[:GRID_LENGTH], ""),
            ]


def ledger_rows(kind: str, qs: QuerySet[Matter]) -> Iterator[list[str]]:
    return dispute_rows(qs) if _check_kind(kind) == DISPUTE else hazard_rows(qs)


def ledger_title(kind: str, place: Place | None, filters: LedgerFilters) -> str:
    name = place.name if place else ""
    period = ""
    if filters.since and filters.until:
        if (filters.since.month, filters.since.day, filters.until.month, filters.until.day) == (1, 1, 12, 31) and (
            filters.since.year == filters.until.year
        ):
            period = f"{filters.since.year}年"
        else:
            period = f"{filters.since:%Y-%m-%d}至{filters.until:%Y-%m-%d}"
    return f"{name}{period}{TITLES[_check_kind(kind)]}"


def write_ledger(kind: str, qs: QuerySet[Matter], path: str, *, title: str) -> int:
    """Write the ledger workbook: a title row, the header row, one row per matter; returns the row count."""
    columns = list(COLUMNS[_check_kind(kind)])
    writer = excel.SafeWriter(path, sheet_name=TITLES[kind], columns=columns)
    writer.workbook.set_properties({"title": TITLES[kind], "comments": "gridgov"})
    writer.set_columns(columns)
    writer.sheet.write_string(0, 0, excel.safe_text(title), writer.workbook.add_format({"bold": True, "font_size": 14}))
    writer.row = 1
    writer.header([c.header for c in columns])
    count = 0
    for values in ledger_rows(kind, qs):
        writer.write(values)
        count += 1
    writer.close()
    return count


def export_ledger(user, kind: str, path: str, filters: LedgerFilters = LedgerFilters()) -> int:
    """Write one ledger to ``path`` (masked, formula-safe) and audit the export; returns the row count.

    ``user`` None is the operator's command line. A user may only export places in their scope.
    """
    _check_kind(kind)
    place = None
    if filters.place:
        place = Place.objects.filter(code=filters.place).first()
        if place is None:
            raise ValidationError({"place": f"地域 {filters.place} 不存在"})
        if user is not None and not Place.objects.for_user(user).filter(pk=place.pk).exists():
            raise ActionRefused("该地域不在您的管辖范围内")
    qs = ledger_queryset(user, kind, filters)
    rows = write_ledger(kind, qs, path, title=ledger_title(kind, place, filters))
    record(
        AuditAction.EXPORT,
        place,
        detail={"ledger": kind, "rows": rows, "masked": True, "format": "xlsx", "filters": filters.as_dict()},
    )
    return rows
