"""The disputes ledger (矛盾纠纷排查化解台账) and the hazards ledger (安全隐患排查整治台账): views of matters.

Filtered by place, registration date, category (a group node takes its children), color and state.
Merged duplicates are left out: a ledger counts each matter once. Phones are the stored masks.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from gridgov.ledgers.books.base import Book, Choice, Column, GridNames, LedgerFilters, chunked, in_period, local_date
from gridgov.ledgers.choices import LedgerKind
from gridgov.matters.choices import MatterAction, MatterKind, MatterState, RiskColor
from gridgov.matters.models import Category, Feedback, Matter, MatterEvent, MediationAgreement, MediationSession

CHUNK = 500  # matters come as objects with their sessions, agreements and feedback prefetched

DISPUTE_COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=6),
    Column("reference", gettext_noop("受理编号"), width=17, text=True),
    Column("recorded_on", gettext_noop("登记日期"), width=11),
    Column("category", gettext_noop("纠纷类型"), width=16),
    Column("parties", gettext_noop("当事人"), width=20),
    Column("phone", gettext_noop("联系电话"), width=13, text=True),
    Column("summary", gettext_noop("纠纷简要情况"), width=40),
    Column("color", gettext_noop("风险等级"), width=8),
    Column("mediators", gettext_noop("调解员"), width=16),
    Column("mediated_on", gettext_noop("调解日期"), width=11),
    Column("outcome", gettext_noop("调解结果"), width=10),
    Column("agreement", gettext_noop("协议"), width=24),
    Column("feedback", gettext_noop("回访情况"), width=30),
    Column("finished_on", gettext_noop("办结日期"), width=11),
    Column("state", gettext_noop("状态"), width=12),
    Column("grid", gettext_noop("所属网格"), width=16),
)
HAZARD_COLUMNS: tuple[Column, ...] = (
    Column("no", gettext_noop("序号"), width=6),
    Column("reference", gettext_noop("受理编号"), width=17, text=True),
    Column("found_on", gettext_noop("发现日期"), width=11),
    Column("category", gettext_noop("隐患类别"), width=16),
    Column("location", gettext_noop("地点"), width=24),
    Column("description", gettext_noop("隐患描述"), width=40),
    Column("color", gettext_noop("风险等级"), width=8),
    Column("measures", gettext_noop("整改措施"), width=30),
    Column("deadline", gettext_noop("整改时限"), width=11),
    Column("reinspection", gettext_noop("复查情况"), width=24),
    Column("closed_on", gettext_noop("销号日期"), width=11),
    Column("responsible", gettext_noop("责任人"), width=14),
    Column("state", gettext_noop("状态"), width=12),
    Column("grid", gettext_noop("所属网格"), width=16),
)


def matter_queryset(kind: str):
    def queryset(user, filters: LedgerFilters) -> QuerySet[Matter]:
        """The matters of one ledger, oldest first (the order a ledger is kept in)."""
        base = Matter.objects.all() if user is None else Matter.objects.for_user(user)
        qs = base.filter(kind=kind).exclude(state=MatterState.MERGED)
        if filters.place:
            qs = qs.filter(path__within=filters.place)
        qs = in_period(qs, "created_at", filters, moment=True)
        if filters.category:
            qs = qs.filter(Q(category_id=int(filters.category)) | Q(category__parent_id=int(filters.category)))
        if filters.color:
            qs = qs.filter(color=filters.color)
        if filters.state:
            qs = qs.filter(state=filters.state)
        return qs.order_by("created_at", "id")

    return queryset


def _chunks(qs: QuerySet[Matter], prefetch: list) -> Iterator[list[Matter]]:
    for part in chunked(qs.values_list("id", flat=True).iterator(chunk_size=CHUNK), CHUNK):
        rows = (
            Matter.objects.filter(id__among=part)
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
    parts = [local_date(f.contacted_at), f.get_method_display(), f.get_verdict_display()]
    if f.satisfaction:
        parts.append(f"满意度{f.satisfaction}")
    text = " ".join(parts)
    return f"{text}：{f.said}" if f.said else text


def _holder(matter: Matter) -> str:
    return matter.holder_department.name if matter.holder_department_id else matter.holder_place.name


def dispute_rows(qs: QuerySet[Matter], user=None, start: int = 1) -> Iterator[list[str]]:
    prefetch = [
        Prefetch("mediations", MediationSession.objects.prefetch_related("mediators").order_by("scheduled_for", "id")),
        Prefetch("agreements", MediationAgreement.objects.order_by("signed_on", "id")),
        Prefetch("feedbacks", Feedback.objects.order_by("contacted_at", "id")),
    ]
    grids = GridNames()
    no = start - 1
    for chunk in _chunks(qs, prefetch):
        grids.load(m.path for m in chunk)
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
                local_date(m.created_at),
                m.category.name,
                parties or reporter,
                phone,
                m.description or m.title,
                m.get_color_display(),
                "、".join(dict.fromkeys(mediators)),
                local_date(last.held_at or last.scheduled_for) if last else "",
                last.get_outcome_display() if last and last.outcome else ("待调解" if last else ""),
                "；".join(f"{a.number}（{local_date(a.signed_on)}签订）" for a in agreements),
                _feedback_text(list(m.feedbacks.all())),
                local_date(m.resolved_at),
                m.get_state_display(),
                grids(m.path),
            ]


def hazard_rows(qs: QuerySet[Matter], user=None, start: int = 1) -> Iterator[list[str]]:
    wanted = [MatterAction.RECTIFY, MatterAction.REINSPECT]
    prefetch = [Prefetch("events", MatterEvent.objects.filter(action__in=wanted).order_by("at", "id"))]
    grids = GridNames()
    no = start - 1
    for chunk in _chunks(qs, prefetch):
        grids.load(m.path for m in chunk)
        for m in chunk:
            no += 1
            events = list(m.events.all())
            rectified = [e for e in events if e.action == MatterAction.RECTIFY]
            inspected = [e for e in events if e.action == MatterAction.REINSPECT]
            reinspection = ""
            if inspected:
                e = inspected[-1]
                verdict = "通过" if (e.data or {}).get("passed") else "未通过"
                reinspection = f"{local_date(e.at)} {verdict}：{e.note}"
            location = m.household.address if m.household_id else m.place.name
            site = (m.extra or {}).get("enterprise") or (m.extra or {}).get("premises")
            if site:
                location = f"{location}（{site}）"
            yield [
                str(no),
                m.reference,
                local_date(m.created_at),
                m.category.name,
                location,
                m.description or m.title,
                m.get_color_display(),
                rectified[-1].note if rectified else "",
                local_date(m.deadline_at),
                reinspection,
                local_date(m.closed_at),
                rectified[-1].actor_name if rectified else _holder(m),
                m.get_state_display(),
                grids(m.path),
            ]


def category_options(kind: str):
    def options() -> list[tuple[str, str]]:
        rows = Category.objects.filter(kind=kind, active=True).order_by("sort_order", "code")
        return [(str(c.pk), ("\u2003" if c.parent_id else "") + c.name) for c in rows.only("id", "name", "parent_id")]

    return options


def _states() -> list[tuple[str, str]]:
    return [(value, label) for value, label in MatterState.choices if value != MatterState.MERGED]


def _colors() -> list[tuple[str, str]]:
    return list(RiskColor.choices)


def _choices(kind: str, category_label) -> tuple[Choice, ...]:
    return (
        Choice("category", category_label, category_options(kind)),
        Choice("color", _("风险等级"), _colors),
        Choice("state", _("状态"), _states),
    )


DISPUTES = Book(
    kind=LedgerKind.DISPUTE,
    title=gettext_noop("矛盾纠纷排查化解台账"),
    columns=DISPUTE_COLUMNS,
    period_label=_("登记日期"),
    queryset=matter_queryset(MatterKind.DISPUTE),
    rows=dispute_rows,
    choices=_choices(MatterKind.DISPUTE, _("纠纷类型")),
)
HAZARDS = Book(
    kind=LedgerKind.HAZARD,
    title=gettext_noop("安全隐患排查整治台账"),
    columns=HAZARD_COLUMNS,
    period_label=_("发现日期"),
    queryset=matter_queryset(MatterKind.HAZARD),
    rows=hazard_rows,
    choices=_choices(MatterKind.HAZARD, _("隐患类别")),
)
