"""Every page a signed-in user can open has a breadcrumb trail; the default one is built from the menu."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from gridgov.core import menu

SKIP = {"accounts:logout", "set_language", "workbench:device"}
TRAIL = re.compile(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', re.S)


def page_routes(patterns=None, prefix="", namespace=""):
    """Every route without parameters outside the API (the pages a menu or a link can lead to)."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from page_routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and "<" not in str(p.pattern) and not prefix.startswith(("api/", "open311/")):
            name = f"{namespace}{p.name}"
            if name not in SKIP:
                yield "/" + prefix + str(p.pattern), name


def trail(body: str) -> str:
    found = TRAIL.search(body)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


@pytest.mark.parametrize(
    "persona",
    ["town_staff", "village_committee", "grid_worker_a", "cluster_leader_a1", "department_liaison", "auditor"]
    + ["system_admin", "security_admin"],
)
def test_every_page_the_user_opens_has_a_breadcrumb(world, login, persona):
    client = login(getattr(world, persona))
    pages = [url for url, _ in page_routes()]
    pages += [f"/households/{world.household_a.pk}/", f"/households/residents/{world.resident_a.pk}/"]
    pages += [f"/places/{world.grid_a.code}/", f"/personnel/grids/{world.grid_a.code}/"]
    opened = 0
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        body = response.content.decode()
        if '<header class="topbar">' not in body:
            continue  # a fragment (HTMX) or a file, not a page
        opened += 1
        assert trail(body), url
    assert opened >= 1


def test_a_menu_page_shows_its_group_and_a_detail_page_its_section(world, login):
    client = login(world.grid_worker_a)
    assert trail(client.get("/visits/").content.decode()) == "工作台 › 走访与台账 › 走访台账"
    assert trail(client.get("/field/visit/").content.decode()) == "工作台 › 移动工作台"
    assert trail(client.get("/workbench/").content.decode()) == "工作台"
    assert menu.breadcrumbs(world.grid_worker_a, "visits:list")[2].current is True


def test_the_place_page_shows_the_place_path(world, login):
    body = login(world.town_staff).get(f"/places/{world.grid_a.code}/").content.decode()
    assert trail(body) == "寨坝镇 › 桂园村 › 桂园村一组 › 桂园村第1网格"
