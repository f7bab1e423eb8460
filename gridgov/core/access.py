"""Deny by default: every view declares who may open it, or nobody can.

A view is marked with one of the decorators below (or, for a class-based view, the
class attribute ``access``). `AccessMiddleware` refuses any view without a marker, so a
forgotten declaration fails closed, and a test walks every URL to prove each one has it.

Business data inside a view is limited by `Model.objects.for_user(user)`, the one
scoping primitive (see `gridgov.core.models.ScopedQuerySet`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse

from gridgov.core.roles import BUSINESS_ROLES


@dataclass(frozen=True)
class Access:
    kind: str  # "public" | "authenticated" | "scoped" | "roles" | "api"
    # "roles": the only roles allowed; "scoped": the business roles allowed (empty = every business role)
    roles: frozenset[str] = frozenset()
    grant: str = ""  # a boolean account field that must also be set, e.g. "may_view_key_population"


def _mark(rule: Access) -> Callable:
    def decorate(view):
        view.gridgov_access = rule
        return view

    return decorate


public = _mark(Access("public"))
"""Open to anyone: login page, static health check."""

authenticated = _mark(Access("authenticated"))
"""Any signed-in account; the view shows only the account's own things."""

scoped = _mark(Access("scoped"))
"""Business data: holders of a business role; the view reads through `for_user`."""

api = _mark(Access("api"))
"""The API dispatcher: authentication and scoping are enforced per operation inside it."""


def scoped_with_grant(grant: str) -> Callable:
    """Business data that also needs a specific grant on the account (e.g. key populations)."""
    return _mark(Access("scoped", grant=grant))


def scoped_for(*names: str) -> Callable:
    """Business data for some business roles only (e.g. register import: the village and the town, not the
    grid worker); the view reads through `for_user`. Name the role set in the app's `actions`, where the
    action guards use it too."""
    return _mark(Access("scoped", frozenset(names)))


def roles(*names: str) -> Callable:
    """Only the listed account roles (e.g. the auditor for the audit log)."""
    return _mark(Access("roles", frozenset(names)))


def rule_of(view) -> Access | None:
    rule = getattr(view, "gridgov_access", None)
    if rule is None:
        view_class = getattr(view, "view_class", None)
        rule = getattr(view_class, "access", None)
    return rule


def is_allowed(user, rule: Access) -> bool:
    if rule.kind in {"public", "api"}:
        return True
    if not user.is_authenticated:
        return False
    if rule.kind == "authenticated":
        return True
    if rule.kind == "scoped":
        granted = not rule.grant or getattr(user, rule.grant, False) is True
        allowed = user.role in BUSINESS_ROLES and (not rule.roles or user.role in rule.roles)
        return allowed and user.place_id is not None and granted
    if rule.kind == "roles":
        return user.role in rule.roles
    return False


class AccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from gridgov.core.views import not_found

        rule = rule_of(view_func)
        if rule is None:  # no declaration: nobody may open it
            return not_found(request)
        if is_allowed(request.user, rule):
            return None
        if not request.user.is_authenticated:
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse({"detail": "需要登录"}, status=401)
            return redirect_to_login(request.get_full_path())
        # Out of scope: our own 404 page in every mode (a raised Http404 shows Django's debug page under DEBUG).
        return not_found(request)


def may_open(user, view) -> bool:
    """Whether ``user`` passes the access marker of ``view`` (a view function or class-based view)."""
    rule = rule_of(view)
    return rule is not None and is_allowed(user, rule)


def mark_api_urls(urls):
    """Mark the API dispatcher views; the API enforces authentication and scope per operation."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        api(pattern.callback)
    return patterns, app_name, namespace
