"""Writing audit rows. Business changes are logged by signals; events call `record` directly."""

from __future__ import annotations

from typing import Any

from django.db import models

from gridgov.audit.models import AuditLog
from gridgov.core.context import current


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
    actor_id: int | None = None,
) -> AuditLog:
    ctx = current()
    return AuditLog.objects.create(
        action=action,
        actor_id=actor_id if actor_id is not None else ctx.user_id,
        actor_name=(actor_name if actor_name is not None else ctx.username)[:150],
        ip=ctx.ip,
        request_id=ctx.request_id,
        source=ctx.source,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        detail=detail,
    )
