"""登记: a new matter, from a page, the phone, the API or machine intake (Open311, police alert push)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from gridgov.core.actions import ActionRefused
from gridgov.core.writes import batched_writes
from gridgov.households.models import Household, Resident
from gridgov.matters.actions.disposal import report_up
from gridgov.matters.actions.engine import (
    _arrive,
    _event,
    _text,
    _unit,
)
from gridgov.matters.choices import (
    LEVEL_BY_CODE_LENGTH,
    LEVEL_CODE_LENGTH,
    AnswerType,
    Level,
    MatterAction,
    MatterKind,
    MatterState,
    Recurrence,
    ReporterType,
    RiskColor,
    SourceChannel,
)
from gridgov.matters.models import (
    Category,
    Matter,
    MatterConfig,
)
from gridgov.matters.policy import (
    acts_for_unit,
    can_record,
    can_report_up_on_record,
    lowest_unit_code,
)
from gridgov.places.models import Place, validate_geojson
from gridgov.utils.idnumber import InvalidPhone, normalize_phone


@dataclass
class Reporter:
    """Who reported: a resident, a named outsider with a phone, or nobody known."""

    type: str = ReporterType.ANONYMOUS
    resident: Resident | None = None
    name: str = ""
    phone: str = ""


@dataclass
class MatterInput:
    kind: str
    category: Category
    title: str
    channel: str
    color: str
    description: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    household: Household | None = None
    place: Place | None = None
    point: dict | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    answer_type: str = ""
    recurrence: str = ""


def _location(data: MatterInput) -> Place:
    if data.household is not None:
        lowest = data.household.cluster or data.household.grid
        if lowest is None:
            raise ValidationError({"household": "该户未划入网格"})
        if data.place is not None and not lowest.code.startswith(data.place.code):
            raise ValidationError({"place": "发生地与涉及户不一致"})
        return lowest
    if data.place is None:
        raise ValidationError({"place": "请选择发生地或涉及户"})
    if len(data.place.code) < LEVEL_CODE_LENGTH[Level.COUNTY]:
        raise ValidationError({"place": "发生地至少应具体到县（区）"})
    return data.place


def _validate_input(data: MatterInput, matter: Matter) -> None:
    errors: dict[str, str] = {}
    if data.kind not in MatterKind.values:
        errors["kind"] = "事项类型无效"
    elif data.category.kind != data.kind or not data.category.selectable or not data.category.active:
        errors["category"] = "请选择该类事项下可用的分类"
    if data.channel not in SourceChannel.values:
        errors["channel"] = "来源渠道无效"
    if data.color not in RiskColor.values:
        errors["color"] = "风险等级无效"
    if not data.title.strip():
        errors["title"] = "请填写标题"
    if data.answer_type and (data.kind != MatterKind.APPEAL or data.answer_type not in AnswerType.values):
        errors["answer_type"] = "只有诉求可以选择解答类/办理类"
    if data.recurrence and (data.kind != MatterKind.ENVIRONMENT or data.recurrence not in Recurrence.values):
        errors["recurrence"] = "只有环境问题可以选择整治方式"
    if errors:
        raise ValidationError(errors)
    matter.extra = data.category.clean_extra(data.extra)
    if data.point is not None:
        validate_geojson(data.point, {"Point"}, "point")
    reporter = data.reporter
    if reporter.type == ReporterType.RESIDENT:
        if reporter.resident is None:
            raise ValidationError({"reporter": "请选择反映人"})
        matter.reporter_resident = reporter.resident
    elif reporter.type == ReporterType.OUTSIDER:
        matter.reporter_name = _text(reporter.name, "reporter_name", "反映人姓名")
        try:
            matter.set_reporter_phone(normalize_phone(reporter.phone) if reporter.phone.strip() else "")
        except InvalidPhone as exc:
            raise ValidationError({"reporter_phone": str(exc)}) from None
    elif reporter.type != ReporterType.ANONYMOUS:
        raise ValidationError({"reporter": "反映人类型无效"})
    matter.reporter_type = reporter.type


def record_matter(user, data: MatterInput, *, system_actor: str = "") -> Matter:
    """登记: a new matter lands at the lowest unit of its location (its grid, if it has one).

    When the recorder works for that unit it is accepted at once; otherwise it waits there to be
    accepted. ``user=None`` is machine intake (Open311, police alert push) named by ``system_actor``.
    """
    place = _location(data)
    if user is None:
        if not system_actor:
            raise ActionRefused(gettext("系统登记须注明来源"))
    else:
        can_record(user, place)
    now = timezone.now()
    matter = Matter(
        path=place.code,
        kind=data.kind,
        category=data.category,
        title=data.title.strip(),
        description=data.description.strip(),
        channel=data.channel,
        household=data.household,
        place=place,
        point=data.point,
        color=data.color,
        answer_type=data.answer_type,
        recurrence=data.recurrence,
        recorded_by=user,
    )
    _validate_input(data, matter)
    matter.refresh_search_text()
    unit_code = lowest_unit_code(place.code)
    unit = place if unit_code == place.code else _unit(unit_code)
    accepted = user is not None and acts_for_unit(user, LEVEL_BY_CODE_LENGTH[len(unit_code)], unit_code)
    _arrive(matter, unit=unit, state=MatterState.IN_PROGRESS if accepted else MatterState.PENDING, now=now)
    # Batched: on SQLite the write lock is held only for the INSERTs, not while they are built. Not with a
    # household: the duplicate check must see a filing made at the same moment (an ordinary transaction).
    with batched_writes() if data.household is None else transaction.atomic():
        if data.household is not None:
            window = dt.timedelta(days=MatterConfig.current().duplicate_window_days)
            matter.possible_duplicate = (
                Matter.objects.filter(household=data.household, category=data.category, created_at__gte=now - window)
                .exclude(state=MatterState.MERGED)
                .exists()
            )
        matter.save()
        _event(
            user,
            matter,
            None,
            MatterAction.RECORD,
            data={"accepted": accepted, "possible_duplicate": matter.possible_duplicate},
            system_actor=system_actor,
        )
    return matter


REPORT_ON_RECORD_REASON = gettext_noop("登记时即上报：网格（本级）无法就地化解")


def record_and_report_up(user, data: MatterInput, *, reason: str = "") -> Matter:
    """登记并上报: record a matter and report it one level up in one transaction — two timeline rows (登记, 上报),
    both or neither. Only for a recorder who works for the unit the matter lands at (`can_report_up_on_record`);
    without a reason the timeline says it was reported up when recorded."""
    can_report_up_on_record(user, _location(data))
    with transaction.atomic():
        matter = record_matter(user, data)
        report_up(user, matter, reason=(reason or "").strip() or gettext(REPORT_ON_RECORD_REASON))
    return matter
