"""Account state changes: sign-in bookkeeping, lockout, creation, grants. Each writes the audit log."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import ADMIN_ROLES, Role
from gridgov.accounts.models import ApiToken, User
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core.actions import ActionRefused


def record_failed_login(username: str) -> User | None:
    """Count a failed sign-in; lock the account when the limit is reached."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        record(AuditAction.LOGIN_FAILED, user, detail={"username": username[:150]}, actor_name=username[:150])
        if user is None:
            return None
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        if user.failed_login_count >= settings.GRIDGOV_MAX_FAILED_LOGINS:
            user.locked_until = timezone.now() + timedelta(minutes=settings.GRIDGOV_LOCKOUT_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            record(
                AuditAction.LOCKOUT,
                user,
                detail={"until": user.locked_until.isoformat(), "minutes": settings.GRIDGOV_LOCKOUT_MINUTES},
                actor_name=username[:150],
            )
        return user


def record_login(user: User) -> None:
    if user.failed_login_count or user.locked_until:
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])
    record(AuditAction.LOGIN, user, actor_id=user.pk, actor_name=user.username)


def _require(actor: User, role: str) -> None:
    if actor.role != role:
        raise ActionRefused(gettext("只有%(role)s可以执行此操作") % {"role": Role(role).label})


def create_account(actor: User, *, username: str, display_name: str, password: str) -> User:
    """The system administrator creates accounts; roles and scopes are granted separately."""
    _require(actor, Role.SYSTEM_ADMIN)
    if User.objects.filter(username=username).exists():
        raise ActionRefused(gettext("用户名 %(username)s 已存在") % {"username": username})
    user = User(username=username, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record(AuditAction.CREATE, user, after={"username": username, "display_name": display_name})
    return user


def unlock_account(actor: User, user: User) -> None:
    _require(actor, Role.SYSTEM_ADMIN)
    with transaction.atomic():
        user.locked_until = None
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        record(AuditAction.UPDATE, user, after={"unlocked": True})


def grant(
    actor: User, user: User, *, role: str, place, may_reveal_pii: bool, may_view_key_population: bool = False
) -> User:
    """The security administrator sets an account's role, scope and sensitive-data permission.

    No account ever holds two administrator roles: the role field holds one value, and an
    administrator can neither change their own role nor create a second administrator of theirs.
    """
    _require(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ActionRefused(gettext("不能给自己授权"))
    if user.role in ADMIN_ROLES and role != user.role:
        raise ActionRefused(gettext("管理员账号的角色不能改为其他角色；请另建账号"))
    fields = ["role", "place", "may_reveal_pii", "may_view_key_population"]

    def state() -> dict:
        return {
            "role": user.role,
            "place": user.place.code if user.place else None,
            "may_reveal_pii": user.may_reveal_pii,
            "may_view_key_population": user.may_view_key_population,
        }

    before = state()
    user.role, user.place = role, place
    user.may_reveal_pii, user.may_view_key_population = may_reveal_pii, may_view_key_population
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=fields)
        after = state()
        record(AuditAction.GRANT, user, before=before, after=after)
    return user


def issue_api_token(user: User, name: str) -> str:
    """Create a token and return it; only its digest is kept."""
    raw = "ggv_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw))
        record(AuditAction.GRANT, user, detail={"api_token": token.name, "token_id": token.pk})
    return raw
