"""Acceptance: each of the eleven demo logins, in Debian's chromium at desktop (1366x768) and phone (390x844)
size, lands on its role's home (200); every link of its menu opens (200); every menu entry it is not shown
answers 404 for it; the page fits the screen. Screenshots of each home (and of each phone menu, opened)
go to /tmp/shots/role-homes/.

The demo town (`seed_demo`) is built once for the module, committed, and served by a live server of the
module's own. Every test carries the `django_db` marker (so pytest-django creates the test database
whichever tests are selected) but this module replaces pytest-django's per-test helper with one that
opens no transaction: a test transaction would hold SQLite's lock against the server, and a transactional
test's flush would wipe the town. The tests only read; the module fixture empties the database afterwards.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from gridgov.accounts.models import User
from gridgov.audit.guard import suspended
from gridgov.core import menu
from gridgov.demo.accounts import DEMO_PASSWORD
from gridgov.testing import restore_migration_seeds, second_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SHOTS = Path("/tmp/shots/role-homes")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)
# login -> (home path on a desktop, on a phone, a selector only that home has)
HOMES = {
    "county": ("/workbench/", "/workbench/", "#cockpit"),
    "town": ("/workbench/", "/workbench/", "#cockpit"),
    "village": ("/workbench/", "/workbench/", "#cockpit"),
    "keypop": ("/workbench/", "/workbench/", "#workbench-key_population"),
    "grid1": ("/workbench/", "/field/", "#workbench-field"),
    "grid2": ("/workbench/", "/field/", "#workbench-field"),
    "cluster": ("/workbench/", "/field/", "#workbench-field"),
    "liaison": ("/matters/queue/", "/matters/queue/", "h1:text('我的待办')"),
    "sysadmin": ("/accounts/", "/accounts/", "h1:text('账号管理')"),
    "secadmin": ("/accounts/", "/accounts/", "h1:text('授权管理')"),
    "auditor": ("/audit/", "/audit/", "h1:text('审计日志')"),
}
FIELD_APP = ".fieldtabs"


@pytest.fixture
def _django_db_helper(django_db_setup, django_db_blocker):
    """Overrides pytest-django's helper for this module: database access without a per-test transaction."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker):
    """寨坝镇 seeded once (matters, accounts, a year of field work) and served on loopback."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        restore_migration_seeds()
        call_command("seed_demo", stdout=StringIO())
        server = LiveServer("127.0.0.1")
        try:
            yield server.url
        finally:
            server.stop()
            with suspended():  # the audit log's triggers refuse emptying it (the application never does)
                call_command("flush", "--noinput", stdout=StringIO())
            restore_migration_seeds()  # the rows the data migrations seeded, as the next test expects them
            connections.close_all()


def test_the_table_covers_every_demo_login():
    from gridgov.demo.accounts import planned_accounts

    assert sorted(HOMES) == sorted(plan.username for plan in planned_accounts())


def all_entries() -> dict[str, str]:
    """Every menu entry any role can be shown: its URL and label."""
    return {menu.target(item.url_name)[0]: item.label for item in menu.MENU}


def sign_in(page, base: str, username: str):
    """The password, then (administrators and grant holders) the code of the login's demo authenticator."""
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    if page.url.endswith("/login/verify/"):
        page.fill("input[name=code]", second_factor_code(User.objects.get(username=username)))
        with page.expect_navigation() as navigation:
            page.click("button[type=submit]")
    return navigation.value


def menu_hrefs(page) -> list[str]:
    return page.eval_on_selector_all("nav.mainnav a[href]", "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_demo_login_lands_on_its_home_and_its_menu_opens_exactly_what_it_shows(demo_server, browser, username):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desktop_home, phone_home, marker = HOMES[username]
    shown_by_size = {}
    for size, viewport, agent in (("desktop", DESKTOP, None), ("phone", PHONE, PHONE_UA)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN", user_agent=agent)
        page = context.new_page()
        response = sign_in(page, demo_server, username)
        home = desktop_home if size == "desktop" else phone_home
        assert (response.status, page.url) == (200, f"{demo_server}{home}"), size
        page.wait_for_selector(FIELD_APP if home == "/field/" else marker, state="attached")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{username}'s home is {overflow}px wider than the {size} screen"
        page.screenshot(path=str(SHOTS / f"{username}-{size}.png"), full_page=True)
        shown_by_size[size] = menu_hrefs(page)
        if size == "phone":
            assert not page.is_visible("nav.mainnav")
            page.click("label.navbutton")
            daily = page.eval_on_selector_all(".navdaily a", "links => links.map(a => a.getAttribute('href'))")
            assert daily and menu_hrefs(page)[: len(daily)] == daily  # the role's daily work comes first
            assert page.is_visible(f".navdaily a[href='{daily[0]}']")
            page.screenshot(path=str(SHOTS / f"{username}-phone-menu.png"), full_page=True)
        else:
            check_links(context, demo_server, username, set(shown_by_size[size]))
        context.close()
    assert set(shown_by_size["phone"]) == set(shown_by_size["desktop"])  # one menu, laid out for the screen


def check_links(context, base: str, username: str, shown: set[str]) -> None:
    assert shown, username
    for href in sorted(shown):
        assert context.request.get(f"{base}{href}").status == 200, (username, href)
    for href, label in sorted(all_entries().items()):
        if href not in shown:
            response = context.request.get(f"{base}{href}", max_redirects=0)
            assert response.status == 404, (username, label, href, response.status)


BOX_AND_WORDS = """name => {
  const input = document.querySelector(`form.filters input[name=${name}]`);
  const walker = document.createTreeWalker(input.closest("label"), NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.textContent.trim()) node = walker.nextNode();
  const range = document.createRange();
  range.selectNodeContents(node);
  const b = input.getBoundingClientRect(), t = range.getBoundingClientRect();
  return {box: [b.x, b.y, b.width, b.height], words: [t.x, t.y, t.width, t.height], text: node.textContent.trim()};
}"""


@pytest.mark.parametrize("size,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_filter_checkboxes_sit_beside_their_words(demo_server, browser, size, viewport):
    """通知 and 走访台账: the box is right before its words, on their line, not centred in a column of its own."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    sign_in(page, demo_server, "grid1")
    for url, name, words in (("/notifications/", "unread", "只看未读"), ("/visits/", "mine", "只看我的")):
        page.goto(f"{demo_server}{url}")
        found = page.evaluate(BOX_AND_WORDS, name)
        (bx, by, bw, bh), (wx, wy, _, wh) = found["box"], found["words"]
        assert found["text"] == words
        assert bw < 30 and 0 <= wx - (bx + bw) < 16, (url, found)  # the words start right after the box
        assert abs((by + bh / 2) - (wy + wh / 2)) < 8, (url, found)  # on the same line
        page.screenshot(path=str(SHOTS / f"checkbox-{name}-{size}.png"))
    context.close()
