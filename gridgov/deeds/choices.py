from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.places.choices import PlaceKind

# Where a deed is done when no household is named: a village, villager group or grid.
DEED_PLACE_KINDS = (PlaceKind.VILLAGE, PlaceKind.GROUP, PlaceKind.GRID)


class DeedCategory(models.TextChoices):
    """办实事类别."""

    MEDICAL = "medical", _("看病就医")
    PAPERWORK = "paperwork", _("证照代办")
    SUBSIDY = "subsidy", _("政策申领")
    INFRASTRUCTURE = "infrastructure", _("水电路讯")
    AGRICULTURE = "agriculture", _("生产帮扶")
    EMPLOYMENT = "employment", _("就业帮扶")
    EDUCATION = "education", _("助学帮扶")
    DAILY_CARE = "daily_care", _("生活照料")
    RELIEF = "relief", _("走访慰问")
    HOUSING = "housing", _("住房安全")
    ENVIRONMENT = "environment", _("环境改善")
    OTHER = "other", _("其他")
