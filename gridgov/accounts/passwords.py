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
