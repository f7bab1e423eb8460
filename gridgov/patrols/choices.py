from django.db import models


class Shift(models.TextChoices):
    """白天或夜间巡逻."""

    NIGHT = "night", "夜间"
    DAY = "day", "白天"
