"""Acceptance, in a real browser (Debian's chromium): the figures page states a town's figures in the articles'
words at phone and desktop widths, and a click on a number opens the record list it counts showing the same
total. Screenshots go to /tmp/shots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from gridgov.matters import actions as matter_actions
from gridgov.matters.tests.helpers import record
from gridgov.testing import sign_in_page
from gridgov.visits import actions as visit_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def town_work(world):
    """Three appeals found on visits (two resolved), a dispute at the walk-in desk, two visits."""
    for i in range(3):
        matter = record(world.grid_worker_a, code="appeal.subsidy", title=f"补贴查询{i}", channel="visit")
        if i < 2:
            matter_actions.answer(world.grid_worker_a, matter, answer_type="answer", text="已解答")
    record(world.grid_worker_a, code="dispute.neighbour", title="邻里纠纷", channel="walk_in")
    for days in (1, 3):
        visit_actions.record_visit(
            world.grid_worker_a,
            visit_actions.VisitInput(household=world.household_a, visited_at=timezone.now() - timezone.timedelta(days)),
        )
    return world


def test_the_figures_page_links_each_number_to_its_list(live_server, browser, town_work):
    SHOTS.mkdir(exist_ok=True)
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = browser.new_page(viewport=size)
        sign_in_page(page, live_server.url, town_work.town_staff.username)
        page.goto(f"{live_server.url}/stats/figures/")
        sentence = page.locator("[data-sentence=article]").inner_text()
        assert "入户走访2次" in sentence and "发现并解决群众诉求2条" in sentence, sentence
        assert "重点人员" not in page.content()  # the town staff hold no key-population grant
        assert page.locator("[data-figure=received] b").inner_text() == "4"
        page.screenshot(path=str(SHOTS / f"stats_figures_{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name}: the page scrolls sideways ({width}px)"
        page.locator("[data-sentence=article] a[data-figure=appeals_found_resolved]").click()
        page.wait_for_url(re.compile(r"/matters/\?"))
        assert page.locator("p.total").inner_text() == "共 2 条"
        assert page.locator("table tbody tr").count() == 2
        page.screenshot(path=str(SHOTS / f"stats_figures_list_{name}.png"), full_page=True)
        page.close()
