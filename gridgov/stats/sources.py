"""What the statistics count: each source is a set of records, the place and date they are counted by,
and their dimensions as database expressions. This is the one definition of every count: the rollups
are built from these expressions (`gridgov.stats.actions`) and raw reads use the very same ones
(`gridgov.stats.engine`), so a rollup figure and a raw count cannot mean different things.

A dimension is a field name or a function returning an expression (evaluated lazily: model imports
happen at use, so this module imports no app at load time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from gridgov.stats.choices import DONE_STATES, NO_FEEDBACK

Dim = str | Callable[[], Any]


@dataclass(frozen=True)
class Source:
    """Records counted together.

    ``path`` is the column holding the record's place code (a related path such as ``visit__path`` is
    allowed); ``date`` the column a period is counted by (None: counted as they stand now, a snapshot);
    ``datetime`` whether that column holds a moment (counted by its local day) rather than a date.
    """

    name: str
    model: str  # app_label.ModelName, or app_label.Model.m2m_field for an M2M through table
    path: str
    date: str | None
    datetime: bool = False
    dims: dict[str, Dim] = field(default_factory=dict)
    sums: dict[str, str] = field(default_factory=dict)
    base: Callable[[Any], Any] | None = None  # narrows the model's rows (e.g. no merged duplicates)

    def queryset(self):
        from django.apps import apps

        parts = self.model.split(".")
        model = apps.get_model(parts[0], parts[1])
        if len(parts) == 3:
            model = getattr(model, parts[2]).through
        qs = model._default_manager.all()
        return self.base(qs) if self.base else qs

    def expression(self, dim: str):
        spec = self.dims[dim]
        return F(spec) if isinstance(spec, str) else spec()


# ---------------------------------------------------------------- matters


def _resolving_level():
    """The level holding a matter, or "department" while (or when) a department holds it: for a resolved
    matter, the level that resolved it (大事不出村: grid or village)."""
    return Case(
        When(holder_department__isnull=False, then=Value("department")), default=F("level"), output_field=CharField()
    )


def _late():
    """Whether the matter ever passed a time limit: the deadline job issued it an automatic card."""
    from gridgov.matters.models import Supervision

    return Exists(Supervision.objects.filter(matter=OuterRef("pk"), issued_by__isnull=True))


def _feedback():
    """The verdict of the matter's latest feedback (回访), or "none"."""
    from gridgov.matters.models import Feedback

    latest = Feedback.objects.filter(matter=OuterRef("pk")).order_by("-id").values("verdict")[:1]
    return Coalesce(Subquery(latest), Value(NO_FEEDBACK), output_field=CharField())


def _overdue_now():
    return ExpressionWrapper(Q(is_open=True, overdue=True), output_field=BooleanField())


def _done():
    """Resolved (办结): resolved and awaiting feedback, or closed."""
    return ExpressionWrapper(Q(state__in=DONE_STATES), output_field=BooleanField())


def _in_village():
    """Held (or resolved) by a grid or a village itself, not a department: 大事不出村."""
    return ExpressionWrapper(
        Q(level__in=["grid", "village"], holder_department__isnull=True), output_field=BooleanField()
    )


def _not_merged(qs):
    return qs.exclude(state="merged")


def _open(qs):
    return qs.filter(is_open=True)


MATTERS = Source(
    name="matters",
    model="matters.Matter",
    path="path",
    date="created_at",
    datetime=True,
    dims={
        "kind": "kind",
        "state": "state",
        "category": "category_id",
        "color": "color",
        "channel": "channel",
        "level": _resolving_level,
        "late": _late,
        "feedback": _feedback,
        "overdue": _overdue_now,
        "done": _done,
        "in_village": _in_village,
    },
    base=_not_merged,
)

# Open matters by where they are (place = the matter's place), as they stand now: "overdue now" per place.
OPEN_PLACES = Source(
    name="open_places",
    model="matters.Matter",
    path="path",
    date=None,
    dims={"overdue": "overdue", "color": "color"},
    base=_open,
)

# Open matters by the unit holding them (place = the holder's code), as they stand now.
OPEN_MATTERS = Source(
    name="open_matters",
    model="matters.Matter",
    path="holder_path",
    date=None,
    dims={"level": _resolving_level, "color": "color", "overdue": "overdue", "card": "card"},
    base=_open,
)

# ---------------------------------------------------------------- field work

VISITS = Source(
    name="visits", model="visits.Visit", path="path", date="visited_at", datetime=True, dims={"mode": "mode"}
)
VISITORS = Source(
    name="visitors",
    model="visits.Visit.visitors",
    path="visit__path",
    date="visit__visited_at",
    datetime=True,
    dims={"user": "user_id"},
)


def _last_visit_day():
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    return TruncDate("visit_state__last_visited_at", tzinfo=timezone.get_current_timezone())


HOUSEHOLDS = Source(
    name="households", model="households.Household", path="path", date=None, dims={"last_day": _last_visit_day}
)


def _appointed(qs):
    return qs.filter(status="appointed")


STAFF = Source(
    name="staff", model="personnel.Appointment", path="path", date=None, dims={"role": "role"}, base=_appointed
)

KEY_PERSONS = Source(
    name="key_persons",
    model="keypersons.KeyPerson",
    path="path",
    date="enlisted_on",
    dims={"category": "category_id", "color": "color", "status": "status"},
)
PATROLS = Source(
    name="patrols",
    model="patrols.Patrol",
    path="path",
    date="date",
    dims={"shift": "shift"},
    sums={"headcount": "headcount"},
)
PUBLICITY = Source(
    name="publicity",
    model="publicity.PublicityEvent",
    path="path",
    date="held_on",
    dims={"topic": "topic", "channel": "channel"},
    sums={"attendance": "attendance"},
)
DEEDS = Source(name="deeds", model="deeds.Deed", path="path", date="done_on", dims={"category": "category"})
CLEANUP_ROUNDS = Source(
    name="cleanup_rounds",
    model="cleanups.CleanupRound",
    path="path",
    date="held_on",
    sums={"participants": "participant_count"},
)
CLEANUP_PROBLEMS = Source(
    name="cleanup_problems",
    model="cleanups.CleanupProblem",
    path="path",
    date="round__held_on",
    dims={"recurrence": "recurrence"},
)
CHECKS = Source(
    name="checks",
    model="campaigns.HouseholdCheck",
    path="path",
    date="checked_at",
    datetime=True,
    dims={"campaign": "campaign_id"},
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        MATTERS,
        OPEN_MATTERS,
        OPEN_PLACES,
        VISITS,
        VISITORS,
        HOUSEHOLDS,
        STAFF,
        KEY_PERSONS,
        PATROLS,
        PUBLICITY,
        DEEDS,
        CLEANUP_ROUNDS,
        CLEANUP_PROBLEMS,
        CHECKS,
    )
}
