"""Acceptance: no list page renders more than 100 rows at once.

Every GET page of the project (every route the URL resolver knows, with the ids and codes of the crowded
records) is opened as each of the eleven demo roles, in a world where each list has more than 100 rows for
the roles that may read it (`crowd.build_crowd`). The rows of each page that answers 200 are counted (table
body rows, list items, cards) and none may pass 100. A page of lists that proves the data really is there
says so: its total ("共 N 条", or a section's count) is above 100 and equals a raw count.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gridgov.core.tests.crowd import Crowd, build_crowd

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
    """Counts, inside <main>, the rows a reader scrolls through: table body rows, list items, cards, figures."""

    ROWS = {"li", "article", "figure"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main = self.in_tbody = 0
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main += 1
        elif self.in_main:
            if tag == "tbody":
                self.in_tbody += 1
            elif tag == "tr" and self.in_tbody or tag in self.ROWS:
                self.rows += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        elif tag == "tbody" and self.in_tbody:
            self.in_tbody -= 1


def rows_in(html: str) -> int:
    counter = RowCounter()
    counter.feed(html)
    return counter.rows


@pytest.fixture(scope="module")
def crowd(django_db_setup, django_db_blocker):
    """The crowded world, built once for the module inside a transaction rolled back at the end."""
    from gridgov.demo.tests.conftest import _taxonomies

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _taxonomies()
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
            client.force_login(user)
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
