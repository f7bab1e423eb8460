from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, user, actor_id=user.pk, actor_name=user.username)


@receiver(pre_save, sender=TOTPDevice)  # django-otp's own class only: SealedTOTPDevice is another sender
def _refuse_clear_totp_secret(sender, instance, **kwargs):
    """An authenticator saved through django-otp's class would keep its secret in clear (and its sealed
    secret would not open): gridgov's code uses `SealedTOTPDevice`, and this catches any that does not."""
    raise TypeError("save authenticators as gridgov.accounts.models.SealedTOTPDevice (sealed secret)")
