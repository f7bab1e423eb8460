from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, user, actor_id=user.pk, actor_name=user.username)
