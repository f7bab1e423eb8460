"""Signing in (password, own password, second factor) and the account's own security page."""

from __future__ import annotations

from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts import actions, signin
from gridgov.accounts.forms import ActivationForm, CodeForm, EnrolForm, LoginForm, throttled_message
from gridgov.accounts.models import ApiToken, RecoveryCodeDevice
from gridgov.core.access import authenticated, public

CODES_KEY = "gridgov_recovery_codes"  # new recovery codes, shown once on the next page


@public
def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        if form.is_valid():
            return signin.begin(request, form.user, target)
        status = 429 if form.throttled else 200
    else:
        status = 200
    return render(request, "accounts/login.html", {"form": form, "next": target}, status=status)


def _pending_or_login(request):
    pending = signin.pending(request)
    if pending is None:
        messages.info(request, _("登录已超时，请重新登录"))
    return pending


@public
def signin_activate(request):
    """A password an administrator set (new account, reset): the security administrator's activation code and
    the owner's own new password, together. The system administrator, who knows the initial password,
    stops here; the code alone opens nothing either (this step comes only after the right password)."""
    from axes.handlers.proxy import AxesProxyHandler

    pending = _pending_or_login(request)
    if pending is None:
        return redirect("accounts:login")
    user = pending.user
    if not user.activation_required:
        return signin.advance(request, pending)
    if request.method == "POST" and not AxesProxyHandler.is_allowed(request, {"username": user.username}):
        signin.drop(request)
        messages.error(request, throttled_message(request))
        return redirect("accounts:login")
    form = ActivationForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.activate_account(user, form.cleaned_data["code"], form.cleaned_data["new_password1"]):
            signin.update(request, pending, hash=user.get_session_auth_hash())
            return signin.advance(request, pending)
        refused = _refused_code(request, pending, reason="activation_code", message=_("激活码错误次数过多，请重新登录"))
        if refused is not None:
            return refused
        form.add_error("code", _("激活码不正确或已失效；请核对，或请安全管理员重新发放"))
    return render(request, "accounts/signin_activate.html", {"form": form, "account": user})


@public
def signin_password(request):
    """After expiry: the owner chooses a new password. (A password an administrator set needs activation.)"""
    pending = _pending_or_login(request)
    if pending is None:
        return redirect("accounts:login")
    user = pending.user
    if user.activation_required or not user.password_change_required:
        return signin.advance(request, pending)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_password(user, form.cleaned_data["new_password1"])
        signin.update(request, pending, hash=user.get_session_auth_hash())
        return signin.advance(request, pending)
    return render(request, "accounts/signin_password.html", {"form": form, "account": user})


def qr_svg(device) -> str:
    """The authenticator's otpauth:// address as an inline SVG QR code (no script, no style, no request)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, svgclass="qr", dark="#000", light="#fff")
    return mark_safe(svg)  # segno builds the markup from our own otpauth URI


def grouped_secret(device) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrolment_context(device, form) -> dict:
    return {"form": form, "qr": qr_svg(device), "secret": grouped_secret(device), "device": device}


def _refused_code(request, pending, *, reason: str = "second_factor", message: str = "") -> HttpResponse | None:
    """Count a wrong code against the (account, address) throttle; after too many, start again."""
    username = pending.user.username
    actions.record_failed_sign_in(username, reason=reason)
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    failures = pending.state.get("failures", 0) + 1
    if failures >= signin.MAX_CODE_FAILURES or getattr(request, "axes_locked_out", False):
        signin.drop(request)
        messages.error(request, message or _("动态码错误次数过多，请重新登录"))
        return redirect("accounts:login")
    signin.update(request, pending, failures=failures)
    return None


@public
def signin_second_factor(request):
    """The code from the authenticator (or a recovery code); or, for an account without one, its enrolment."""
    from axes.handlers.proxy import AxesProxyHandler

    pending = _pending_or_login(request)
    if pending is None:
        return redirect("accounts:login")
    user = pending.user
    if user.password_change_required or pending.second_factor or not signin.needs_second_factor(user):
        return signin.advance(request, pending)
    if request.method == "POST" and not AxesProxyHandler.is_allowed(request, {"username": user.username}):
        signin.drop(request)
        messages.error(request, throttled_message(request))
        return redirect("accounts:login")
    if user.second_factor_since is None:  # mandatory, not yet enrolled: enrol now
        device = actions.start_totp_enrolment(user)
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            codes = actions.confirm_totp_enrolment(user, device, form.cleaned_data["code"])
            if codes is not None:
                signin.update(request, pending, second_factor="totp")
                request.session[CODES_KEY] = codes
                return redirect("accounts:signin_codes")
            refused = _refused_code(request, pending)
            if refused is not None:
                return refused
            form.add_error("code", _("动态码不正确，请核对手机时间后重试"))
        return render(request, "accounts/signin_enrol.html", {**_enrolment_context(device, form), "account": user})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        used = actions.verify_second_factor(user, form.cleaned_data["code"])
        if used:
            signin.update(request, pending, second_factor=used)
            return signin.advance(request, pending)
        refused = _refused_code(request, pending)
        if refused is not None:
            return refused
        form.add_error("code", _("动态码或恢复码不正确"))
    return render(request, "accounts/signin_code.html", {"form": form, "account": user})


@public
def signin_codes(request):
    """The new recovery codes, shown once; then the sign-in completes."""
    pending = _pending_or_login(request)
    if pending is None:
        return redirect("accounts:login")
    if request.method == "POST":
        request.session.pop(CODES_KEY, None)
        return signin.advance(request, pending)
    codes = request.session.pop(CODES_KEY, None)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "signing_in": True})


# The account's own security page.


@authenticated
def my_security(request):
    user = request.user
    tokens = [] if user.is_admin_role else list(ApiToken.objects.filter(user=user).order_by("-created_at"))
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    days = settings.GRIDGOV_PASSWORD_MAX_AGE_DAYS
    changed = user.password_changed_at
    context = {
        "account": user,
        "password_expires_at": changed + timedelta(days=days) if changed and days else None,
        "tokens": tokens,
        "recovery_left": recovery.remaining() if recovery else None,
        "required": user.requires_second_factor,
    }
    return render(request, "accounts/my_security.html", context)


@authenticated
def my_password(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_password(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改"))
        return redirect("accounts:me")
    return render(request, "accounts/my_password.html", {"form": form})


@authenticated
def my_second_factor(request):
    """Enrol an authenticator (optional accounts), or replace the recovery codes."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "recovery_codes":
        try:
            codes = actions.new_recovery_codes(user)
        except actions.ActionRefused as exc:
            messages.error(request, str(exc))
            return redirect("accounts:me")
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "signing_in": False})
    if user.second_factor_since is not None:
        return redirect("accounts:me")
    device = actions.start_totp_enrolment(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = actions.confirm_totp_enrolment(user, device, form.cleaned_data["code"])
        if codes is not None:
            signin.mark_verified(request, user)  # this session enrolled it: it stays signed in
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "signing_in": False})
        form.add_error("code", _("动态码不正确，请核对手机时间后重试"))
    return render(request, "accounts/my_enrol.html", _enrolment_context(device, form))


@authenticated
@require_POST
def my_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    actions.revoke_api_token(request.user, token)
    messages.success(request, _("已撤销令牌“%(name)s”") % {"name": token.name})
    return redirect("accounts:me")
