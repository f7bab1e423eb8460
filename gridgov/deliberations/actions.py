"""State changes of deliberation meetings: record a meeting (idempotent by client id), record a follow-up matter.

A follow-up matter is recorded by the matter engine's own action (its guards, its timeline) and linked
to the meeting in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.choices import Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope
from gridgov.deliberations.choices import Subject
from gridgov.deliberations.models import Deliberation, DeliberationMatter
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.publicity.common import can_record_at, check_date, create_once, text

GROUP_ONLY = (PlaceKind.GROUP,)
# Meetings are held and recorded by villager group (五到组), above every grid: the village committee, the
# governance center and grid leaders (bound to a village) record and read them; grid workers and
# household-cluster leaders have none in their area, so the pages are not theirs (see the views' marker).
MEETING_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER})


@dataclass
class DeliberationInput:
    group: Place
    held_on: dt.date
    subject: str
    topic: str
    host: str
    participant_count: int
    decisions: str
    participants: str = ""
    discussion: str = ""
    client_uuid: uuid.UUID | None = None


def record_deliberation(user, data: DeliberationInput) -> tuple[Deliberation, bool]:
    """登记议事协商. Returns (meeting, created); the same ``client_uuid`` again returns the first meeting."""
    if getattr(user, "role", None) not in MEETING_ROLES:
        raise ActionRefused(_("您的账号不能登记议事协商"))
    can_record_at(user, data.group, GROUP_ONLY, _("议事协商"), _("议事协商应记录到村民小组"))
    errors = {}
    if data.subject not in Subject.values:
        errors["subject"] = _("议事内容无效")
    if not 1 <= data.participant_count <= 10_000:
        errors["participant_count"] = _("参加人数应在 1 至 10000 之间")
    if errors:
        raise ValidationError(errors)
    check_date(data.held_on, "held_on")
    topic = text(data.topic, "topic", _("议题"))
    host = text(data.host, "host", _("主持人"))
    decisions = text(data.decisions, "decisions", _("议定事项"))

    def make() -> Deliberation:
        return Deliberation.objects.create(
            path=data.group.code,
            group=data.group,
            held_on=data.held_on,
            subject=data.subject,
            topic=topic[:200],
            host=host[:100],
            participants=data.participants.strip()[:1000],
            participant_count=data.participant_count,
            discussion=data.discussion.strip(),
            decisions=decisions,
            client_uuid=data.client_uuid,
            recorded_by=user,
        )

    return create_once(Deliberation, user, data.client_uuid, make)


def record_follow_up_matter(user, deliberation: Deliberation, data):
    """议定事项转办: record a matter (``data``: a `gridgov.matters.actions.MatterInput`) located in the
    meeting's group, and link it to the meeting."""
    from gridgov.matters.actions import record_matter

    if not in_scope(user, deliberation.path):
        raise ActionRefused(_("该议事协商不在您的管辖范围内"))
    where = data.household.path if data.household is not None else (data.place.code if data.place else "")
    if where and not where.startswith(deliberation.path):
        raise ValidationError({"place": _("后续事项应在本村民小组内")})
    if not where:
        data.place = deliberation.group
    with transaction.atomic():
        matter = record_matter(user, data)
        DeliberationMatter.objects.create(deliberation=deliberation, matter=matter)
    return matter
