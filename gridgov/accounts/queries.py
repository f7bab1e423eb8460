"""Account reads."""

from __future__ import annotations

from django.utils import timezone

from gridgov.accounts.models import ActivationCode, ApiToken, User


def user_for_api_token(raw: str) -> User | None:
    """The account of a usable token (not expired, not revoked; an active, activated account, no administrator);
    notes its use."""
    token = (
        ApiToken.objects.usable().select_related("user", "user__place").filter(digest=ApiToken.digest_of(raw)).first()
    )
    if token is None or not token.user.is_active or token.user.is_admin_role or token.user.activation_required:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def last_activation_code(user: User) -> ActivationCode | None:
    """The account's latest activation code (its dates, issuer and state; the code itself is never kept)."""
    return ActivationCode.objects.select_related("issued_by").filter(user=user).order_by("-id").first()
