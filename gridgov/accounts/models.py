from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import ADMIN_ROLES, ROLE_PLACE_KINDS, Role


class User(AbstractUser):
    """账号: one role and one place; the role decides what, the place decides where."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    place = models.ForeignKey(
        "places.Place", verbose_name="所属地域", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    may_reveal_pii = models.BooleanField("可查看完整身份证号和电话", default=False)
    may_view_key_population = models.BooleanField("可查看重点人群", default=False)
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

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
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES


class ApiToken(models.Model):
    """API令牌: stored only as a SHA-256 digest; shown once when created."""

    user = models.ForeignKey(User, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()
