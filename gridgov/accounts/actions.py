"""Account state changes: sign-in bookkeeping, creation, grants, passwords, second factors, API tokens.

Each writes the audit log.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import ADMIN_ROLES, Role
from gridgov.accounts.models import ActivationCode, ApiToken, RecoveryCode, RecoveryCodeDevice, SealedTOTPDevice, User
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core.actions import ActionRefused


def record_failed_sign_in(username: str, *, reason: str) -> None:
    """One audit row per failed sign-in: a wrong password, a refused (throttled) try, a wrong code."""
    user = User.objects.filter(username=username).first()
    record(
        AuditAction.LOGIN_FAILED,
        user,
        detail={"username": username[:150], "reason": reason},
        actor_name=username[:150],
    )


def record_login(user: User, *, second_factor: str = "") -> None:
    detail = {"second_factor": second_factor} if second_factor else None
    record(AuditAction.LOGIN, user, actor_id=user.pk, actor_name=user.username, detail=detail)


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


def clear_login_throttle(actor: User, user: User) -> int:
    """Forget the account's failed sign-ins from every address (the system administrator's help desk)."""
    from axes.models import AccessAttempt

    _require(actor, Role.SYSTEM_ADMIN)
    with transaction.atomic():
        count, _ = AccessAttempt.objects.filter(username=user.username).delete()
        record(AuditAction.UPDATE, user, detail={"event": "login_throttle_cleared", "attempts": count})
    return count


def reset_password(actor: User, user: User, password: str) -> None:
    """The system administrator gives a temporary password; its owner activates the account again with it.

    Like a new account, the next sign-in needs an activation code from the security administrator
    (codes issued before are void) and the owner's own new password; the account's API tokens are
    revoked and its sessions end (the password changed). The second factor is kept, so the
    administrator who knows the temporary password cannot pass an account's existing one either.
    """
    _require(actor, Role.SYSTEM_ADMIN)
    if user.pk == actor.pk:
        raise ActionRefused(gettext("请在“账号安全”页修改自己的密码"))
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = None
    now = timezone.now()
    with transaction.atomic():
        user.save(update_fields=["password", "password_changed_at"])
        voided = ActivationCode.objects.outstanding().filter(user=user).update(voided_at=now)
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        record(
            AuditAction.UPDATE,
            user,
            detail={"event": "password_reset", "activation_codes_voided": voided, "api_tokens_revoked": revoked},
        )


ACTIVATION_DIGITS = 12  # read out by phone in three groups of four; 5 tries per code, so guessing is hopeless


def normalize_activation_code(code: str) -> str:
    """The code's digits (the groups' dashes and spaces dropped)."""
    return "".join(c for c in code if c in "0123456789")


def issue_activation_code(actor: User, user: User) -> tuple[str, ActivationCode]:
    """The security administrator's half of an activation: a single-use code for an account whose password
    an administrator set. Returns the code (shown once, never stored: only its hash is) and its row.

    A newer code voids the earlier ones. The system administrator, who knows the initial password,
    can neither issue nor see codes, so neither administrator alone can activate an account.
    """
    _require(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ActionRefused(gettext("不能给自己发放激活码"))
    if not user.is_active:
        raise ActionRefused(gettext("账号已停用"))
    if user.is_superuser:  # e.g. made by Django's createsuperuser: gridgov has none (三员分立)
        raise ActionRefused(gettext("不设超级管理员：系统、安全、审计三类管理员相互分立"))
    if not user.activation_required:
        raise ActionRefused(gettext("该账号的密码已由本人设定，无需激活"))
    digits = "".join(secrets.choice("0123456789") for _ in range(ACTIVATION_DIGITS))
    now = timezone.now()
    with transaction.atomic():
        replaced = ActivationCode.objects.outstanding().filter(user=user).update(voided_at=now)
        code = ActivationCode.objects.create(
            user=user,
            digest=make_password(digits),
            issued_by=actor,
            issued_at=now,
            expires_at=now + timedelta(hours=settings.GRIDGOV_ACTIVATION_CODE_HOURS),
        )
        record(
            AuditAction.GRANT,
            user,
            detail={
                "event": "activation_code_issued",
                "activation_code_id": code.pk,
                "expires_at": code.expires_at.isoformat(),
                "replaced": replaced,
            },
        )
    return "-".join(digits[i : i + 4] for i in range(0, ACTIVATION_DIGITS, 4)), code


def activate_account(user: User, code: str, password: str) -> bool:
    """The owner's first sign-in (after the initial password): the security administrator's code and the
    owner's own new password (validated by the form), in one step. False, and the try counted, when the
    code is wrong, expired, used or void; the code is void after too many wrong tries.
    """
    now = timezone.now()
    with transaction.atomic():
        issued = ActivationCode.objects.select_for_update().outstanding().filter(user=user).order_by("-id").first()
        if issued is None or issued.expires_at <= now:
            return False
        if not check_password(normalize_activation_code(code), issued.digest):
            issued.failures += 1
            fields = ["failures"]
            if issued.failures >= settings.GRIDGOV_ACTIVATION_CODE_MAX_FAILURES:
                issued.voided_at = now
                fields.append("voided_at")
                record(
                    AuditAction.UPDATE,
                    user,
                    actor_name=user.username,
                    detail={
                        "event": "activation_code_voided",
                        "activation_code_id": issued.pk,
                        "failures": issued.failures,
                    },
                )
            issued.save(update_fields=fields)
            return False
        issued.used_at = now
        issued.save(update_fields=["used_at"])
        user.set_password(password)
        user.password_changed_at = now
        user.save(update_fields=["password", "password_changed_at"])
        record(
            AuditAction.UPDATE,
            user,
            actor_id=user.pk,
            actor_name=user.username,
            detail={
                "event": "account_activated",
                "activation_code_id": issued.pk,
                "issued_by": issued.issued_by.username if issued.issued_by else "",
                "issued_at": issued.issued_at.isoformat(),
            },
        )
    return True


def change_password(user: User, password: str) -> None:
    """The owner chooses a new password (validated by the form: strength, username, history)."""
    user.set_password(password)
    user.password_changed_at = timezone.now()
    with transaction.atomic():
        user.save(update_fields=["password", "password_changed_at"])
        record(
            AuditAction.UPDATE, user, actor_id=user.pk, actor_name=user.username, detail={"event": "password_changed"}
        )


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


def issue_api_token(user: User, name: str, days: int | None = None) -> str:
    """Create a token that expires after ``days`` and return it; only its digest is kept.

    Never for the three administrators (they use no API), nor for an account whose password an
    administrator set and its owner has not yet changed.
    """
    days = settings.GRIDGOV_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.GRIDGOV_API_TOKEN_MAX_DAYS:
        raise ActionRefused(gettext("令牌有效期须为1至%(max)d天") % {"max": settings.GRIDGOV_API_TOKEN_MAX_DAYS})
    if user.is_admin_role:
        raise ActionRefused(gettext("管理员账号不能使用 API 令牌"))
    if not user.is_active:
        raise ActionRefused(gettext("账号已停用"))
    if user.activation_required:
        raise ActionRefused(gettext("该账号尚未激活：须先由本人凭激活码设定密码，才能创建 API 令牌"))
    if user.password_change_required:
        raise ActionRefused(gettext("该账号须先由本人修改密码，才能创建 API 令牌"))
    raw = "ggv_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw), expires_at=expires_at)
        record(
            AuditAction.GRANT,
            user,
            detail={"api_token": token.name, "token_id": token.pk, "expires_at": expires_at.isoformat()},
        )
    return raw


def revoke_api_token(actor: User, token: ApiToken) -> None:
    """The token's owner, or the security administrator, revokes it; it stops working at once."""
    if token.user_id != actor.pk and actor.role != Role.SECURITY_ADMIN:
        raise ActionRefused(gettext("只能撤销自己的令牌"))
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    with transaction.atomic():
        token.save(update_fields=["revoked_at"])
        record(AuditAction.UPDATE, token.user, detail={"event": "api_token_revoked", "token_id": token.pk})


TOTP_DEVICE_NAME = "手机验证器"


def start_totp_enrolment(user: User) -> SealedTOTPDevice:
    """The unconfirmed authenticator of ``user`` (made once, so reloading the page shows the same secret)."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def confirm_totp_enrolment(user: User, device: SealedTOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; returns new recovery codes, or None if the code is wrong.

    A confirmed authenticator replaces any earlier one, and every session verified with that one ends.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ActionRefused(gettext("请重新开始设置两步验证"))
    if not device.verify_token(code.strip()):
        return None
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        user.second_factor_since = timezone.now()
        user.save(update_fields=["second_factor_since"])
        codes = _new_recovery_codes(user)
        record(AuditAction.UPDATE, user, actor_id=user.pk, actor_name=user.username, detail={"event": "totp_enrolled"})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=gettext("恢复码"), confirmed=True)
    codes = []
    for _ in range(settings.GRIDGOV_RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()  # 80 bits
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, digest=RecoveryCodeDevice.digest_of(code)) for code in codes]
    )
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes (the old ones stop working); shown once."""
    if user.second_factor_since is None:
        raise ActionRefused(gettext("请先设置两步验证"))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record(AuditAction.UPDATE, user, actor_id=user.pk, actor_name=user.username, detail={"event": "recovery_codes"})
    return codes


def verify_second_factor(user: User, code: str) -> str:
    """Check a code from the authenticator (6 digits) or a recovery code; returns "totp", "recovery" or ""."""
    code = code.strip()
    if code.isdigit():
        for device in SealedTOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return "totp"
        return ""
    for device in RecoveryCodeDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            record(
                AuditAction.UPDATE,
                user,
                actor_id=user.pk,
                actor_name=user.username,
                detail={"event": "recovery_code_used", "remaining": device.remaining()},
            )
            return "recovery"
    return ""


def reset_second_factor(actor: User, user: User) -> None:
    """The security administrator removes a lost authenticator; its owner enrols a new one at the next sign-in.

    Every session verified with the old one ends (its stamp no longer matches).
    """
    _require(actor, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ActionRefused(gettext("不能重置自己的两步验证"))
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        user.second_factor_since = None
        user.save(update_fields=["second_factor_since"])
        record(AuditAction.UPDATE, user, detail={"event": "second_factor_reset"})
