"""My notices: the list, marking them read, and the top bar's unread badge. Every page shows only
the signed-in account's own notices; another account's notice is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import Role
from gridgov.core.access import authenticated, roles
from gridgov.households.queries import page_number, page_of
from gridgov.notifications import actions, queries, webhook
from gridgov.notifications.choices import NoticeKind
from gridgov.notifications.models import Notice


@authenticated
def notice_list(request):
    unread_only = request.GET.get("unread") == "1"
    qs = queries.notices_for(request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = page_of(qs, page_number(request.GET.get("page")))
    page.query = {"unread": "1"} if unread_only else {}
    return render(request, "notifications/notice_list.html", {"page": page, "unread_only": unread_only})


def _matter_url(matter_id: int) -> str | None:
    try:
        return reverse("matters:detail", args=[matter_id])
    except NoReverseMatch:
        return None


def _source_url(notice: Notice) -> str | None:
    """A key-person alert notice opens the alert list (which checks the grant and audits the view)."""
    if notice.kind != NoticeKind.KEY_PERSON_ALERT:
        return None
    try:
        return reverse("keypersons:alerts")
    except NoReverseMatch:
        return None


@authenticated
@require_POST
def notice_read(request, pk: int):
    """Mark one of my notices read and open its matter (or go back to my notices)."""
    notice = get_object_or_404(Notice.objects.for_recipient(request.user), pk=pk)
    actions.mark_read(request.user, notice)
    target = None
    if request.POST.get("open"):
        target = _matter_url(notice.matter_id) if notice.matter_id else _source_url(notice)
    return redirect(target or "notifications:list")


@authenticated
@require_POST
def notice_read_all(request):
    actions.mark_all_read(request.user)
    return redirect("notifications:list")


@authenticated
def notice_badge(request):
    """The top bar's unread count, loaded by HTMX after the page (so no page pays for it)."""
    return render(request, "notifications/_badge.html", {"unread": queries.unread_count(request.user)})


@roles(Role.SYSTEM_ADMIN)
def outbox(request):
    """The robot's outbox for the system administrator: is it on, what waits and why (the key stays hidden)."""
    context = {
        "robot": webhook.redacted_url(),
        "waiting": list(queries.waiting_messages()[:100]),
        "sent_today": queries.sent_in_last_day(),
    }
    return render(request, "notifications/outbox.html", context)
