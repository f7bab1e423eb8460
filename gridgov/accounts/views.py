import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts import actions
from gridgov.accounts.choices import Role
from gridgov.accounts.forms import AccountCreateForm, GrantForm, LoginForm
from gridgov.accounts.models import User
from gridgov.core.access import authenticated, public, roles
from gridgov.core.paging import page_number, page_of


@public
def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        request.session["_seen"] = int(time.time())  # see SessionIdleMiddleware
        actions.record_login(form.user)
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "home"
        return redirect(target)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@authenticated
def home(request):
    """The landing page: business users go to their place; administrators to their one tool."""
    user = request.user
    if user.role == Role.SYSTEM_ADMIN:
        return redirect("accounts:accounts")
    if user.role == Role.SECURITY_ADMIN:
        return redirect("accounts:accounts")
    if user.role == Role.AUDITOR:
        return redirect("audit:log")
    if user.place_id is not None and user.role:
        return redirect("places:detail", code=user.place.code)
    return render(request, "accounts/no_role.html")


@roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def account_list(request):
    users = User.objects.select_related("place").order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(username__icontains=q) | users.filter(display_name__icontains=q)
    page = page_of(users, page_number(request.GET.get("page")), query={"q": q} if q else None)
    form = AccountCreateForm() if request.user.role == Role.SYSTEM_ADMIN else None
    return render(request, "accounts/account_list.html", {"page": page, "q": q, "form": form})


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
    return render(request, "accounts/account_list.html", {"page": users, "form": form, "q": ""}, status=400)


@roles(Role.SYSTEM_ADMIN)
@require_POST
def account_unlock(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    actions.unlock_account(request.user, user)
    messages.success(request, _("已解锁 %(username)s") % {"username": user.username})
    return redirect("accounts:accounts")


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
    return render(request, "accounts/grant.html", {"form": form, "account": user})
