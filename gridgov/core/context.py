"""Who is acting, from where, in which request: read by the audit log."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass
class ActorContext:
    user_id: int | None = None
    username: str = ""
    ip: str | None = None
    request_id: str = ""
    source: str = "system"


_current: contextvars.ContextVar[ActorContext | None] = contextvars.ContextVar("gridgov_actor", default=None)


def current() -> ActorContext:
    return _current.get() or ActorContext()


@contextmanager
def acting(username: str = "system", user_id: int | None = None, source: str = "command"):
    """Run code (a management command, a job) under a named actor."""
    token = _current.set(ActorContext(user_id=user_id, username=username, request_id=uuid.uuid4().hex, source=source))
    try:
        yield
    finally:
        _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives every request an id (honouring an incoming X-Request-ID) and records the source IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(ActorContext(ip=client_ip(request), request_id=request_id, source="web"))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestUserMiddleware:
    """After authentication, put the user into the actor context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = _current.get()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            ctx.user_id = user.pk
            ctx.username = user.username
        return self.get_response(request)


class SessionIdleMiddleware:
    """Idle expiry without a session write on every request.

    The session cookie lives SESSION_COOKIE_AGE seconds (30 minutes) from its last save; an
    active user's session is saved again at most once a minute, which moves the expiry on.
    """

    TOUCH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get("_seen", 0) >= self.TOUCH_SECONDS:
                session["_seen"] = now
        return self.get_response(request)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: the menu the user may open (grouped, the role's daily work first on a phone) and
    the page's default breadcrumbs. Both are built only when a template reads them."""
    from django.utils.functional import SimpleLazyObject

    from gridgov.core import menu

    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    return {
        "nav": SimpleLazyObject(lambda: menu.menu_for(user, current)),
        "crumbs": SimpleLazyObject(lambda: menu.breadcrumbs(user, current)),
    }


class LanguageMiddleware:
    """Chinese unless the user chose another language (cookie set by the language switch).

    The browser's Accept-Language is deliberately ignored: a township's shared computer with
    an English system must still show Chinese by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
