"""Field-level history for every concrete subclass of `BaseModel`, written automatically."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from gridgov.audit.actions import record, record_change
from gridgov.audit.choices import AuditAction
from gridgov.core.models import BaseModel


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, BaseModel):
        return
    record_change(instance, created)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not isinstance(instance, BaseModel):
        return
    record(AuditAction.DELETE, instance, before=instance.audit_values())
