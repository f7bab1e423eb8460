"""The role homes: where `/` leads each account, and the workbench (工作台) page of the business roles.

The workbench puts the user's main panel beside their work queue:
- grid workers, grid leaders, household-cluster leaders: today's visits (on a phone `/` leads to the field app
  instead, from the User-Agent unless the user chose otherwise with the switch);
- village committees and governance-center staff: their place's key counts and its cockpit (驾驶舱,
  `gridgov.stats`: this year's tiles, charts, ranking and map, each number a link; the period picker and the
  drill-down lead on to `/stats/<code>/`);
- the same staff holding the key-population grant: the follow-ups due.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.core.access import authenticated, scoped
from gridgov.core.menu import opens
from gridgov.keypersons.actions import audit_view
from gridgov.keypersons.models import holds_grant
from gridgov.stats import engine
from gridgov.stats.periods import Period
from gridgov.stats.views_cockpit import cockpit_context, picker, quick_periods
from gridgov.visits.queries import today_plan
from gridgov.workbench import queries

# Who works in the field: their home is the day's visits (on a phone, the field app).
FIELD_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.CLUSTER_LEADER})
# The one page of each role that has no place-based workbench.
ROLE_HOMES = {
    Role.DEPARTMENT_LIAISON: "matters:queue",
    Role.SYSTEM_ADMIN: "accounts:accounts",
    Role.SECURITY_ADMIN: "accounts:accounts",  # the account list, where the security administrator grants
    Role.AUDITOR: "audit:log",
}
DEVICE_COOKIE = "gridgov_device"
DEVICES = ("phone", "desktop")
MOBILE_UA = re.compile(r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS", re.IGNORECASE)
PLAN_ROWS = 10


def on_phone(request) -> bool:
    """The device the user chose with the switch, else a guess from the User-Agent."""
    chosen = request.COOKIES.get(DEVICE_COOKIE, "")
    if chosen in DEVICES:
        return chosen == "phone"
    return bool(MOBILE_UA.search(request.headers.get("User-Agent", "")))


def home_target(request) -> str | None:
    """The URL of the user's home, or None when the account has no role or place to work with yet.

    The target is checked against its view's access marker, so no role is ever sent to a page it cannot open.
    """
    user = request.user
    name = ROLE_HOMES.get(user.role)
    if name is None and user.role in BUSINESS_ROLES and user.place_id is not None:
        name = "field:today" if user.role in FIELD_ROLES and on_phone(request) else "workbench:index"
    if name is None or not opens(user, name):
        return None
    return reverse(name)


def panel_of(user) -> str:
    if user.role in FIELD_ROLES:
        return "field"
    if holds_grant(user):
        return "key_population"
    return "place"


@authenticated
def home(request):
    """The landing page (/): each role's own home, or a page saying the account has no role yet."""
    target = home_target(request)
    if target is not None:
        return redirect(target)
    return render(request, "accounts/no_role.html")


@scoped
def index(request):
    user = request.user
    panel = panel_of(user)
    context = {"panel": panel, "place": user.place, "phone_switch": user.role in FIELD_ROLES}
    if user.role == Role.CLUSTER_LEADER:
        context["queue"], context["queue_kind"] = queries.reported(user), "reported"
    else:
        context["queue"], context["queue_kind"] = queries.queue(user), "queue"
    if panel == "field":
        # The plan reads key persons (grant holders only) when the page shows them, and writes the audit row then.
        context["plan"] = today_plan(user, limit=PLAN_ROWS, audit_as="workbench")
        grid = user.place if user.place.kind == "grid" else user.place.parent
        context["grid"] = grid if grid is not None and grid.kind == "grid" else None
    elif panel == "key_population":
        due = queries.follow_ups_due(user)
        if due.rows:
            audit_view("workbench", ids=[p.pk for p in due.rows])
        context["follow_ups"] = due
    else:
        context["figures"] = queries.place_figures(user)
        if opens(user, "stats:cockpit"):
            today = timezone.localdate()
            period = Period.this_year(today)
            with engine.one_reading():
                context.update(cockpit_context(user, user.place, period))
            context.update(
                {"cockpit": True, "picker": picker(today, period), "quick": quick_periods(user.place.code, today)}
            )
    return render(request, "workbench/index.html", context)


@scoped
@require_POST
def device(request):
    """The visible phone/desktop switch: remembers the choice in a cookie and goes home."""
    choice = request.POST.get("device", "")
    response = redirect("home")
    if choice in DEVICES:
        response.set_cookie(
            DEVICE_COOKIE,
            choice,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
