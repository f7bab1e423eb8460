import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext


class CharacterClassValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> int:
        return sum(
            [
                any(c in string.ascii_lowercase for c in password),
                any(c in string.ascii_uppercase for c in password),
                any(c.isdigit() for c in password),
                any(not c.isascii() or not c.isalnum() for c in password),
            ]
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                gettext("密码须包含小写字母、大写字母、数字、符号中的至少%(min_classes)d类")
                % {"min_classes": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return gettext("密码须包含小写字母、大写字母、数字、符号中的至少%(min_classes)d类。") % {
            "min_classes": self.min_classes
        }


class UsernameNotInPasswordValidator:
    """The password must not contain the username, in any letter case (``county2026``, ``Pwtest6-2026``)."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if len(username) >= 3 and username in password.casefold():
            raise ValidationError(gettext("密码不能包含用户名"), code="password_contains_username")

    def get_help_text(self) -> str:
        return gettext("密码不能包含用户名。")


class PasswordHistoryValidator:
    """None of the account's last ``count`` passwords (the current one included) may be chosen again.

    Every password an account is given is remembered by `password_changed`, which Django calls after
    the account is saved with a new password, whoever set it.
    """

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent(self, user):
        from gridgov.accounts.models import PasswordHistory

        return PasswordHistory.objects.filter(user_id=user.pk).order_by("-created_at", "-id")

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth.hashers import check_password

        if user is None or user.pk is None:
            return
        encoded = list(self._recent(user).values_list("encoded", flat=True)[: self.count])
        if user.password and user.password not in encoded:
            encoded.append(user.password)
        if any(check_password(password, e) for e in encoded):
            raise ValidationError(
                gettext("不能使用最近%(count)d次用过的密码") % {"count": self.count}, code="password_reused"
            )

    def password_changed(self, password: str, user=None) -> None:
        from gridgov.accounts.models import PasswordHistory

        if user is None or user.pk is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, encoded=user.password)
        stale = list(self._recent(user).values_list("pk", flat=True)[self.count :])
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()

    def get_help_text(self) -> str:
        return gettext("不能使用最近%(count)d次用过的密码。") % {"count": self.count}
