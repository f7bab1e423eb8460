"""State changes of clean-ups: set up a responsibility area, record a round, record the problems it finds.

Each problem becomes an environment matter through the matter engine's own action (`record_matter`,
its guards and timeline), with the problem's handling as the matter's recurrence; the problem row and
its matter are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.choices import Role
from gridgov.cleanups.models import CleanupProblem, CleanupRound, ResponsibilityArea
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope
from gridgov.matters.choices import MatterKind, Recurrence, RiskColor, SourceChannel
from gridgov.matters.models import Category
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.publicity.common import can_record_at, check_date, create_once, text

AREA_PLACE_KINDS = (PlaceKind.TOWN, PlaceKind.VILLAGE)
COVER_KINDS = (PlaceKind.VILLAGE, PlaceKind.GROUP)
PROBLEM_PLACE_KINDS = (PlaceKind.VILLAGE, PlaceKind.GROUP, PlaceKind.GRID, PlaceKind.CLUSTER)
AREA_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE})
# Areas and their rounds belong to a town or village, above every grid: grid workers and household-cluster
# leaders have none in their area, so the pages are not theirs (see the views' marker).
CLEANUP_ROLES = AREA_ROLES | {Role.GRID_LEADER}
MAX_PROBLEMS = 50


# ---------------------------------------------------------------- responsibility areas


@dataclass
class AreaInput:
    place: Place
    name: str
    responsible: str
    members: str = ""
    covers: list[Place] = field(default_factory=list)
    notes: str = ""


def can_manage_areas(user, place: Place) -> None:
    if getattr(user, "role", None) not in AREA_ROLES:
        raise ActionRefused(_("只有综治中心和村（居）委会可以设置环境卫生责任区"))
    can_record_at(user, place, AREA_PLACE_KINDS, _("环境卫生责任区"), _("责任区应属于乡镇或村（社区）"))


def _check_area(data: AreaInput) -> tuple[str, str]:
    name = text(data.name, "name", _("责任区名称"))
    responsible = text(data.responsible, "responsible", _("责任人"))
    for cover in data.covers:
        if cover.kind not in COVER_KINDS or not cover.code.startswith(data.place.code):
            message = _("%(name)s 不在 %(place)s 内") % {"name": cover.name, "place": data.place.name}
            raise ValidationError({"covers": message})
    return name[:100], responsible[:100]


def create_area(user, data: AreaInput) -> ResponsibilityArea:
    """设立环境卫生责任区."""
    can_manage_areas(user, data.place)
    name, responsible = _check_area(data)
    if ResponsibilityArea.objects.filter(place=data.place, name=name).exists():
        raise ValidationError({"name": _("已有同名责任区")})
    with transaction.atomic():
        area = ResponsibilityArea.objects.create(
            path=data.place.code,
            place=data.place,
            name=name,
            responsible=responsible,
            members=data.members.strip()[:1000],
            notes=data.notes.strip()[:500],
            created_by=user,
        )
        area.covers.set(data.covers)
    return area


def update_area(user, area: ResponsibilityArea, data: AreaInput, *, active: bool = True) -> ResponsibilityArea:
    """修改责任区 (responsible person, members, villages), or stop it (``active=False``)."""
    can_manage_areas(user, area.place)
    data.place = area.place
    name, responsible = _check_area(data)
    if ResponsibilityArea.objects.filter(place=area.place, name=name).exclude(pk=area.pk).exists():
        raise ValidationError({"name": _("已有同名责任区")})
    with transaction.atomic():
        area.name, area.responsible, area.active = name, responsible, active
        area.members, area.notes = data.members.strip()[:1000], data.notes.strip()[:500]
        area.save(update_fields=["name", "responsible", "members", "notes", "active", "updated_at"])
        area.covers.set(data.covers)
    return area


# ---------------------------------------------------------------- problems


@dataclass
class ProblemInput:
    place: Place
    category: Category
    description: str
    recurrence: str
    title: str = ""
    color: str = RiskColor.BLUE
    client_uuid: uuid.UUID | None = None


def _check_problem(round_: CleanupRound, data: ProblemInput) -> str:
    errors = {}
    if data.recurrence not in Recurrence.values:
        errors["recurrence"] = _("请选择整治方式")
    if data.category.kind != MatterKind.ENVIRONMENT or not data.category.selectable or not data.category.active:
        errors["category"] = _("请选择环境问题的分类")
    if data.place.kind not in PROBLEM_PLACE_KINDS or not data.place.code.startswith(round_.path):
        errors["place"] = _("问题地点应在 %(place)s 内") % {"place": round_.area.place.name}
    if errors:
        raise ValidationError(errors)
    return text(data.description, "description", _("问题描述"))[:500]


def record_problem(user, round_: CleanupRound, data: ProblemInput) -> tuple[CleanupProblem, bool]:
    """登记整治发现的问题: an environment matter (channel: inspection) and the problem row, in one transaction."""
    from gridgov.matters.actions import MatterInput, record_matter

    if not in_scope(user, round_.path):
        raise ActionRefused(_("该次整治不在您的管辖范围内"))
    description = _check_problem(round_, data)
    title = (data.title.strip() or f"{data.place.name}{data.category.name}")[:200]

    def make() -> CleanupProblem:
        matter = record_matter(
            user,
            MatterInput(
                kind=MatterKind.ENVIRONMENT,
                category=data.category,
                title=title,
                description=description,
                channel=SourceChannel.INSPECTION,
                color=data.color,
                place=data.place,
                recurrence=data.recurrence,
            ),
        )
        return CleanupProblem.objects.create(
            path=data.place.code,
            round=round_,
            place=data.place,
            category=data.category,
            description=description,
            recurrence=data.recurrence,
            matter=matter,
            client_uuid=data.client_uuid,
        )

    problem, created = create_once(CleanupProblem, user, data.client_uuid, make)
    if not created and problem.round_id != round_.pk:  # a client id replayed on another round: not this one's
        raise ValidationError({"client_uuid": _("该客户端记录ID已用于另一次整治的问题")})
    return problem, created


# ---------------------------------------------------------------- rounds


@dataclass
class RoundInput:
    area: ResponsibilityArea
    held_on: dt.date
    participant_count: int
    participants: str = ""
    summary: str = ""
    problems: list[ProblemInput] = field(default_factory=list)
    client_uuid: uuid.UUID | None = None


def record_round(user, data: RoundInput) -> tuple[CleanupRound, bool]:
    """登记一次环境整治 with the problems it found (each becoming an environment matter).

    Returns (round, created); the same ``client_uuid`` again returns the first round and records nothing.
    """
    area = data.area
    can_record_at(user, area.place, AREA_PLACE_KINDS, _("环境整治"))
    if not area.active:
        raise ActionRefused(_("该责任区已停用"))
    if not 1 <= data.participant_count <= 10_000:
        raise ValidationError({"participant_count": _("参与人数应在 1 至 10000 之间")})
    if len(data.problems) > MAX_PROBLEMS:
        raise ValidationError({"problems": _("一次最多登记 %(n)s 个问题") % {"n": MAX_PROBLEMS}})
    check_date(data.held_on, "held_on")

    def make() -> CleanupRound:
        made = CleanupRound.objects.create(
            path=area.path,
            area=area,
            held_on=data.held_on,
            participant_count=data.participant_count,
            participants=data.participants.strip()[:1000],
            summary=data.summary.strip(),
            client_uuid=data.client_uuid,
            recorded_by=user,
        )
        for i, problem in enumerate(data.problems):
            try:
                record_problem(user, made, problem)
            except ValidationError as exc:
                raise ValidationError({f"problems.{i}": exc.messages}) from None
        return made

    return create_once(CleanupRound, user, data.client_uuid, make)
