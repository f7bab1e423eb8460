"""Deny by default: every URL and every API operation declares who may use it."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from gridgov.api import api
from gridgov.core.access import rule_of

# The sign-in steps after the password serve only a session holding a pending sign-in (gridgov.accounts.signin).
SIGN_IN_STEPS = {
    "accounts:signin_activate",
    "accounts:signin_password",
    "accounts:signin_second_factor",
    "accounts:signin_codes",
}
PUBLIC_ROUTES = {"accounts:login", "accounts:logout", "set_language"} | SIGN_IN_STEPS
# Probes for load balancers: no session, no personal data, no error detail (gridgov.core.probes).
PROBE_ROUTES = {"healthz", "readyz"}
# Open311 GeoReport v2 is public by specification: machine clients, an API key for POST, no personal data out.
OPEN311_ROUTES = {
    "open311:discovery",
    "open311:discovery_xml",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "open311:not_found",
}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else "", p.callback


def sample_url(route: str) -> str:
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:str:)?\w+>", "5203301132010101", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    return "/" + route


def test_every_url_declares_an_access_rule():
    missing = [route for route, name, callback in walk(get_resolver().url_patterns) if rule_of(callback) is None]
    assert missing == []


def test_only_the_listed_routes_are_public():
    public = {name for route, name, cb in walk(get_resolver().url_patterns) if rule_of(cb).kind == "public"}
    assert public == PUBLIC_ROUTES | OPEN311_ROUTES | PROBE_ROUTES


def test_every_api_operation_is_scoped():
    unmarked = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                rule = getattr(operation.view_func, "gridgov_access", None)
                if rule is None or rule.kind not in {"scoped", "roles", "authenticated"}:
                    unmarked.append(f"{operation.methods} {prefix}{path}")
    assert unmarked == []


def test_api_requires_authentication_everywhere(db, client):
    api_routes = [r for r, name, cb in walk(get_resolver().url_patterns) if r.startswith("api/v1/")]
    checked = 0
    for route in api_routes:
        if "openapi" in route or "docs" in route or route == "api/v1/":
            continue
        response = client.get(sample_url(route))
        assert response.status_code in {401, 405}, (route, response.status_code)
        checked += response.status_code == 401
    assert checked >= 1


def test_anonymous_visitors_get_no_page_but_login(db, client):
    for route, name, _callback in walk(get_resolver().url_patterns):
        if name in PUBLIC_ROUTES | OPEN311_ROUTES | PROBE_ROUTES or "openapi" in route or "docs" in route:
            continue
        url = sample_url(route)
        response = client.get(url)
        assert response.status_code in {302, 401, 404, 405}, (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), url
