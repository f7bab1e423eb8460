"""Reads of campaigns for one user: lists, targets, live progress per grid and per worker, households left.

Every query starts from `for_user`: `Campaign.objects.for_user` (campaigns whose scope overlaps the
user's subtree), `Household.objects.for_user` (the target, narrowed by the campaign's place paths)
and `HouseholdCheck.objects.for_user`. Progress is a few grouped queries, whatever the number of
households; nothing loops over households in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, FilteredRelation, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.campaigns.actions import households_in_campaign, questions_of, scope_codes
from gridgov.campaigns.choices import CampaignStatus
from gridgov.campaigns.models import Campaign, CampaignPlace, HouseholdCheck
from gridgov.core.models import scope_prefix
from gridgov.households.models import Household
from gridgov.personnel.choices import AppointmentRole, AppointmentStatus
from gridgov.personnel.models import Appointment
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

GRID_LENGTH = CODE_LENGTH[PlaceKind.GRID]
HOUSEHOLD_FIELDS = ("id", "path", "number", "address", "grid", "householder__name")


# ---------------------------------------------------------------- campaigns


def with_scope(campaigns: list[Campaign]) -> list[Campaign]:
    """Load the scope codes of several campaigns in one query (read by `scope_codes`)."""
    codes: dict[int, list[str]] = {c.pk: [] for c in campaigns}
    for campaign_id, path in CampaignPlace.objects.filter(campaign__in=campaigns).values_list("campaign_id", "path"):
        codes[campaign_id].append(path)
    for campaign in campaigns:
        campaign._scope_codes = sorted(codes[campaign.pk])
    return campaigns


def campaigns_for(user, *, status: str = "") -> QuerySet[Campaign]:
    """Campaigns in the user's scope with the number of checks the user can see (one query)."""
    checked = (
        HouseholdCheck.objects.for_user(user)
        .filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = Campaign.objects.for_user(user).annotate(checked=Coalesce(Subquery(checked, output_field=IntegerField()), 0))
    if status in CampaignStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_on", "-id")


def campaign_for(user, pk: int) -> Campaign:
    """A campaign in the user's scope (404 otherwise), its scope codes and questions loaded."""
    campaign = get_object_or_404(Campaign.objects.for_user(user).select_related("created_by"), pk=pk)
    with_scope([campaign])
    questions_of(campaign)
    return campaign


def managed_campaign(user, pk: int) -> Campaign:
    """A campaign the user may edit (404 for anything else, in scope or not)."""
    campaign = get_object_or_404(Campaign.objects.managed_by(user), pk=pk)
    with_scope([campaign])
    questions_of(campaign)
    return campaign


def scope_places(campaign: Campaign) -> list[Place]:
    return list(Place.objects.filter(code__in=scope_codes(campaign)).only("id", "code", "name", "kind"))


# ---------------------------------------------------------------- targets and checks


def targets(user, campaign: Campaign) -> QuerySet[Household]:
    """目标户: households under the campaign's places that the user may see."""
    return Household.objects.for_user(user).filter(households_in_campaign(campaign))


def _checked(campaign: Campaign):
    return HouseholdCheck.objects.filter(campaign=campaign, household=OuterRef("pk"))


def unchecked(user, campaign: Campaign) -> QuerySet[Household]:
    """未摸排户: the user's target households without a check, in path order."""
    return (
        targets(user, campaign)
        .filter(~Exists(_checked(campaign)))
        .select_related("householder")
        .only(*HOUSEHOLD_FIELDS)
        .order_by("path", "id")
    )


def household_for(user, campaign: Campaign, pk: int) -> Household:
    """A target household of the campaign in the user's scope (404 otherwise)."""
    return get_object_or_404(targets(user, campaign).select_related("householder", "grid"), pk=pk)


def check_of(user, campaign: Campaign, household: Household) -> HouseholdCheck | None:
    return HouseholdCheck.objects.for_user(user).filter(campaign=campaign, household=household).first()


def checks_for(user, campaign: Campaign) -> QuerySet[HouseholdCheck]:
    return (
        HouseholdCheck.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("household")
        .order_by("-checked_at", "-id")
    )


def check_for(user, pk: int) -> HouseholdCheck:
    return get_object_or_404(HouseholdCheck.objects.for_user(user).select_related("household", "campaign"), pk=pk)


# ---------------------------------------------------------------- the "today" plan


@dataclass
class UncheckedHousehold:
    campaign: Campaign
    household: Household


def running_campaigns(user, today: dt.date | None = None) -> list[Campaign]:
    today = today or timezone.localdate()
    campaigns = list(
        Campaign.objects.for_user(user)
        .filter(status=CampaignStatus.RUNNING, starts_on__lte=today, ends_on__gte=today)
        .only("id", "path", "title", "status", "starts_on", "ends_on")
        .order_by("ends_on", "id")
    )
    return with_scope(campaigns)


def unchecked_households(user, limit: int = 50, *, today: dt.date | None = None) -> list[UncheckedHousehold]:
    """Households the user still has to check in campaigns running today, the campaign ending first first.

    For the grid worker's "today" plan. ``2 + number of running campaigns`` queries; pass
    ``limit + 1`` to learn whether there are more.
    """
    out: list[UncheckedHousehold] = []
    for campaign in running_campaigns(user, today):
        if len(out) >= limit:
            break
        for household in unchecked(user, campaign)[: limit - len(out)]:
            out.append(UncheckedHousehold(campaign, household))
    return out


def unchecked_counts(user, *, today: dt.date | None = None) -> list[tuple[Campaign, int]]:
    """(campaign, households the user still has to check) for each campaign running today: one count each."""
    return [(c, unchecked(user, c).order_by().count()) for c in running_campaigns(user, today)]


# ---------------------------------------------------------------- progress


@dataclass
class ProgressRow:
    code: str
    label: str
    target: int = 0
    checked: int = 0
    recorded: int = 0  # checks this person recorded (worker rows)
    url_code: str = ""

    @property
    def left(self) -> int:
        return self.target - self.checked

    @property
    def rate(self) -> float:
        return round(100 * self.checked / self.target, 1) if self.target else 0.0


@dataclass
class Progress:
    total: ProgressRow
    grids: list[ProgressRow] = field(default_factory=list)
    workers: list[ProgressRow] = field(default_factory=list)


def progress(user, campaign: Campaign) -> Progress:
    """目标户数 vs 已摸排 per grid and per grid worker, live: four grouped queries plus names."""
    by_grid = list(
        targets(user, campaign)
        .annotate(done=FilteredRelation("campaign_checks", condition=Q(campaign_checks__campaign=campaign)))
        .values("grid_id")
        .annotate(target=Count("pk"), checked=Count("done__id"))
        .order_by()
    )
    grids = {
        p.pk: p
        for p in Place.objects.filter(pk__in=[r["grid_id"] for r in by_grid if r["grid_id"]]).only("id", "code", "name")
    }
    total = ProgressRow("", str(campaign))
    rows = []
    for r in by_grid:
        grid = grids.get(r["grid_id"])
        row = ProgressRow(grid.code if grid else "", grid.name if grid else _("未划入网格"), r["target"], r["checked"])
        row.url_code = row.code
        total.target += row.target
        total.checked += row.checked
        rows.append(row)
    rows.sort(key=lambda r: (r.code == "", r.code))
    return Progress(total, rows, _workers(user, campaign, rows))


def _workers(user, campaign: Campaign, grid_rows: list[ProgressRow]) -> list[ProgressRow]:
    """Grid workers (accounts, and appointed grid workers without an account) with their grids' figures."""
    prefix = scope_prefix(user)
    grid_codes = [r.code for r in grid_rows if r.code]
    if prefix is None or not grid_codes:
        return []
    accounts = list(
        User.objects.filter(is_active=True, role__in=[Role.GRID_WORKER, Role.GRID_LEADER], place__code__in=grid_codes)
        .select_related("place")
        .only("id", "username", "display_name", "place__code", "place__name")
        .order_by("place__code", "id")
    )
    appointed = list(
        Appointment.objects.for_user(user)
        .filter(
            role=AppointmentRole.GRID_WORKER,
            status=AppointmentStatus.APPOINTED,
            place__code__in=grid_codes,
        )
        .exclude(user__in=accounts)
        .select_related("place")
        .only("id", "person_name", "user_id", "place__code", "place__name")
        .order_by("place__code", "id")
    )
    recorded: dict[tuple, int] = {}
    for grid_code, user_id, name, n in (
        HouseholdCheck.objects.for_user(user)
        .filter(campaign=campaign)
        .annotate(grid_code=Substr("path", 1, GRID_LENGTH))
        .values_list("grid_code", "checked_by_id", "checker_name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        recorded[("user", user_id)] = recorded.get(("user", user_id), 0) + n
        recorded[("name", grid_code, name)] = recorded.get(("name", grid_code, name), 0) + n
    by_code = {r.code: r for r in grid_rows}
    out = []
    for account in accounts:
        grid = by_code[account.place.code]
        out.append(
            ProgressRow(
                account.place.code,
                f"{account.display_name or account.username}（{account.place.name}）",
                grid.target,
                grid.checked,
                recorded.get(("user", account.pk), 0),
                account.place.code,
            )
        )
    for person in appointed:
        grid = by_code[person.place.code]
        out.append(
            ProgressRow(
                person.place.code,
                f"{person.person_name}（{person.place.name}）",
                grid.target,
                grid.checked,
                recorded.get(("name", person.place.code, person.person_name), 0),
                person.place.code,
            )
        )
    out.sort(key=lambda r: (r.code, r.label))
    return out
