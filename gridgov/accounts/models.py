from __future__ import annotations

import hashlib
from binascii import unhexlify
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridgov.accounts import sealing
from gridgov.accounts.choices import ADMIN_ROLES, ROLE_PLACE_KINDS, Role


class User(AbstractUser):
    """账号: one role and one place; the role decides what, the place decides where."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("所属地域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    may_reveal_pii = models.BooleanField(_("可查看完整身份证号和电话"), default=False)
    may_view_key_population = models.BooleanField(_("可查看重点人群"), default=False)
    # When the owner last chose the password; empty = set by an administrator (or never), so the
    # next sign-in must change it. Older than GRIDGOV_PASSWORD_MAX_AGE_DAYS = expired, same effect.
    password_changed_at = models.DateTimeField(_("密码设定时间"), null=True, blank=True)
    # When the owner's second factor (TOTP) was confirmed; empty = none. A session is verified for
    # this value only, so resetting or re-enrolling ends every session verified with the old device.
    second_factor_since = models.DateTimeField(_("两步验证启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.is_superuser:
            raise ValidationError(gettext("不设超级管理员：系统、安全、审计三类管理员相互分立"))
        if self.role in ADMIN_ROLES:
            if self.place_id is not None:
                raise ValidationError({"place": gettext("管理员账号不绑定地域，也不接触业务数据")})
            if self.may_reveal_pii or self.may_view_key_population:
                raise ValidationError({"may_reveal_pii": gettext("管理员账号不可查看业务敏感信息")})
        elif self.role:
            allowed = ROLE_PLACE_KINDS.get(self.role, set())
            if self.place is None:
                raise ValidationError({"place": gettext("该角色必须指定所属地域")})
            if self.place.kind not in allowed:
                message = gettext("%(role)s只能绑定到：%(kinds)s") % {
                    "role": self.get_role_display(),
                    "kinds": "、".join(sorted(allowed)),
                }
                raise ValidationError({"place": message})

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def password_change_required(self) -> bool:
        """The password was set by an administrator, or is older than the maximum age."""
        if not self.has_usable_password():
            return False  # cannot sign in with a password at all (e.g. a token-only integration account)
        if self.password_changed_at is None:
            return True
        days = settings.GRIDGOV_PASSWORD_MAX_AGE_DAYS
        return bool(days) and self.password_changed_at + timedelta(days=days) <= timezone.now()

    @property
    def activation_required(self) -> bool:
        """The password was set by an administrator (a new account, a reset) and its owner has not replaced it.

        Such a first sign-in needs, besides that password (which the system administrator knows), an
        activation code that only the security administrator issues (`ActivationCode`): neither
        administrator alone can choose the owner's password. An expired password is changed without one.
        """
        return self.has_usable_password() and self.password_changed_at is None

    @property
    def requires_second_factor(self) -> bool:
        """Administrators and holders of the reveal or key-population grants must use a second factor."""
        if not settings.GRIDGOV_2FA_ENABLED:
            return False
        if settings.GRIDGOV_2FA_FOR_EVERYONE or self.is_admin_role:
            return True
        return self.may_reveal_pii or self.may_view_key_population

    @property
    def second_factor_stamp(self) -> str:
        """What a verified session records; it changes when the second factor is reset or re-enrolled."""
        return self.second_factor_since.isoformat() if self.second_factor_since else ""


class ActivationCodeQuerySet(models.QuerySet):
    def outstanding(self):
        """Neither used nor voided (possibly expired)."""
        return self.filter(used_at__isnull=True, voided_at__isnull=True)


class ActivationCode(models.Model):
    """激活码: the security administrator's half of an account's activation (the initial password is the other).

    Issued for an account whose password an administrator set, shown once to the security administrator,
    who hands it to the owner in person or by phone; kept only as a password hash; single use; expires
    after `GRIDGOV_ACTIVATION_CODE_HOURS`; void after `GRIDGOV_ACTIVATION_CODE_MAX_FAILURES` wrong tries,
    when a newer one is issued, or when the password is reset again.
    """

    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="activation_codes")
    digest = models.CharField(_("激活码哈希"), max_length=128)
    issued_by = models.ForeignKey(
        User, verbose_name=_("发放人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("发放时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    failures = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        indexes = [models.Index(fields=["user", "-issued_at"], name="activation_code_user_idx")]

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.voided_at is not None:
            return "voided"
        return "expired" if self.expires_at <= timezone.now() else "active"


class PasswordHistory(models.Model):
    """密码历史: the hashes of an account's last passwords, so that none of them is chosen again."""

    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="password_history")
    encoded = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("设定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("密码历史")
        verbose_name_plural = _("密码历史")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_idx")]


def default_token_expiry():
    return timezone.now() + timedelta(days=settings.GRIDGOV_API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """API令牌: stored only as a SHA-256 digest; shown once when created; expires; can be revoked."""

    user = models.ForeignKey(User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), default=default_token_expiry)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class SealedTOTPDevice(TOTPDevice):
    """手机验证器: django-otp's TOTP device (its table, its verification, replay guard and back-off), with the
    secret sealed at rest (`gridgov.accounts.sealing`).

    The ``key`` attribute holds the sealed column value once saved; only ``bin_key`` opens it, for
    django-otp's `verify_token` and `config_url` (the enrolment QR code). Every gridgov module uses this
    class: django-otp's own `TOTPDevice` would store (and expect) a clear secret, so saving one is refused
    (`gridgov.accounts.signals`).
    """

    class Meta:
        proxy = True
        verbose_name = _("手机验证器")
        verbose_name_plural = _("手机验证器")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(sealing.open_key(self.key, self.user_id).encode("ascii"))

    def save(self, *args, **kwargs) -> None:
        if not sealing.is_sealed(self.key):
            self.key = sealing.seal_key(self.key, self.user_id)
        super().save(*args, **kwargs)


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """恢复码: single-use codes for a lost phone, kept only as SHA-256 digests (shown once)."""

    class Meta(Device.Meta):
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    @staticmethod
    def normalize(code: str) -> str:
        return "".join(c for c in code.lower() if c.isalnum())

    @classmethod
    def digest_of(cls, code: str) -> str:
        return hashlib.sha256(cls.normalize(code).encode("ascii", "replace")).hexdigest()

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed or not isinstance(token, str):
            return False
        with transaction.atomic():
            used = self.codes.filter(digest=self.digest_of(token), used_at__isnull=True).update(used_at=timezone.now())
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return bool(used)

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(_("摘要"), max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique")]


class LoginLockout(models.Model):
    """登录限制: one row each time an address (or an account from an address) is throttled.

    The count of an address's rows within the longest cool-off makes its next cool-off grow.
    """

    ip_address = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    scope = models.CharField(_("范围"), max_length=16)  # "account" (account from this address) or "address"
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    minutes = models.PositiveIntegerField(_("限制分钟"))

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        indexes = [models.Index(fields=["ip_address", "at"], name="login_lockout_ip_idx")]
