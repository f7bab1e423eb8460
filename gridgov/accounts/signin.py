"""The steps of a sign-in, kept in the (anonymous) session until every one is done.

After the password, an account may still have to be activated (its password was set by an administrator:
a new account, a reset; the owner enters the security administrator's activation code and chooses their
own password), choose a new password (after expiry) and pass its second factor (or enrol one). Until then the
session holds only a pending sign-in, which opens nothing but the step pages: no page, no API call
sees an authenticated user. `complete` signs the account in and records, in the session, the second
factor's stamp that `SignInPolicyMiddleware` checks on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from gridgov.accounts import actions
from gridgov.accounts.models import User

PENDING = "gridgov_signin"
VERIFIED = "gridgov_2fa"  # the account's second_factor_stamp when this session passed its second factor
BACKEND = "gridgov.accounts.backends.GridgovBackend"
MAX_CODE_FAILURES = 5  # wrong codes in one pending sign-in before the password must be entered again


def needs_second_factor(user: User) -> bool:
    """The account must pass a second factor: the policy requires one, or its owner enrolled one."""
    return user.requires_second_factor or (settings.GRIDGOV_2FA_ENABLED and user.second_factor_since is not None)


def session_verified(request: HttpRequest, user: User) -> bool:
    return bool(user.second_factor_since) and request.session.get(VERIFIED) == user.second_factor_stamp


def mark_verified(request: HttpRequest, user: User) -> None:
    request.session[VERIFIED] = user.second_factor_stamp


def safe_target(request: HttpRequest, target: str) -> str:
    if not target or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@dataclass
class Pending:
    user: User
    state: dict

    @property
    def next_url(self) -> str:
        return self.state.get("next") or "/"

    @property
    def second_factor(self) -> str:
        return self.state.get("second_factor", "")


def begin(request: HttpRequest, user: User, target: str) -> HttpResponse:
    """The password was right: sign in now, or hold the sign-in until the remaining steps are done."""
    target = safe_target(request, target)
    if not user.password_change_required and not needs_second_factor(user):
        return complete(request, user, target)
    request.session.cycle_key()  # a planted session id must not carry a half-done sign-in
    request.session[PENDING] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
        "next": target,
        "failures": 0,
    }
    return redirect(next_step_url(user, {}))


def pending(request: HttpRequest) -> Pending | None:
    """The sign-in in progress, if it is recent and the account is unchanged since its password was checked."""
    state = request.session.get(PENDING)
    if not isinstance(state, dict):
        return None
    if time.time() - state.get("at", 0) > settings.GRIDGOV_SIGNIN_STEP_SECONDS:
        drop(request)
        return None
    user = User.objects.select_related("place").filter(pk=state.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != state.get("hash"):
        drop(request)
        return None
    return Pending(user, state)


def update(request: HttpRequest, pending_: Pending, **changes) -> None:
    pending_.state.update(changes)
    request.session[PENDING] = pending_.state
    request.session.modified = True


def drop(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def next_step_url(user: User, state: dict) -> str:
    from django.urls import reverse

    if user.activation_required:
        return reverse("accounts:signin_activate")
    if user.password_change_required:
        return reverse("accounts:signin_password")
    if needs_second_factor(user) and not state.get("second_factor"):
        return reverse("accounts:signin_second_factor")
    return reverse("accounts:login")


def advance(request: HttpRequest, pending_: Pending) -> HttpResponse:
    """Go to the next step, or sign in when none is left."""
    user = pending_.user
    if user.password_change_required or (needs_second_factor(user) and not pending_.second_factor):
        return redirect(next_step_url(user, pending_.state))
    return complete(request, user, pending_.next_url, second_factor=pending_.second_factor)


def complete(request: HttpRequest, user: User, target: str, *, second_factor: str = "") -> HttpResponse:
    drop(request)
    login(request, user, backend=BACKEND)
    if second_factor:
        mark_verified(request, user)
    request.session["_seen"] = int(time.time())  # see SessionIdleMiddleware
    actions.record_login(user, second_factor=second_factor)
    return redirect(target)
