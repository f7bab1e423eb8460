"""What the four activity ledgers share (publicity events, deliberation meetings, practical deeds, clean-ups).

Guards, list filters by place and period, place choices for record forms, idempotent creation by a
client-generated id. Knows no model of its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.places.models import Place

# Activity records may be typed in late from paper books, but not dated in the future.
MAX_BACKDATE = dt.timedelta(days=5 * 366)
RECORDING_ROLES = BUSINESS_ROLES - {Role.CLUSTER_LEADER}


def can_record_at(user, place: Place, kinds: tuple[str, ...], what: str, kinds_message: str = "") -> None:
    """Business users (not household-cluster leaders) record activities at a place of ``kinds`` in their area."""
    if scope_prefix(user) is None or user.role not in RECORDING_ROLES:
        raise ActionRefused(_("您的账号不能登记%(what)s") % {"what": what})
    if not in_scope(user, place.code):
        raise ActionRefused(_("%(place)s 不在您的管辖范围内") % {"place": place.name})
    if place.kind not in kinds:
        raise ValidationError({"place": kinds_message or _("地点应为村（社区）、村民小组或网格")})


def check_date(value: dt.date, name: str) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError({name: _("日期不能晚于今天")})
    if value < today - MAX_BACKDATE:
        raise ValidationError({name: _("日期过早（最多补录五年内的记录）")})


def text(value: str, name: str, label: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({name: _("请填写%(label)s") % {"label": label}})
    return value


def create_once(
    model: type[models.Model], user, client_uuid: uuid.UUID | None, make: Callable[[], models.Model]
) -> tuple[models.Model, bool]:
    """Run ``make`` (which saves the record) once per ``client_uuid``: a repeat returns the first record.

    ``make`` runs inside a savepoint so a concurrent upload of the same id loses cleanly. A client id
    already used for a record outside the user's area is refused, never revealed.
    """

    def existing() -> models.Model | None:
        found = model.objects.filter(client_uuid=client_uuid).first()
        if found is not None and not in_scope(user, getattr(found, model.scope_path)):
            raise ActionRefused(_("该客户端记录ID已被使用"))
        return found

    if client_uuid is not None:
        found = existing()
        if found is not None:
            return found, False
    try:
        with transaction.atomic():
            return make(), True
    except IntegrityError:
        found = existing() if client_uuid is not None else None
        if found is None:
            raise
        return found, False


def places_for_form(user, kinds: tuple[str, ...]) -> models.QuerySet[Place]:
    return Place.objects.for_user(user).filter(kind__in=kinds).only("id", "code", "name", "kind").order_by("code")


# ---------------------------------------------------------------- list filters


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@dataclass
class Filters:
    """A list's filters: a place code (its subtree), a period, and app-specific choices (``extra``)."""

    place: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query: QueryDict, choices: dict[str, list[str]] | None = None) -> Filters:
        place = query.get("place", "")
        extra = {}
        for name, allowed in (choices or {}).items():
            value = query.get(name, "")
            if value in allowed:
                extra[name] = value
        return cls(
            place=place if place.isdigit() and len(place) <= 24 else "",
            since=_date(query.get("since")),
            until=_date(query.get("until")),
            extra=extra,
        )

    def apply(self, queryset: models.QuerySet, date_field: str) -> models.QuerySet:
        if self.place:
            queryset = queryset.within(self.place)
        if self.since:
            queryset = queryset.filter(**{f"{date_field}__gte": self.since})
        if self.until:
            queryset = queryset.filter(**{f"{date_field}__lte": self.until})
        if self.extra:
            queryset = queryset.filter(**self.extra)
        return queryset

    def as_query(self) -> dict[str, str]:
        out = {k: v for k, v in self.extra.items() if v}
        if self.place:
            out["place"] = self.place
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        return out


# ---------------------------------------------------------------- API


def place_in_scope(user, code: str, kinds: tuple[str, ...]) -> Place | None:
    return Place.objects.for_user(user).filter(code=code, kind__in=kinds).first()
