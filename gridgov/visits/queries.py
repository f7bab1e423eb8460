"""Reads of the visits ledger for one user: visit lists, the "today" plan, coverage per grid and per worker.

Every query starts from `Model.objects.for_user(user)`. Due dates come from `HouseholdVisitState`
(kept by `actions`), so the plan and the coverage figures are grouped or indexed queries over
households, never a search through the visits themselves. Users without the key-population grant
read ``due_on`` (vulnerable members only), so nothing they see depends on key persons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.core.models import scope_prefix
from gridgov.households.models import Household, Resident
from gridgov.households.queries import normalize_search
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place
from gridgov.visits.actions import pick_rule, rules_covering
from gridgov.visits.choices import VisitMode, VisitStatus, VulnerableCategory
from gridgov.visits.models import Visit, VisitRule, VulnerableMember

PLACE_CODE_RE = re.compile(r"^\d{2,24}$")
TODAY_LIMIT = 100
GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
VISIT_LIST_FIELDS = (
    "id", "path", "visited_at", "mode", "people_met", "findings", "household", "household__number",
    "household__address", "vulnerable_member",
)  # fmt: skip


@dataclass(frozen=True)
class KeyPopulationSource:
    """What the plan needs of the key-population ledger, plugged in by that app (`gridgov.keypersons.apps`), so
    that the visits ledger never imports it: whether a user holds the grant, the key persons due by a date
    (``(user, horizon, limit, audit_as) -> (rows, more)``, which logs the view), the same as a queryset to count
    and page (``(user, horizon) -> QuerySet``, already scoped and ordered) and the audit of rows shown from it
    (``(audit_as, ids)``)."""

    holds_grant: Callable[[object], bool]
    due_follow_ups: Callable[[object, dt.date, int, str], tuple[list, bool]]
    due_queryset: Callable[[object, dt.date], QuerySet] | None = None
    audit_shown: Callable[[str, list[int]], None] | None = None


_key_population: KeyPopulationSource | None = None


def plug_key_population(source: KeyPopulationSource) -> None:
    global _key_population
    _key_population = source


def holds_grant(user) -> bool:
    """Whether ``user`` holds the key-population grant (False while no key-population ledger is installed)."""
    return _key_population is not None and _key_population.holds_grant(user)


def due_field(user) -> str:
    """The due-date column a user's plan and figures read (key persons count only for grant holders)."""
    return "key_due_on" if holds_grant(user) else "due_on"


def status_of(due_on: dt.date | None, today: dt.date, horizon: dt.date) -> str:
    if due_on is None:
        return VisitStatus.NEVER
    if due_on < today:
        return VisitStatus.OVERDUE
    if due_on <= horizon:
        return VisitStatus.DUE
    return VisitStatus.CURRENT


def scope_rule(user, code: str | None = None) -> VisitRule:
    code = code or scope_prefix(user) or ""
    return pick_rule(rules_covering(code), code)


# ---------------------------------------------------------------- visit lists


@dataclass
class VisitFilters:
    place: str = ""
    mode: str = ""
    household: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    mine: bool = False

    @classmethod
    def from_query(cls, params) -> VisitFilters:
        place = normalize_search(params.get("place"))
        household = str(params.get("household") or "")
        return cls(
            place=place if PLACE_CODE_RE.match(place) else "",
            mode=params.get("mode", "") if params.get("mode", "") in VisitMode.values else "",
            household=int(household) if household.isdigit() and len(household) < 19 else None,
            since=_date(params.get("since")),
            until=_date(params.get("until")),
            mine=str(params.get("mine", "")) in {"1", "true", "on"},
        )

    def as_query(self) -> dict[str, str]:
        out = {
            "place": self.place,
            "mode": self.mode,
            "household": str(self.household or ""),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "mine": "1" if self.mine else "",
        }
        return {k: v for k, v in out.items() if v}


def _date(raw) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def visits_for(user, filters: VisitFilters) -> QuerySet[Visit]:
    qs = Visit.objects.for_user(user)
    if filters.place:
        qs = qs.within(filters.place)
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    if filters.since:
        qs = qs.filter(visited_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(visited_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.mine:
        qs = qs.filter(visitors=user)
    return qs.select_related("household").order_by("-visited_at", "-id")


def visit_for(user, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.for_user(user).select_related(
            "household", "household__grid", "household__householder", "recorded_by", "vulnerable_member__resident"
        ),
        pk=pk,
    )


def matters_of(user, visit: Visit) -> list:
    """The matters recorded from a visit that the user may see (the matter engine's own scope)."""
    from gridgov.matters.models import Matter

    return list(
        Matter.objects.for_user(user)
        .filter(pk__in=visit.matter_links.values("matter_id"))
        .only("id", "kind", "title", "state", "created_at")
        .order_by("id")
    )


def visitors_of(visits: list[Visit]) -> None:
    """Attach ``visitor_names`` to each visit with one query for the whole page."""
    through = Visit.visitors.through
    names: dict[int, list[str]] = {}
    rows = (
        through.objects.filter(visit_id__in=[v.pk for v in visits])
        .values_list("visit_id", "user__display_name", "user__username")
        .order_by("visit_id", "user_id")
    )
    for visit_id, display_name, username in rows:
        names.setdefault(visit_id, []).append(display_name or username)
    for visit in visits:
        visit.visitor_names = names.get(visit.pk, [])


def households_in_scope(user, q: str, limit: int = 20) -> list[Household]:
    """The household picker: number or address matches ``q``, or a member's name starts with it."""
    q = normalize_search(q)
    qs = Household.objects.for_user(user)
    if q:
        named = Resident.objects.for_user(user).filter(name__startswith=q).values("household_id")
        qs = qs.filter(Q(number__startswith=q) | Q(address__contains=q) | Q(pk__in=named))
    return list(qs.select_related("householder").only("id", "number", "address", "path", "householder__name")[:limit])


def household_for(user, pk: int) -> Household:
    return get_object_or_404(Household.objects.for_user(user).select_related("householder"), pk=pk)


def members_due_in(user, household: Household) -> list[VulnerableMember]:
    return list(
        VulnerableMember.objects.for_user(user)
        .filter(household=household, active=True)
        .select_related("resident")
        .order_by("next_check_on", "id")
    )


# ---------------------------------------------------------------- today


@dataclass
class DueHousehold:
    household: Household
    status: str
    due_on: dt.date | None
    last_visited_at: dt.datetime | None

    @property
    def status_label(self) -> str:
        return VisitStatus(self.status).label


@dataclass
class TodayPlan:
    """今日计划. Key persons due (grant holders only) load on first use and write the audit row then:
    every page that shows them is logged, and a reader that never shows them (the API) pays nothing."""

    today: dt.date
    horizon: dt.date
    households: list[DueHousehold]
    households_more: bool
    checks: list[VulnerableMember]
    checks_more: bool
    user: object = field(default=None, repr=False)
    limit: int = TODAY_LIMIT
    audit_as: str = "today_plan"
    _follow_ups: tuple[list, bool] | None = field(default=None, repr=False)

    def _load_follow_ups(self) -> tuple[list, bool]:
        if self._follow_ups is None:
            rows, more = [], False
            if holds_grant(self.user):
                rows, more = _key_population.due_follow_ups(self.user, self.horizon, self.limit, self.audit_as)
            self._follow_ups = (rows, more)
        return self._follow_ups

    @property
    def follow_ups(self) -> list:
        """Key persons due for a follow-up, most overdue first (empty without the grant)."""
        return self._load_follow_ups()[0]

    @property
    def follow_ups_more(self) -> bool:
        return self._load_follow_ups()[1]


def due_households(user, today: dt.date, horizon: dt.date, *, limit: int = TODAY_LIMIT, offset: int = 0):
    """Households due by ``horizon``, never-visited and most overdue first: one indexed join, no visit scan."""
    column = f"visit_state__{due_field(user)}"
    qs = (
        Household.objects.for_user(user)
        .filter(Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lte": horizon}))
        .select_related("visit_state", "householder")
        .only(
            "id",
            "path",
            "number",
            "address",
            "householder__name",
            "visit_state__last_visited_at",
            "visit_state__due_on",
            "visit_state__key_due_on",
        )  # fmt: skip
        .order_by(F(column).asc(nulls_first=True), "path", "id")
    )
    rows = list(qs[offset : offset + limit + 1])
    out = []
    key = due_field(user)
    for household in rows[:limit]:
        state = getattr(household, "visit_state", None)
        due_on = getattr(state, key) if state else None
        last = state.last_visited_at if state else None
        out.append(DueHousehold(household, status_of(due_on, today, horizon), due_on, last))
    return out, len(rows) > limit


def due_checks(user, horizon: dt.date, *, limit: int = TODAY_LIMIT) -> tuple[list[VulnerableMember], bool]:
    rows = list(
        VulnerableMember.objects.for_user(user)
        .filter(active=True, next_check_on__lte=horizon)
        .select_related("resident", "household")
        .only(
            "id",
            "path",
            "category",
            "next_check_on",
            "last_checked_at",
            "check_every_days",
            "resident__name",
            "household__id",
            "household__number",
            "household__address",
        )  # fmt: skip
        .order_by("next_check_on", "path", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def today_plan(
    user, now: dt.datetime | None = None, *, limit: int = TODAY_LIMIT, audit_as: str = "today_plan"
) -> TodayPlan:
    """今日计划: households due for a visit, vulnerable members due for a check, key persons due (grant only)."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + dt.timedelta(days=scope_rule(user).remind_days)
    households, more = due_households(user, today, horizon, limit=limit)
    checks, checks_more = due_checks(user, horizon, limit=limit)
    return TodayPlan(today, horizon, households, more, checks, checks_more, user=user, limit=limit, audit_as=audit_as)


# ---------------------------------------------------------------- today, paged (the page; the API keeps today_plan)


@dataclass
class ChildDue:
    place: Place
    never: int = 0
    overdue: int = 0
    due: int = 0

    @property
    def households(self) -> int:
        return self.never + self.overdue + self.due


@dataclass
class DueCounts:
    """How much of today's plan there is under one place: households by due class, checks, follow-ups."""

    never: int = 0
    overdue: int = 0
    due: int = 0
    checks: int = 0
    follow_ups: int | None = None  # None without the key-population grant
    children: list[ChildDue] = field(default_factory=list)  # households due per child place (above the grid)

    @property
    def households(self) -> int:
        return self.never + self.overdue + self.due


DUE_CLASSES = (VisitStatus.NEVER, VisitStatus.OVERDUE, VisitStatus.DUE)


def plan_horizon(user, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """(today, the last due date the plan lists) for ``user``'s rule."""
    today = timezone.localdate(now or timezone.now())
    return today, today + dt.timedelta(days=scope_rule(user).remind_days)


def _due_households(user, place: str, horizon: dt.date) -> QuerySet[Household]:
    column = f"visit_state__{due_field(user)}"
    return (
        Household.objects.for_user(user)
        .within(place)
        .filter(Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lte": horizon}))
    )


def _class_counts(qs: QuerySet, user, today: dt.date, child_length: int | None = None):
    """Households of ``qs`` (all due by the horizon) counted by due class in one aggregate, or per child place
    (the path cut to ``child_length``)."""
    column = f"visit_state__{due_field(user)}"
    counts = {
        "never": Count("pk", filter=Q(**{f"{column}__isnull": True})),
        "overdue": Count("pk", filter=Q(**{f"{column}__lt": today})),
        "due": Count("pk", filter=Q(**{f"{column}__gte": today})),
    }
    if child_length is None:
        return qs.order_by().aggregate(**counts)
    return list(qs.order_by().annotate(child=Substr("path", 1, child_length)).values("child").annotate(**counts))


def due_counts(user, place: Place, today: dt.date, horizon: dt.date) -> DueCounts:
    """The plan's figures under ``place``: the households due by class (one aggregate; above the grid grouped by
    child place, the totals being the groups' sum, plus the children's names), one count of checks (and one of key
    persons, for grant holders)."""
    due = _due_households(user, place.code, horizon)
    kids = []
    if place.kind not in (PlaceKind.GRID, PlaceKind.CLUSTER):
        kids = list(Place.objects.for_user(user).filter(parent=place).only("id", "code", "name").order_by("code"))
    if kids:
        grouped = _class_counts(due, user, today, len(kids[0].code))
        counts = DueCounts(*(sum(r[k] for r in grouped) for k in ("never", "overdue", "due")))
        by_child = {r["child"]: r for r in grouped}
        counts.children = [
            ChildDue(kid, r["never"], r["overdue"], r["due"]) for kid in kids if (r := by_child.get(kid.code))
        ]
    else:
        row = _class_counts(due, user, today)
        counts = DueCounts(never=row["never"], overdue=row["overdue"], due=row["due"])
    counts.checks = due_checks_for(user, place.code, horizon).count()
    if holds_grant(user) and _key_population.due_queryset is not None:
        counts.follow_ups = _key_population.due_queryset(user, horizon).within(place.code).count()
    return counts


def due_households_for(user, place: str, today: dt.date, horizon: dt.date, status: str = "") -> QuerySet[Household]:
    """Households due under ``place`` (of one due class when ``status`` is given), never-visited and most
    overdue first: one indexed join, no visit scan (the page's rows, paged by the caller)."""
    column = f"visit_state__{due_field(user)}"
    qs = _due_households(user, place, horizon)
    if status == VisitStatus.NEVER:
        qs = qs.filter(**{f"{column}__isnull": True})
    elif status == VisitStatus.OVERDUE:
        qs = qs.filter(**{f"{column}__lt": today})
    elif status == VisitStatus.DUE:
        qs = qs.filter(**{f"{column}__gte": today})
    return (
        qs.select_related("visit_state", "householder")
        .only(
            "id",
            "path",
            "number",
            "address",
            "householder__name",
            "visit_state__last_visited_at",
            "visit_state__due_on",
            "visit_state__key_due_on",
        )  # fmt: skip
        .order_by(F(column).asc(nulls_first=True), "path", "id")
    )


def due_rows(user, households: list[Household], today: dt.date, horizon: dt.date) -> list[DueHousehold]:
    key = due_field(user)
    out = []
    for household in households:
        state = getattr(household, "visit_state", None)
        due_on = getattr(state, key) if state else None
        last = state.last_visited_at if state else None
        out.append(DueHousehold(household, status_of(due_on, today, horizon), due_on, last))
    return out


def due_checks_for(user, place: str, horizon: dt.date) -> QuerySet[VulnerableMember]:
    return (
        VulnerableMember.objects.for_user(user)
        .within(place)
        .filter(active=True, next_check_on__lte=horizon)
        .select_related("resident", "household")
        .only(
            "id",
            "path",
            "category",
            "next_check_on",
            "last_checked_at",
            "check_every_days",
            "resident__name",
            "household__id",
            "household__number",
            "household__address",
        )  # fmt: skip
        .order_by("next_check_on", "path", "id")
    )


def due_follow_ups_for(user, place: str, horizon: dt.date) -> QuerySet | None:
    """Key persons due under ``place`` (None without the grant); showing them is logged with `audit_shown`."""
    if not holds_grant(user) or _key_population.due_queryset is None:
        return None
    return _key_population.due_queryset(user, horizon).within(place)


def audit_shown(audit_as: str, ids: list[int]) -> None:
    if ids and _key_population is not None and _key_population.audit_shown is not None:
        _key_population.audit_shown(audit_as, ids)


# ---------------------------------------------------------------- coverage


@dataclass
class CoverageRow:
    code: str
    label: str
    households: int = 0
    current: int = 0
    due: int = 0
    overdue: int = 0
    never: int = 0
    visits: int = 0
    visited_households: int = 0
    url_code: str = ""

    @property
    def needing_visit(self) -> int:
        return self.overdue + self.never

    @property
    def rate(self) -> float:
        return round(100 * self.current / self.households, 1) if self.households else 0.0

    def add(self, other: CoverageRow) -> None:
        for name in ("households", "current", "due", "overdue", "never"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Coverage:
    place: Place
    today: dt.date
    horizon: dt.date
    since: dt.date  # visits counted from this day (the place's rule window)
    rule: VisitRule
    total: CoverageRow
    grids: list[CoverageRow]
    workers: list[CoverageRow]


def coverage_place(user, code: str | None) -> Place:
    from django.http import Http404

    prefix = scope_prefix(user)
    if prefix is None:
        raise Http404("no scope")
    place = Place.objects.for_user(user).filter(code=code or prefix).first()
    if place is None:
        raise Http404("no such place")
    return place


def _state_counts(qs: QuerySet, column: str, today: dt.date, horizon: dt.date, group: str) -> list[dict]:
    return list(
        qs.values(group)
        .annotate(
            households=Count("pk"),
            never=Count("pk", filter=Q(visit_state__last_visited_at__isnull=True)),
            overdue=Count("pk", filter=Q(**{f"{column}__lt": today})),
            due=Count("pk", filter=Q(**{f"{column}__gte": today, f"{column}__lte": horizon})),
            current=Count("pk", filter=Q(**{f"{column}__gte": today})),
        )
        .order_by()
    )


def coverage(user, place: Place, now: dt.datetime | None = None) -> Coverage:
    """Visited, due and overdue per grid and per grid worker under ``place``: three grouped queries."""
    today = timezone.localdate(now or timezone.now())
    rule = scope_rule(user, place.code)
    horizon = today + dt.timedelta(days=rule.remind_days)
    since = today - dt.timedelta(days=rule.every_days)
    column = f"visit_state__{due_field(user)}"
    households = Household.objects.for_user(user).within(place.code)
    by_grid = _state_counts(households, column, today, horizon, "grid_id")
    visits = (
        Visit.objects.for_user(user)
        .within(place.code)
        .filter(visited_at__gte=_day_start(since))
        .annotate(grid_code=Substr("path", 1, GRID_LENGTH))
        .values("grid_code")
        .annotate(visits=Count("pk"), visited_households=Count("household", distinct=True))
        .order_by()
    )
    visits_by_grid = {r["grid_code"]: r for r in visits}
    grid_ids = [r["grid_id"] for r in by_grid if r["grid_id"]]
    grids = {p.pk: p for p in Place.objects.filter(pk__in=grid_ids).only("id", "code", "name")}
    total = CoverageRow(place.code, place.name)
    rows: list[CoverageRow] = []
    for r in by_grid:
        grid = grids.get(r["grid_id"])
        row = CoverageRow(
            code=grid.code if grid else "",
            label=grid.name if grid else "未划入网格",
            url_code=grid.code if grid else "",
            **{k: r[k] for k in ("households", "current", "due", "overdue", "never")},
        )
        counted = visits_by_grid.get(row.code) if grid else None
        if counted:
            row.visits, row.visited_households = counted["visits"], counted["visited_households"]
        total.add(row)
        rows.append(row)
    total.visits = sum(r["visits"] for r in visits)
    total.visited_households = sum(r["visited_households"] for r in visits)
    rows.sort(key=lambda r: (r.code == "", r.code))
    return Coverage(place, today, horizon, since, rule, total, rows, _workers(user, place, since, rows))


def _workers(user, place: Place, since: dt.date, grid_rows: list[CoverageRow]) -> list[CoverageRow]:
    """Grid workers and grid leaders under ``place``: their area's figures and the visits they made."""
    workers = list(
        User.objects.filter(
            is_active=True, role__in=[Role.GRID_WORKER, Role.GRID_LEADER], place__code__within=place.code
        )
        .select_related("place")
        .only("id", "username", "display_name", "place__code", "place__name")
        .order_by("place__code", "id")
    )
    if not workers:
        return []
    made = (
        Visit.objects.for_user(user)
        .within(place.code)
        .filter(visited_at__gte=_day_start(since), visitors__in=workers)
        .values("visitors")
        .annotate(visits=Count("pk"), visited_households=Count("household", distinct=True))
        .order_by()
    )
    by_user = {r["visitors"]: r for r in made}
    out = []
    for worker in workers:
        row = CoverageRow(
            code=worker.place.code,
            label=f"{worker.display_name or worker.username}（{worker.place.name}）",
            url_code=worker.place.code,
        )
        for grid in grid_rows:
            if grid.code and grid.code.startswith(worker.place.code):
                row.add(grid)
        counted = by_user.get(worker.pk)
        if counted:
            row.visits, row.visited_households = counted["visits"], counted["visited_households"]
        out.append(row)
    return out


# ---------------------------------------------------------------- vulnerable members


@dataclass
class VulnerableFilters:
    place: str = ""
    category: str = ""
    q: str = ""
    ended: bool = False

    @classmethod
    def from_query(cls, params) -> VulnerableFilters:
        place = normalize_search(params.get("place"))
        category = params.get("category", "")
        return cls(
            place=place if PLACE_CODE_RE.match(place) else "",
            category=category if category in VulnerableCategory.values else "",
            q=normalize_search(params.get("q")),
            ended=str(params.get("ended", "")) in {"1", "true", "on"},
        )

    def as_query(self) -> dict[str, str]:
        out = {"place": self.place, "category": self.category, "q": self.q, "ended": "1" if self.ended else ""}
        return {k: v for k, v in out.items() if v}


def vulnerable_for(user, filters: VulnerableFilters) -> QuerySet[VulnerableMember]:
    qs = VulnerableMember.objects.for_user(user).filter(active=not filters.ended)
    if filters.place:
        qs = qs.within(filters.place)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.q:
        qs = qs.filter(resident__name__startswith=filters.q)
    return qs.select_related("resident", "household").order_by("path", "id")


def vulnerable_member_for(user, pk: int) -> VulnerableMember:
    return get_object_or_404(VulnerableMember.objects.for_user(user).select_related("resident", "household"), pk=pk)


def vulnerable_counts(user) -> list[tuple[str, str, int]]:
    rows = dict(
        VulnerableMember.objects.for_user(user)
        .filter(active=True)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("category", "n")
    )
    return [(value, label, rows.get(value, 0)) for value, label in VulnerableCategory.choices]


def residents_in_scope(user, q: str, limit: int = 20) -> list[Resident]:
    """The resident picker: residents in scope whose name starts with ``q``."""
    q = normalize_search(q)
    if not q:
        return []
    return list(
        Resident.objects.for_user(user)
        .filter(name__startswith=q)
        .select_related("household")
        .only("id", "name", "path", "birth_date", "sex", "household__number", "household__address")
        .order_by("name", "id")[:limit]
    )


def rules_in_scope(user) -> list[VisitRule]:
    """The default rule, the rules above the user's place and those under it, top first."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    return sorted(
        VisitRule.objects.select_related("place").filter(
            Q(place__isnull=True)
            | Q(path__in=[prefix[:n] for n in sorted(set(CODE_LENGTH.values())) if n <= len(prefix)])
            | Q(path__within=prefix)
        ),
        key=lambda r: r.path,
    )
