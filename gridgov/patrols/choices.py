from django.db import models
from django.utils.translation import gettext_lazy as _


class Shift(models.TextChoices):
    """白天或夜间巡逻."""

    NIGHT = "night", _("夜间")
    DAY = "day", _("白天")
