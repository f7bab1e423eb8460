"""Acceptance: no list page renders more than 100 rows at once.

Every GET page of the project (every route the URL resolver knows, with the ids and codes of the crowded
records) is opened as each of the eleven demo roles, in a world where each list has more than 100 rows for
the roles that may read it (`crowd.build_crowd`). The rows of each page that answers 200 are counted (table
body rows, list items, cards) and none may pass 100. A page of lists that proves the data really is there
says so: its total ("共 N 条", or a section's count) is above 100 and equals a raw count.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gridgov.core.tests.crowd import Crowd, build_crowd
from gridgov.ledgers.choices import LedgerKind
from gridgov.testing import force_verified_login, restore_migration_seeds

MAX_ROWS = 100
# Routes that are not pages of rows: the API and machine intake, files, the session and POST-only actions.
SKIP_PREFIXES = ("/api/", "/open311/", "/i18n/", "/logout/", "/field/sw.js", "/field/manifest")
SKIP_NAMES = {
    "logout", "set_language", "badge", "read_all", "read", "progress", "errors", "template", "export",
    "agreement_pdf", "attachment", "photo", "photo_remove", "photo_add", "resident_reveal", "resident_phone",
    "category_options", "extra_fields", "act", "unlock", "grant", "review", "reject", "appoint", "end",
    "retry", "sent_by_hand", "group_webhook", "status", "alert_acknowledge", "out_of_contact", "moved_away",
    "release", "responsible", "measures", "vulnerable_end", "vulnerable_cadence", "to_matter", "matter",
    "problem_add", "follow_up", "check", "resident_create", "area_edit", "category_edit", "department_edit",
    "edit", "create", "enlist", "nominate", "party_group_create", "patrol_team_create", "chat_group_create",
    "area_create", "category_create", "department_create", "vulnerable_create", "quick_report", "upload",
    "token_revoke", "my_token_revoke", "second_factor_reset", "password_reset", "export_detail", "export_progress",
    "export_download", "briefing_pdf", "briefing_docx",
    "activation_code",
}  # fmt: skip
PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes():
    """(url pattern, route name) of every page route, the API and the skipped ones left out."""

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield "/" + prefix + str(p.pattern), f"{namespace}:{p.name}" if namespace else p.name

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or name.split(":")[-1] in SKIP_NAMES or "(?P" in route:
            continue
        yield route, name


def args_of(crowd: Crowd) -> dict[str, list[dict]]:
    """The records whose pages list something, for each route with parameters."""
    w = crowd.world
    return {
        "households:detail": [{"pk": crowd.households[0].pk}],
        "ledgers:ledger": [{"kind": kind} for kind in LedgerKind.values],
        "households:resident": [{"pk": w.resident_a.pk}],
        "keypersons:detail": [{"pk": crowd.key_person.pk}],
        "campaigns:detail": [{"pk": crowd.campaign.pk}],
        "campaigns:checks": [{"pk": crowd.campaign.pk}],
        "chatnotices:detail": [{"pk": crowd.notice.pk}],
        "chatnotices:delivery": [{"pk": crowd.notice.deliveries.first().pk}],
        "cleanups:detail": [{"pk": crowd.round.pk}],
        "matters:detail": [{"pk": crowd.matter.pk}],
        "personnel:roster": [{"code": w.grid_a.code}],
        "personnel:appointment": [{"pk": crowd.nomination.pk}],
        "places:detail": [{"code": c} for c in (w.town.code, w.village_a.code, w.group_a.code, w.grid_a.code)],
        "registers:detail": [{"pk": crowd.register_import.pk}],
        "visits:detail": [{"pk": crowd.visit.pk}],
        "visits:vulnerable_detail": [{"pk": crowd.member.pk}],
        "patrols:detail": [{"pk": crowd.patrol.pk}],
        "publicity:detail": [{"pk": crowd.event.pk}],
        "deliberations:detail": [{"pk": crowd.deliberation.pk}],
        "deeds:detail": [{"pk": crowd.deed.pk}],
        "stats:place_figures": [{"code": c} for c in (w.town.code, w.grid_a.code)],
        "stats:cockpit_place": [{"code": c} for c in (w.town.code, w.village_a.code, w.grid_a.code)],
        "stats:briefing": [{"code": c} for c in (w.town.code, w.grid_a.code)],
    }


def urls(crowd: Crowd) -> list[str]:
    known = args_of(crowd)
    out = []
    for route, name in routes():
        params = PARAM_RE.findall(route)
        if not params:
            out.append(route)
            continue
        assert name in known, f"{name} ({route}) takes parameters: add it to args_of() or to SKIP_NAMES"
        for values in known[name]:
            url = route
            for _conv, param in params:
                url = PARAM_RE.sub(str(values[param]), url, count=1)
            out.append(url)
    return out


class RowCounter(HTMLParser):
    """Counts, inside <main>, the rows a reader scrolls through: table body rows, list items, cards, figures.
    What lies inside a counted row (the change lines of one audit entry, say) is part of that row."""

    ROWS = {"li", "article", "figure"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main = self.in_tbody = 0
        self.rows = 0
        self.open_rows: list[str] = []  # the row elements we are inside, outermost first

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main += 1
        elif self.in_main:
            if tag == "tbody":
                self.in_tbody += 1
            elif tag == "tr" and self.in_tbody or tag in self.ROWS:
                if not self.open_rows:
                    self.rows += 1
                self.open_rows.append(tag)

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        elif tag == "tbody" and self.in_tbody:
            self.in_tbody -= 1
        elif tag in self.open_rows:
            while self.open_rows and self.open_rows.pop() != tag:
                pass


def rows_in(html: str) -> int:
    counter = RowCounter()
    counter.feed(html)
    return counter.rows


@pytest.fixture(scope="module")
def crowd(django_db_setup, django_db_blocker):
    """The crowded world, built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            restore_migration_seeds()
            yield build_crowd()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def pages(crowd, django_db_blocker) -> dict[tuple[str, str], tuple[int, str]]:
    """Every page as every persona: (persona, url) -> (status, body)."""
    out = {}
    with django_db_blocker.unblock():
        for persona, user in crowd.personas().items():
            client = Client()
            force_verified_login(client, user)
            for url in urls(crowd):
                response = client.get(url)
                body = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
                out[persona, url] = (response.status_code, body)
    return out


@pytest.mark.django_db
def test_no_page_renders_more_than_100_rows_for_any_role(pages):
    counted = {key: rows_in(body) for key, (status, body) in pages.items() if status == 200}
    too_long = sorted(f"{persona} {url}: {n} rows" for (persona, url), n in counted.items() if n > MAX_ROWS)
    assert too_long == []
    opened = {key for key, (status, _) in pages.items() if status == 200}
    assert len(opened) > 300  # the walk really opened the pages: every role, every page it may read


TOTAL_RE = re.compile(r"共 ([\d,]+) 条")


def totals(crowd: Crowd) -> list[tuple[str, str, int]]:
    """(persona, list page, the raw count of what it lists): each above 100, counted without the app's queries."""
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.campaigns.models import Campaign, HouseholdCheck
    from gridgov.chatnotices.models import ChatDelivery, ChatNotice
    from gridgov.cleanups.models import CleanupRound, ResponsibilityArea
    from gridgov.deeds.models import Deed
    from gridgov.deliberations.models import Deliberation
    from gridgov.households.models import Household, Resident
    from gridgov.keypersons.models import FollowUp, KeyPerson, KeyPersonAlert
    from gridgov.matters.models import Category, Department, Matter
    from gridgov.notifications.models import Notice
    from gridgov.patrols.models import Patrol
    from gridgov.personnel.models import Appointment, ChatGroup
    from gridgov.places.models import Place
    from gridgov.publicity.models import PublicityEvent
    from gridgov.registers.models import RegisterImport
    from gridgov.visits.models import Visit, VisitRule, VulnerableMember

    w, c = crowd.world, crowd.campaign
    town, village, grid = w.town.code, w.village_a.code, w.grid_a.code
    horizon = timezone.localdate() + dt.timedelta(days=7)  # the default rule reminds 7 days ahead
    staff = ("grid_worker", "grid_leader")
    return [
        ("grid1", "/households/", Household.objects.filter(path__startswith=grid).count()),
        ("cluster", "/households/", Household.objects.filter(path__startswith=w.cluster_a1.code).count()),
        ("town", "/households/residents/", Resident.objects.filter(path__startswith=town).count()),
        ("grid1", "/visits/", Visit.objects.filter(path__startswith=grid).count()),
        (
            "grid1",
            "/visits/today/?show=households",
            Household.objects.filter(path__startswith=grid).exclude(visit_state__due_on__gt=horizon).count(),
        ),
        (
            "grid1",
            "/visits/today/?show=checks",
            VulnerableMember.objects.filter(path__startswith=grid, active=True, next_check_on__lte=horizon).count(),
        ),
        (
            "keypop",
            "/visits/today/?show=follow_ups",
            KeyPerson.objects.filter(path__startswith=town, next_follow_up_due__lte=horizon).count(),
        ),
        ("keypop", "/keypersons/", KeyPerson.objects.filter(path__startswith=town).count()),
        ("keypop", "/keypersons/alerts/", KeyPersonAlert.objects.filter(closed_at__isnull=True).count()),
        ("keypop", f"/keypersons/{crowd.key_person.pk}/", FollowUp.objects.filter(key_person=crowd.key_person).count()),
        ("grid1", "/matters/", Matter.objects.filter(path__startswith=grid).count()),
        (
            "grid1",
            "/matters/queue/",
            Matter.objects.filter(holder_path=grid, is_open=True, holder_department=None).count(),
        ),
        ("liaison", "/matters/queue/", Matter.objects.filter(holder_department=crowd.department, is_open=True).count()),
        ("village", "/patrols/", Patrol.objects.filter(path__startswith=village).count()),
        ("village", "/publicity/", PublicityEvent.objects.filter(path__startswith=village).count()),
        ("village", "/deliberations/", Deliberation.objects.filter(path__startswith=village).count()),
        ("village", "/deeds/", Deed.objects.filter(path__startswith=village).count()),
        ("village", "/cleanups/", CleanupRound.objects.filter(path__startswith=village).count()),
        ("village", "/cleanups/areas/", ResponsibilityArea.objects.filter(path__startswith=village).count()),
        ("town", "/campaigns/", Campaign.objects.filter(path__startswith=town).count()),
        ("town", f"/campaigns/{c.pk}/checks/", HouseholdCheck.objects.filter(campaign=c).count()),
        (
            "town",
            f"/campaigns/{c.pk}/?show=unchecked",
            Household.objects.filter(path__startswith=village).exclude(campaign_checks__campaign=c).count(),
        ),
        (
            "town",
            f"/campaigns/{c.pk}/?show=grids",
            Household.objects.filter(path__startswith=village).values("grid").distinct().count(),
        ),
        (
            "town",
            f"/campaigns/{c.pk}/?show=workers",
            User.objects.filter(role__in=staff, place__code__startswith=village).count(),
        ),
        ("town", "/chatnotices/", ChatNotice.objects.filter(path__startswith=town).count()),
        ("town", f"/chatnotices/{crowd.notice.pk}/", ChatDelivery.objects.filter(notice=crowd.notice).count()),
        ("town", "/chatnotices/to-forward/", ChatDelivery.objects.filter(status="awaiting_hand").count()),
        ("town", "/chatnotices/groups/", ChatGroup.objects.filter(path__startswith=town).count()),
        ("town", "/personnel/", Appointment.objects.filter(path__startswith=town).count()),
        (
            "town",
            "/coverage/?check=households_unplaced",
            Household.objects.filter(path__startswith=town, cluster=None).count(),
        ),
        ("town", "/coverage/?check=grids_unstaffed", Place.objects.filter(code__startswith=town, kind="grid").count()),
        (
            "town",
            "/visits/coverage/?by=grids",
            Household.objects.filter(path__startswith=town).values("grid").distinct().count(),
        ),
        (
            "town",
            "/visits/coverage/?by=workers",
            User.objects.filter(role__in=staff, place__code__startswith=town).count(),
        ),
        ("town", "/visits/vulnerable/", VulnerableMember.objects.filter(path__startswith=town, active=True).count()),
        ("town", "/visits/rules/", VisitRule.objects.count()),
        ("grid1", "/notifications/", Notice.objects.filter(recipient=w.grid_worker_a).count()),
        ("town", "/registers/imports/", RegisterImport.objects.filter(path__startswith=town).count()),
        ("sysadmin", "/accounts/", User.objects.count()),
        ("town", "/matters/settings/departments/", Department.objects.filter(path__startswith=town).count()),
        ("county", "/matters/settings/categories/?kind=dispute", Category.objects.filter(kind="dispute").count()),
        ("town", f"/places/{w.group_a.code}/", Place.objects.filter(parent=w.group_a).count()),
        ("town", f"/personnel/grids/{grid}/", ChatGroup.objects.filter(path__startswith=grid).count()),
    ]


@pytest.mark.django_db
def test_each_list_has_more_than_100_rows_and_its_page_says_how_many(crowd, pages):
    """The walk above is not vacuous: the lists hold more than 100 rows, each page shows at most 100 of them and
    states the total, which equals a raw count."""
    clients = {}
    shown = []
    for persona, url, raw in totals(crowd):
        assert raw > MAX_ROWS, (persona, url, raw)
        if persona not in clients:
            clients[persona] = Client()
            force_verified_login(clients[persona], crowd.personas()[persona])
        response = clients[persona].get(url)
        assert response.status_code == 200, (persona, url)
        body = response.content.decode()
        found = TOTAL_RE.search(body)
        shown.append((persona, url, int(found.group(1).replace(",", "")) if found else None, rows_in(body)))
    assert [(persona, url, total) for persona, url, total, _rows in shown] == [
        (persona, url, raw) for persona, url, raw in totals(crowd)
    ]
    assert all(0 < rows <= MAX_ROWS for *_rest, rows in shown)


# The queries of the pages this paging changed, at more than 100 rows (so with the capped totals): fixed, whatever
# the number of rows. Every page: the session and the user with their place.
QUERIES = {
    # rules, due households by class (an aggregate), checks due (a count), a page of rows and its capped total
    ("grid1", "/visits/today/?show=households"): 7,
    # above the grid the aggregate is grouped by child place (the children's names: +1); the filter's places
    ("town", "/visits/today/?show=households"): 9,
    # + the place asked for, key persons due (a count); key persons instead of households; the audit row
    ("keypop", "/visits/today/?show=follow_ups&place={group}"): 12,
    # rules, households (a page of 40 and its count), checks (20 and a count), running campaigns, the unchecked
    # households of the one running, their total: running campaigns and a count each
    ("grid1", "/field/"): 13,
    # + key persons due (20 and a count), the audit row
    ("keypop", "/field/"): 16,
    # the place, rules, grouped households, grouped visits, grid names, workers, grouped worker visits, breadcrumbs
    ("town", "/visits/coverage/"): 10,
    ("town", "/visits/coverage/?by=workers"): 10,
    # the place, 3 per household/resident check (count, per child, rows), 1 per grid/cluster check, the children
    ("town", "/coverage/"): 14,
    ("town", "/coverage/?check=households_unplaced"): 13,  # the other checks' rows are not read
    # the campaign, its scope and questions, progress (grouped by grid, grid names, accounts, appointments,
    # checks per worker), questions again, scope places; a page of unchecked households and its total
    ("town", "/campaigns/{campaign}/"): 13,
    ("town", "/campaigns/{campaign}/?show=grids"): 11,  # the grids' rows are in the progress already
    ("county", "/matters/settings/categories/"): 3,  # the categories with their matter counts (one kind shown)
    ("town", "/matters/settings/departments/"): 5,  # a page of departments, its total, their liaisons
    ("village", "/cleanups/areas/"): 5,  # a page of areas (with round counts), its total, their villages
    ("town", "/visits/rules/"): 4,  # the rules in scope, paged in memory; the rule of the user's place
    ("town", "/places/{group}/"): 10,  # the place, children, 4 grouped counts, breadcrumbs, map shapes
    ("keypop", "/keypersons/{person}/"): 10,  # the person, audit, a page of follow-ups and one of events, totals
    ("town", "/personnel/grids/{grid}/"): 9,  # the roster's fixed queries (each section cut to 20 rows)
    ("sysadmin", "/accounts/"): 5,  # a page of accounts, its total, and which of them have failed sign-ins
    ("town", "/registers/imports/"): 4,  # a page of imports and its total
    ("town", "/personnel/"): 5,  # a page of appointments, its total, the filter's places
    ("grid1", "/matters/queue/"): 4,  # a page of the queue and its total
    ("town", "/households/"): 5,  # a page of households, its total, the filter's places
}


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "template"), list(QUERIES))
def test_query_count_of_a_paged_page_is_fixed(crowd, persona, template, django_assert_num_queries):
    w = crowd.world
    url = template.format(
        group=w.group_a.code, grid=w.grid_a.code, campaign=crowd.campaign.pk, person=crowd.key_person.pk
    )
    client = Client()
    force_verified_login(client, crowd.personas()[persona])
    client.get(url)
    with django_assert_num_queries(QUERIES[persona, template]):
        response = client.get(url)
    assert response.status_code == 200
    assert 0 < rows_in(response.content.decode()) <= MAX_ROWS
