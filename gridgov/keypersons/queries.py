"""Reads of key-population data. For a user every query starts from `for_user`, which is empty without the grant.

The alert sweep (`overdue_follow_ups`, `out_of_contact` without a user) reads the whole table:
it runs as a scheduled job, not on behalf of an account.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from gridgov.households.queries import normalize_search
from gridgov.keypersons.choices import ACTIVE_STATUSES, KeyPersonStatus, RiskColor
from gridgov.keypersons.models import (
    FollowUp,
    KeyPerson,
    KeyPersonAlert,
    KeyPersonCategory,
    KeyPersonEvent,
)

PLACE_CODE_RE = re.compile(r"^\d{2,24}$")
LIST_FIELDS = (
    "id", "path", "color", "status", "enlisted_on", "last_follow_up_on", "next_follow_up_due",
    "out_of_contact_since", "resident", "resident__name", "resident__sex", "resident__birth_date",
    "category", "category__name", "responsible", "responsible__display_name", "responsible__username",
)  # fmt: skip


@dataclass
class Filters:
    place: str = ""
    category: int | None = None
    color: str = ""
    status: str = ""  # "" = still on the list (under follow-up or out of contact)
    q: str = ""
    mine: bool = False
    overdue: bool = False
    enlisted_since: dt.date | None = None  # 列管日期 from (the statistics' "摸排稳控 N 人" of a period)
    enlisted_until: dt.date | None = None

    @classmethod
    def from_query(cls, params) -> Filters:
        place = normalize_search(params.get("place"))
        category = str(params.get("category") or "")
        color = params.get("color", "")
        status = params.get("status", "")
        return cls(
            place=place if PLACE_CODE_RE.match(place) else "",
            category=int(category) if category.isdigit() and len(category) < 10 else None,
            color=color if color in RiskColor.values else "",
            status=status if status in KeyPersonStatus.values or status == "all" else "",
            q=normalize_search(params.get("q"))[:50],
            mine=str(params.get("mine", "")) in {"1", "true", "on"},
            overdue=str(params.get("overdue", "")) in {"1", "true", "on"},
            enlisted_since=_date(params.get("enlisted_since")),
            enlisted_until=_date(params.get("enlisted_until")),
        )

    def as_query(self) -> dict[str, str]:
        out = {
            "place": self.place,
            "category": str(self.category or ""),
            "color": self.color,
            "status": self.status,
            "q": self.q,
            "mine": "1" if self.mine else "",
            "overdue": "1" if self.overdue else "",
            "enlisted_since": self.enlisted_since.isoformat() if self.enlisted_since else "",
            "enlisted_until": self.enlisted_until.isoformat() if self.enlisted_until else "",
        }
        return {k: v for k, v in out.items() if v}


def key_persons_for(user, filters: Filters, today: dt.date | None = None) -> QuerySet[KeyPerson]:
    qs = KeyPerson.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.color:
        qs = qs.filter(color=filters.color)
    if filters.status == "":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.q:
        qs = qs.filter(resident__name__startswith=filters.q)
    if filters.mine:
        qs = qs.filter(responsible=user)
    if filters.overdue:
        qs = qs.filter(status=KeyPersonStatus.UNDER_FOLLOW_UP, next_follow_up_due__lt=today or timezone.localdate())
    if filters.enlisted_since:
        qs = qs.filter(enlisted_on__gte=filters.enlisted_since)
    if filters.enlisted_until:
        qs = qs.filter(enlisted_on__lte=filters.enlisted_until)
    return qs.select_related("resident", "category", "responsible").order_by("path", "id")


def list_totals(queryset: QuerySet[KeyPerson]) -> dict[str, int]:
    """共 N 人，涉及 M 类: the persons of a filtered list and their categories (one query)."""
    row = queryset.order_by().aggregate(persons=Count("id"), categories=Count("category", distinct=True))
    return {"persons": row["persons"], "categories": row["categories"]}


def _date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw or "").strip()) if raw else None
    except ValueError:
        return None


def key_person_for(user, pk: int) -> KeyPerson:
    return get_object_or_404(
        KeyPerson.objects.for_user(user).select_related("resident", "resident__household", "category", "responsible"),
        pk=pk,
    )


def follow_ups_for(user, person: KeyPerson) -> QuerySet[FollowUp]:
    """A person's follow-ups, newest first (for paging)."""
    return (
        FollowUp.objects.for_user(user)
        .filter(key_person=person)
        .select_related("by")
        .order_by("-followed_up_at", "-id")
    )


def follow_ups_of(user, person: KeyPerson, limit: int = 100) -> list[FollowUp]:
    return list(follow_ups_for(user, person)[:limit])


def events_for(user, person: KeyPerson) -> QuerySet[KeyPersonEvent]:
    """A person's events (enlisted, color changed, out of contact...), newest first (for paging)."""
    return KeyPersonEvent.objects.for_user(user).filter(key_person=person).order_by("-at", "-id")


def events_of(user, person: KeyPerson, limit: int = 200) -> list[KeyPersonEvent]:
    return list(events_for(user, person)[:limit])


def open_alerts_of(user, person: KeyPerson) -> list[KeyPersonAlert]:
    return list(KeyPersonAlert.objects.for_user(user).filter(key_person=person, closed_at__isnull=True))


def counts_for(user, today: dt.date | None = None) -> dict:
    """Figures for the list page, through `for_user` (all zero without the grant)."""
    today = today or timezone.localdate()
    qs = KeyPerson.objects.for_user(user).filter(status__in=ACTIVE_STATUSES)
    totals = qs.aggregate(
        total=Count("pk"),
        red=Count("pk", filter=Q(color=RiskColor.RED)),
        yellow=Count("pk", filter=Q(color=RiskColor.YELLOW)),
        blue=Count("pk", filter=Q(color=RiskColor.BLUE)),
        out_of_contact=Count("pk", filter=Q(status=KeyPersonStatus.OUT_OF_CONTACT)),
        overdue=Count("pk", filter=Q(status=KeyPersonStatus.UNDER_FOLLOW_UP, next_follow_up_due__lt=today)),
    )
    totals["open_alerts"] = KeyPersonAlert.objects.for_user(user).filter(closed_at__isnull=True).count()
    return totals


def counts_by_category(user) -> list[tuple[KeyPersonCategory, int]]:
    rows = dict(
        KeyPerson.objects.for_user(user)
        .filter(status__in=ACTIVE_STATUSES)
        .values("category_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("category_id", "n")
    )
    return [(c, rows.get(c.pk, 0)) for c in KeyPersonCategory.objects.all()]


def categories() -> list[KeyPersonCategory]:
    return list(KeyPersonCategory.objects.all())


def due_follow_ups_queryset(user, horizon: dt.date) -> QuerySet[KeyPerson]:
    """Key persons under follow-up due by ``horizon``, most overdue first (none without the grant)."""
    return (
        KeyPerson.objects.for_user(user)
        .filter(status=KeyPersonStatus.UNDER_FOLLOW_UP, next_follow_up_due__lte=horizon)
        .select_related("resident", "category")
        .only("id", "path", "color", "next_follow_up_due", "last_follow_up_on", "resident__name", "category__name")
        .order_by("next_follow_up_due", "path", "id")
    )


def due_follow_ups(user, horizon: dt.date, *, limit: int = 100) -> tuple[list[KeyPerson], bool]:
    """Key persons under follow-up due by ``horizon``, most overdue first (empty without the grant)."""
    rows = list(due_follow_ups_queryset(user, horizon)[: limit + 1])
    return rows[:limit], len(rows) > limit


def audit_plan_view(audit_as: str, ids: list[int]) -> None:
    """Log that a page showed these key persons (the today plan's pages)."""
    from gridgov.keypersons.actions import audit_view

    audit_view(audit_as, ids=ids)


def due_follow_ups_for_plan(user, horizon: dt.date, limit: int, audit_as: str) -> tuple[list[KeyPerson], bool]:
    """`due_follow_ups` for a page that shows them (the visits ledger's today plan): the view is logged."""
    from gridgov.keypersons.actions import audit_view

    rows, more = due_follow_ups(user, horizon, limit=limit)
    if rows:
        audit_view(audit_as, ids=[p.pk for p in rows])
    return rows, more


# ---------------------------------------------------------------- the alert sweep (no user)


def overdue_follow_ups(now: dt.datetime | None = None, user=None) -> QuerySet[KeyPerson]:
    """Persons under follow-up whose follow-up is past due on ``now``'s date (for ``user``, or all)."""
    today = timezone.localdate(now or timezone.now())
    qs = KeyPerson.objects.for_user(user) if user is not None else KeyPerson.objects.all()
    return qs.filter(status=KeyPersonStatus.UNDER_FOLLOW_UP, next_follow_up_due__lt=today).order_by("pk")


def out_of_contact(user=None) -> QuerySet[KeyPerson]:
    qs = KeyPerson.objects.for_user(user) if user is not None else KeyPerson.objects.all()
    return qs.filter(status=KeyPersonStatus.OUT_OF_CONTACT, out_of_contact_since__isnull=False).order_by("pk")


# ---------------------------------------------------------------- alerts


@dataclass
class AlertFilters:
    closed: bool = False
    mine: bool = False
    kind: str = ""

    @classmethod
    def from_query(cls, params) -> AlertFilters:
        from gridgov.keypersons.choices import AlertKind

        kind = params.get("kind", "")
        return cls(
            closed=str(params.get("closed", "")) in {"1", "true", "on"},
            mine=str(params.get("mine", "")) in {"1", "true", "on"},
            kind=kind if kind in AlertKind.values else "",
        )

    def as_query(self) -> dict[str, str]:
        out = {"closed": "1" if self.closed else "", "mine": "1" if self.mine else "", "kind": self.kind}
        return {k: v for k, v in out.items() if v}


def alerts_for(user, filters: AlertFilters) -> QuerySet[KeyPersonAlert]:
    qs = KeyPersonAlert.objects.for_user(user).filter(closed_at__isnull=not filters.closed)
    if filters.mine:
        qs = qs.filter(responsible=user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.select_related(
        "key_person", "key_person__resident", "key_person__category", "responsible", "town"
    ).order_by("-raised_at", "-id")


def alert_for(user, pk: int) -> KeyPersonAlert:
    return get_object_or_404(KeyPersonAlert.objects.for_user(user), pk=pk)
