"""Pages of the field app: today's plan and quick records, all working offline once loaded.

The quick-record pages are shells: the form is saved to the phone's queue (IndexedDB) by
``static/field/field.js`` and uploaded through ``/api/v1/field/sync`` when there is a network.
The service worker (``sw.js``, scope /field/) keeps the pages, the static files and the worker's
own grid data (``/api/v1/field/bootstrap``) so the pages open without a network.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.campaigns import queries as campaign_queries
from gridgov.core.access import authenticated, scoped
from gridgov.core.paging import page_of
from gridgov.keypersons.access import key_population
from gridgov.keypersons.choices import FollowUpMode, PersonState, RiskColor, Whereabouts
from gridgov.keypersons.models import holds_grant
from gridgov.matters.choices import MatterKind
from gridgov.matters.policy import may_report_up_on_record
from gridgov.visits import queries as visit_queries
from gridgov.visits.choices import VisitMode

STATIC_DIR = Path(__file__).parent / "static" / "field"
STATIC_FILES = ["field/field.js", "field/field.css", "field/icons/icon-192.png", "field/icons/icon-512.png"]
SHARED_STATIC = ["css/gridgov.css", "vendor/htmx/htmx.min.js"]
# Rows of each section on the phone's today page: 100 in all; the rest are on the web page's plan, paged.
SHOWN = {"follow_ups": 20, "checks": 20, "households": 40, "unchecked": 20}


@cache
def assets_version() -> str:
    """Changes whenever the app's front-end code changes, so phones pick up a new service worker."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    digest.update((Path(__file__).parent / "templates" / "field" / "sw.js").read_bytes())
    return digest.hexdigest()[:12]


def _pages(user) -> list[str]:
    names = ["today", "visit", "matter", "edit", "check", "queue"]
    if holds_grant(user):
        names.append("follow_up")
    return [reverse(f"field:{name}") for name in names]


@scoped
def today(request):
    """今日计划 on the phone: the most urgent rows of each section, at most 100 in all (SHOWN), each section with
    its total and, when there is more, a link to the full plan (the web page, paged)."""
    user = request.user
    day, horizon = visit_queries.plan_horizon(user)
    code = user.place.code
    households = page_of(visit_queries.due_households_for(user, code, day, horizon), 1, SHOWN["households"])
    households.rows = visit_queries.due_rows(user, households.rows, day, horizon)
    checks = page_of(visit_queries.due_checks_for(user, code, horizon), 1, SHOWN["checks"])
    follow_ups = visit_queries.due_follow_ups_for(user, code, horizon)
    if follow_ups is not None:
        follow_ups = page_of(follow_ups, 1, SHOWN["follow_ups"])
        visit_queries.audit_shown("field_today", [p.pk for p in follow_ups.rows])  # grant holders with some due
    unchecked = campaign_queries.unchecked_households(user, SHOWN["unchecked"] + 1)
    unchecked_total = len(unchecked)
    if unchecked_total > SHOWN["unchecked"]:
        unchecked_total = sum(n for _campaign, n in campaign_queries.unchecked_counts(user))
    context = {
        "today": day,
        "horizon": horizon,
        "households": households,
        "checks": checks,
        "follow_ups": follow_ups,
        "unchecked": unchecked[: SHOWN["unchecked"]],
        "unchecked_total": unchecked_total,
        "tab": "today",
    }
    return render(request, "field/today.html", context)


@scoped
def visit_form(request):
    return render(request, "field/visit.html", {"modes": VisitMode.choices, "tab": "visit"})


@scoped
def matter_form(request):
    context = {
        "kinds": MatterKind.choices,
        "colors": RiskColor.choices,
        "tab": "matter",
        "may_report_up": may_report_up_on_record(request.user),
    }
    return render(request, "field/matter.html", context)


@key_population
def follow_up_form(request):
    context = {
        "modes": FollowUpMode.choices,
        "whereabouts": Whereabouts.choices,
        "states": PersonState.choices,
        "colors": RiskColor.choices,
        "tab": "follow_up",
    }
    return render(request, "field/follow_up.html", context)


@scoped
def edit_form(request):
    return render(request, "field/edit.html", {"modes": VisitMode.choices, "tab": "edit"})


@scoped
def check_form(request):
    return render(request, "field/check.html", {"tab": "check"})


@scoped
def queue(request):
    return render(request, "field/queue.html", {"tab": "queue"})


@authenticated
def manifest(request):
    """The web app manifest (fetched with credentials: the page links it with crossorigin=use-credentials)."""
    data = {
        "name": _("网格员移动工作台"),
        "short_name": _("网格工作"),
        "description": _("今日计划、走访、稳控、事项，离线可用"),
        "lang": "zh-CN",
        "start_url": reverse("field:today"),
        "scope": reverse("field:today"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b42318",
        "icons": [
            {"src": static("field/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@authenticated
def service_worker(request):
    """The service worker, served from /field/ so its scope is /field/ without a Service-Worker-Allowed header."""
    precache = [
        *_pages(request.user),
        reverse("field:manifest"),
        reverse("api:field_bootstrap"),
        *(static(name) for name in SHARED_STATIC + STATIC_FILES),
    ]
    version = f"{assets_version()}-{request.user.pk}-{int(holds_grant(request.user))}"
    response = render(
        request,
        "field/sw.js",
        {
            "version": version,
            "precache": precache,
            "pages_prefix": reverse("field:today"),
            "bootstrap_url": reverse("api:field_bootstrap"),
            "static_prefix": static(""),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
