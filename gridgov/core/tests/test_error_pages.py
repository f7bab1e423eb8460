"""Our own 404 and 403 pages in every mode: a wrong-role URL, an out-of-scope record, an unknown URL and a
refused form answer with the project's page (the user's language, the menu for signed-in users), never
Django's debug page listing the URL patterns, also with DEBUG on."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings

from gridgov.core.errors import ErrorPageMiddleware
from gridgov.households.models import Household
from gridgov.testing import PASSWORD

DEBUG_PAGE_MARKS = ("URLconf", "Page not found", "Using the URLconf", "technical_404", "Django tried these")


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def assert_our_page(response, status: int, *, menu: bool) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert f'id="error-{status}"' in body
    assert not any(mark in body for mark in DEBUG_PAGE_MARKS)
    assert ('<nav class="mainnav"' in body) is menu
    return body


@pytest.mark.parametrize("debug", [False, True])
def test_wrong_role_out_of_scope_and_unknown_urls_answer_our_404_with_the_menu(world, debug):
    client = signed_in(world.grid_worker_a)
    with override_settings(DEBUG=debug):
        for url in ("/audit/", "/accounts/", f"/households/{world.household_b.pk}/", "/no/such/page/"):
            body = assert_our_page(client.get(url), 404, menu=True)
            assert "页面不存在" in body and '<html lang="zh-hans">' in body
            assert world.household_b.number not in body and world.resident_b.name not in body
    assert Household.objects.count() == 2


@pytest.mark.parametrize("debug", [False, True])
def test_the_404_page_follows_the_chosen_language(world, debug):
    client = signed_in(world.town_staff)
    client.cookies["django_language"] = "en"
    with override_settings(DEBUG=debug):
        body = assert_our_page(client.get("/audit/"), 404, menu=True)
    assert '<html lang="en">' in body


@pytest.mark.parametrize("debug", [False, True])
def test_anonymous_visitors_get_the_404_page_with_a_sign_in_link_and_no_menu(db, debug):
    with override_settings(DEBUG=debug):
        body = assert_our_page(Client().get("/no/such/page/"), 404, menu=False)
    assert 'href="/login/"' in body


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_form_post_answers_our_403_page(world, debug):
    client = Client(enforce_csrf_checks=True)  # a form posted without its token (an expired page)
    client.force_login(world.town_staff)
    with override_settings(DEBUG=debug):
        body = assert_our_page(client.post("/workbench/device/", {"device": "phone"}), 403, menu=True)
    assert "页面已过期" in body
    assert "gridgov_device" not in client.cookies


def test_a_permission_refused_by_a_view_answers_our_403_page(world):
    request = RequestFactory().get("/anything/")
    request.user = world.town_staff
    request.resolver_match = None
    middleware = ErrorPageMiddleware(lambda r: None)
    response = middleware.process_exception(request, PermissionDenied("审计日志不可修改"))
    assert response.status_code == 403 and 'id="error-403"' in response.content.decode()
    assert middleware.process_exception(request, ValueError("not ours")) is None


def test_api_clients_get_json_not_a_page(world):
    client = signed_in(world.grid_worker_a)
    response = client.get("/api/v1/no-such-route", HTTP_ACCEPT="application/json")  # the API's own 404 body
    assert (response.status_code, response.json()) == (404, {"detail": "不存在或不在账号范围内", "errors": {}})
    response = client.get("/no-such-page/", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (404, {"detail": "页面不存在"})


def test_the_server_error_page_renders_without_a_request_context(rf):
    from gridgov.core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()
