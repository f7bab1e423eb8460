from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.audit.choices import AuditAction


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("审计日志不可修改")

    def delete(self):
        raise PermissionDenied("审计日志不可删除")


class AuditLog(models.Model):
    """审计日志: one append-only row per change, login, grant, reveal, import or export.

    Tamper-evident (see `gridgov.audit.hashing`): ``row_hash`` is a keyed digest of the row's content, written
    with the row; ``seq``, ``prev_hash`` and ``chain_hash`` place it in the chain, written once by the sealing
    step. Database triggers (migration 0004) refuse any other UPDATE, and any DELETE but the pruning of sealed
    rows older than 183 days. NOTE: on SQLite, a migration that rebuilds this table drops its triggers; it must
    install them again (`gridgov.audit.guard`), and `test_guard_triggers_are_installed` fails until it does.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=16, choices=AuditAction.choices)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=16, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    detail = models.JSONField(_("详情"), null=True, blank=True)
    row_hash = models.CharField(_("内容摘要"), max_length=32, editable=False)
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("前一链接"), max_length=32, null=True, blank=True, editable=False)
    chain_hash = models.CharField(_("链接摘要"), max_length=32, null=True, blank=True, editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The rows the sealing step has yet to link (a few, however long the log).
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        constraints = [
            # The chain's order; partial, so that writing a row (seq still empty) adds no entry to it.
            models.UniqueConstraint(fields=["seq"], condition=models.Q(seq__isnull=False), name="audit_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("审计日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除")


class AuditChain(models.Model):
    """审计链头: the chain's last sealed row, and where pruning left its start.

    One row, changed only under its own lock, by the sealing step and by pruning, which both refuse to go on
    from a head whose ``mac`` does not vouch for its fields (a head rewritten in the database to hide rows
    removed from the end of the chain).
    """

    name = models.CharField(_("链"), max_length=16, primary_key=True)
    sealed_seq = models.BigIntegerField(_("已封存至"), default=0)
    sealed_hash = models.CharField(_("末行链接"), max_length=32)
    sealed_at = models.DateTimeField(_("封存时间"), null=True, blank=True)
    base_seq = models.BigIntegerField(_("清理至"), default=0)  # rows up to here were pruned (kept >= 183 days)
    base_hash = models.CharField(_("清理处链接"), max_length=32)
    mac = models.CharField(_("链头摘要"), max_length=32)

    MAIN = "main"
    SIGNED = ("name", "sealed_seq", "sealed_hash", "sealed_at", "base_seq", "base_hash")

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.name}: {self.sealed_seq}"

    def signed_fields(self) -> dict:
        return {name: getattr(self, name) for name in self.SIGNED}


class AuditCheck(models.Model):
    """审计链校验: one run of the chain's verification and what it found (``mac`` vouches for the row)."""

    at = models.DateTimeField(_("校验时间"), default=timezone.now, db_index=True)
    full = models.BooleanField(_("完整校验"), default=False)
    ok = models.BooleanField(_("通过"))
    checked_rows = models.BigIntegerField(_("校验行数"), default=0)
    up_to_seq = models.BigIntegerField(_("校验至链序号"), default=0)
    up_to_row_id = models.BigIntegerField(_("校验至记录"), null=True, blank=True)
    unsealed = models.BigIntegerField(_("待封存"), default=0)
    problem = models.CharField(_("问题"), max_length=300, blank=True)
    problem_row_id = models.BigIntegerField(_("问题记录"), null=True, blank=True)
    problem_seq = models.BigIntegerField(_("问题链序号"), null=True, blank=True)
    mac = models.CharField(_("摘要"), max_length=32)

    SIGNED = (
        "at", "full", "ok", "checked_rows", "up_to_seq", "up_to_row_id", "unsealed", "problem", "problem_row_id",
        "problem_seq",
    )  # fmt: skip

    class Meta:
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.problem}"

    def signed_fields(self) -> dict:
        return {name: getattr(self, name) for name in self.SIGNED}
