from django.db import models
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    """What a rollup row's ``period`` means."""

    MONTH = "m", _("月")
    DAY = "d", _("日")
    SNAPSHOT = "s", _("现状")  # not a period: the place's records as they stand now


class PeriodKind(models.TextChoices):
    """How a user names a period (the period picker and the ``period`` parameter)."""

    DAY = "day", _("日")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")
    RANGE = "range", _("自定义")


# Matter states counted as resolved (办结), and the feedback dimension's "none yet": the matters' own terms.
from gridgov.matters.choices import DONE_STATES, NO_FEEDBACK  # noqa: E402, F401
