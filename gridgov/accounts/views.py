from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts import actions, queries
from gridgov.accounts.choices import Role
from gridgov.accounts.forms import AccountCreateForm, GrantForm, PasswordResetForm
from gridgov.accounts.models import ApiToken, User
from gridgov.core.access import public, roles
from gridgov.core.paging import page_number, page_of


@public
@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def account_list(request):
    users = User.objects.select_related("place").order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(username__icontains=q) | users.filter(display_name__icontains=q)
    page = page_of(users, page_number(request.GET.get("page")), query={"q": q} if q else None)
    form = AccountCreateForm() if request.user.role == Role.SYSTEM_ADMIN else None
    context = {"page": page, "q": q, "form": form, "failing": failing_usernames(page)}
    return render(request, "accounts/account_list.html", context)


def failing_usernames(page) -> set[str]:
    """The accounts of the page with failed sign-ins still counted (from any address)."""
    from axes.models import AccessAttempt

    names = [u.username for u in page.rows]
    return set(AccessAttempt.objects.filter(username__in=names).values_list("username", flat=True))


@roles(Role.SYSTEM_ADMIN)
@require_POST
def account_create(request):
    form = AccountCreateForm(request.POST)
    if form.is_valid():
        try:
            user = actions.create_account(request.user, **form.cleaned_data)
        except (actions.ActionRefused, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request, _("已创建账号 %(username)s，请由安全管理员授予角色和地域") % {"username": user.username}
            )
            return redirect("accounts:accounts")
    users = page_of(User.objects.select_related("place").order_by("username"), 1)
    context = {"page": users, "form": form, "q": "", "failing": failing_usernames(users)}
    return render(request, "accounts/account_list.html", context, status=400)


@roles(Role.SYSTEM_ADMIN)
@require_POST
def account_unlock(request, pk: int):
    """Forget an account's failed sign-ins (a user who mistyped from the office and cannot wait)."""
    user = get_object_or_404(User, pk=pk)
    count = actions.clear_login_throttle(request.user, user)
    messages.success(
        request, _("已清除 %(username)s 的 %(count)d 条登录失败记录") % {"username": user.username, "count": count}
    )
    return redirect("accounts:accounts")


@roles(Role.SYSTEM_ADMIN)
def account_password_reset(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_password(request.user, user, form.cleaned_data["password"])
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("已重置 %(username)s 的密码；本人下次登录时须修改") % {"username": user.username}
            )
            return redirect("accounts:accounts")
    return render(request, "accounts/password_reset.html", {"form": form, "account": user})


@roles(Role.SECURITY_ADMIN)
@require_POST
def account_second_factor_reset(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        actions.reset_second_factor(request.user, user)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已重置 %(username)s 的两步验证；本人下次登录时重新设置") % {"username": user.username}
        )
    return redirect("accounts:grant", pk=user.pk)


@roles(Role.SECURITY_ADMIN)
def token_list(request):
    """Every account's API tokens (names and dates only): the security administrator revokes any."""
    tokens = ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    page = page_of(tokens, page_number(request.GET.get("page")))
    return render(request, "accounts/token_list.html", {"page": page})


@roles(Role.SECURITY_ADMIN)
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    actions.revoke_api_token(request.user, token)
    messages.success(
        request, _("已撤销 %(username)s 的令牌“%(name)s”") % {"username": token.user.username, "name": token.name}
    )
    return redirect("accounts:tokens")


@roles(Role.SECURITY_ADMIN)
def account_grant(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    if user.pk == request.user.pk:
        raise Http404("不能给自己授权")
    initial = {
        "role": user.role,
        "place_code": user.place.code if user.place else "",
        "may_reveal_pii": user.may_reveal_pii,
        "may_view_key_population": user.may_view_key_population,
    }
    form = GrantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.grant(
                request.user,
                user,
                role=form.cleaned_data["role"],
                place=form.cleaned_data["place_code"],
                may_reveal_pii=form.cleaned_data["may_reveal_pii"],
                may_view_key_population=form.cleaned_data["may_view_key_population"],
            )
        except actions.ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("已更新 %(username)s 的角色与范围") % {"username": user.username})
            return redirect("accounts:accounts")
    context = {"form": form, "account": user, "activation_code": queries.last_activation_code(user)}
    return render(request, "accounts/grant.html", context)


@roles(Role.SECURITY_ADMIN)
@require_POST
def account_activation_code(request, pk: int):
    """发放激活码: shown on this answer only (not stored, not cached), for the security administrator to hand
    to the owner in person or by phone."""
    user = get_object_or_404(User, pk=pk)
    if user.pk == request.user.pk:
        raise Http404("不能给自己发放激活码")
    try:
        code, issued = actions.issue_activation_code(request.user, user)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:grant", pk=user.pk)
    response = render(request, "accounts/activation_code.html", {"account": user, "code": code, "issued": issued})
    add_never_cache_headers(response)
    return response
