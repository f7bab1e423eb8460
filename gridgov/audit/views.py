from django.core.paginator import Paginator
from django.shortcuts import render

from gridgov.accounts.choices import Role
from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditLog
from gridgov.core.access import roles


@roles(Role.AUDITOR)
def audit_log(request):
    """Only the auditor reads the log; there is no page that edits or deletes it."""
    rows = AuditLog.objects.all()
    action = request.GET.get("action", "")
    actor = request.GET.get("actor", "").strip()
    if action in AuditAction.values:
        rows = rows.filter(action=action)
    if actor:
        rows = rows.filter(actor_name=actor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "actor": actor},
    )
