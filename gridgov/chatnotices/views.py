"""Pages of chat notices: the notices list, composing one, each group's delivery, forwarding by hand, robots.

Reads go through `queries` (which start from `for_user`); changes go through `actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.chatnotices import actions, queries
from gridgov.chatnotices.choices import DeliveryStatus
from gridgov.chatnotices.forms import NoticeForm, WebhookForm, apply_errors
from gridgov.core.access import scoped_for
from gridgov.core.actions import ActionRefused
from gridgov.households.queries import filter_places, page_number, page_of

sending_roles = scoped_for(*actions.SENDING_ROLES)


def _may_send(user) -> bool:
    return user.role in actions.SENDING_ROLES


@sending_roles
def notice_list(request):
    page = page_of(queries.notices_for(request.user), page_number(request.GET.get("page")))
    context = {
        "page": page,
        "awaiting": queries.awaiting_hand_for(request.user).count(),
        "may_send": _may_send(request.user),
    }
    return render(request, "chatnotices/notice_list.html", context)


@sending_roles
def notice_create(request):
    form = NoticeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice, _created = actions.send_notice(request.user, form.notice_input())
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已发布到 %(n)s 个微信群") % {"n": notice.group_count})
            return redirect("chatnotices:detail", pk=notice.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "groups": queries.group_counts(request.user), "may_send": _may_send(request.user)}
    return render(request, "chatnotices/notice_form.html", context, status=status)


@sending_roles
def notice_detail(request, pk: int):
    notice = queries.notice_for(request.user, pk)
    status = request.GET.get("status", "")
    page = page_of(queries.deliveries_for(request.user, notice, status), page_number(request.GET.get("page")))
    page.query = {"status": status} if status else {}
    context = {
        "notice": notice,
        "summary": queries.summary(request.user, notice),
        "page": page,
        "status": status,
        "statuses": [*DeliveryStatus.choices, ("failing", _("发送失败重试中"))],
        "may_send": _may_send(request.user),
    }
    return render(request, "chatnotices/notice_detail.html", context)


@sending_roles
@require_POST
def notice_retry(request, pk: int):
    notice = queries.notice_for(request.user, pk)
    try:
        count = actions.retry_now(request.user, notice)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已重新发送 %(n)s 个群") % {"n": count})
    return redirect("chatnotices:detail", pk=notice.pk)


@sending_roles
def awaiting_list(request):
    page = page_of(queries.awaiting_hand_for(request.user), page_number(request.GET.get("page")))
    return render(request, "chatnotices/awaiting_list.html", {"page": page})


@sending_roles
def delivery_detail(request, pk: int):
    delivery = queries.delivery_for(request.user, pk)
    context = {"delivery": delivery, "may_send": _may_send(request.user)}
    return render(request, "chatnotices/delivery_detail.html", context)


@sending_roles
@require_POST
def delivery_sent_by_hand(request, pk: int):
    delivery = queries.delivery_for(request.user, pk)
    try:
        actions.mark_sent_by_hand(request.user, delivery)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已记录：%(group)s 已手工转发") % {"group": delivery.group.name})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/chatnotices/") else "chatnotices:awaiting")


@sending_roles
def group_list(request):
    place = request.GET.get("place", "")
    place = place if place.isdigit() else ""
    page = page_of(queries.groups_in_scope(request.user, place), page_number(request.GET.get("page")))
    page.query = {"place": place} if place else {}
    context = {
        "page": page,
        "place": place,
        "places": filter_places(request.user, place),
        "counts": queries.group_counts(request.user),
        "may_send": _may_send(request.user),
    }
    return render(request, "chatnotices/group_list.html", context)


@sending_roles
def group_webhook(request, pk: int):
    group = queries.group_for(request.user, pk)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_group_webhook(request.user, group, form.cleaned_data["webhook"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(group)s 的群机器人设置") % {"group": group.name})
            return redirect("chatnotices:groups")
    status = 400 if request.method == "POST" else 200
    return render(request, "chatnotices/group_webhook.html", {"form": form, "group": group}, status=status)
