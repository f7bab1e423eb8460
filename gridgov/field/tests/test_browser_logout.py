"""Signing out forgets the field app's offline copies (pages and the grid's data, key persons included) but keeps
the records still waiting for upload; they go up when their owner signs in again.

Debian's chromium through Playwright against pytest-django's live server (see test_browser_offline_queue.py).
"""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import Error as PlaywrightError

from gridgov.field.tests.conftest import grant
from gridgov.field.tests.test_browser_offline_queue import PHONE, record_visit
from gridgov.testing import PASSWORD, second_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYNC = "**/api/v1/field/sync"
FIELD_CACHES = "caches.keys().then(names => names.filter(n => n.startsWith('gridgov-field-')))"
CACHED_KEY_PERSONS = """async () => {
  for (const name of await caches.keys()) {
    const hit = await (await caches.open(name)).match(location.origin + '/api/v1/field/bootstrap');
    if (hit) return ((await hit.json()).follow_up || {key_persons: []}).key_persons.map(p => p.name);
  }
  return null;
}"""
REGISTRATIONS = "navigator.serviceWorker.getRegistrations().then(rs => rs.map(r => r.scope))"
QUEUED = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open('gridgov-field');
  request.onsuccess = () => {
    const read = request.result.transaction('queue').objectStore('queue').getAll();
    read.onsuccess = () => resolve(read.result.map(r => [r.kind, r.findings, r.state]));
    read.onerror = () => reject(read.error);
  };
  request.onerror = () => reject(request.error);
})"""


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.url == f"{base}/login/verify/":  # the key-population grant needs the authenticator's code
        from gridgov.accounts.models import User

        try:
            code = second_factor_code(User.objects.get(username=username))
        finally:
            connections.close_all()
        page.fill("input[name=code]", code)
        page.click("main button[type=submit]")
        page.wait_for_load_state()


def visits_held() -> list[tuple[str, str]]:
    from gridgov.visits.models import Visit

    try:
        return list(Visit.objects.values_list("household__number", "findings"))
    finally:
        connections.close_all()


def test_sign_out_drops_field_caches_and_worker_but_keeps_the_queue_for_its_owner(
    world,
    key_person_a,
    live_server,
    browser,
):
    base = live_server.url
    worker = grant(world.grid_worker_a)
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, worker.username)
    page.goto(f"{base}/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(f"() => ({CACHED_KEY_PERSONS})().then(names => names !== null)")
    assert page.evaluate(CACHED_KEY_PERSONS) == ["王建国"]
    assert page.evaluate(REGISTRATIONS) == [f"{base}/field/"]

    context.set_offline(True)
    record_visit(page, base, world.household_a.pk, "户主外出务工，家中老人身体尚可")
    # Back online, the upload still fails (a dead mobile network), so the record is queued when the worker signs out.
    # Wait for that failed attempt: leaving the page while it is under way would race it.
    context.route(SYNC, lambda route: route.abort("internetdisconnected"))
    with page.expect_event("requestfailed", predicate=lambda request: request.url == f"{base}/api/v1/field/sync"):
        context.set_offline(False)
    page.goto(f"{base}/")
    page.click("label.navbutton")  # the phone's menu
    page.click("form[action='/logout/'] button")
    page.wait_for_selector("html[data-field-cleared]")

    assert page.url == f"{base}/login/"
    assert page.get_attribute("html", "data-field-cleared") == "1"
    assert page.evaluate(FIELD_CACHES) == []
    assert page.evaluate(REGISTRATIONS) == []
    assert page.evaluate(QUEUED) == [["visit", "户主外出务工，家中老人身体尚可", "pending"]]
    assert visits_held() == []

    # Whoever picks the phone up offline finds no field page and no grid data.
    context.set_offline(True)
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(f"{base}/field/")
    context.set_offline(False)
    context.unroute(SYNC)

    # The owner signs in again: the app comes back and the waiting record goes up once.
    sign_in(page, base, worker.username)
    # The page says 0 before it has read its queue: wait for the upload itself, then for the count it leaves.
    with page.expect_response(lambda response: response.url == f"{base}/api/v1/field/sync") as upload:
        page.goto(f"{base}/field/queue/")
    assert upload.value.status == 200
    page.wait_for_function("() => document.getElementById('queue-count').textContent === '0'")
    assert visits_held() == [("H-A-001", "户主外出务工，家中老人身体尚可")]
    context.close()


def test_login_page_drops_field_caches_left_by_an_expired_session(world, live_server, browser):
    base = live_server.url
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, world.grid_worker_a.username)
    page.goto(f"{base}/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert len(page.evaluate(FIELD_CACHES)) == 1

    context.clear_cookies()  # the session is gone without 退出 (expired, or cleared by the server)
    page.goto(f"{base}/login/")
    page.wait_for_selector("html[data-field-cleared]")

    assert page.evaluate(FIELD_CACHES) == []
    assert page.evaluate(REGISTRATIONS) == []
    context.close()
