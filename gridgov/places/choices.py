from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市/州")
    COUNTY = "county", _("县/区")
    TOWN = "town", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GROUP = "group", _("村民小组")
    GRID = "grid", _("网格")
    CLUSTER = "cluster", _("联户")


# Code length of each level: NBS codes to the village, then two digits a level.
CODE_LENGTH = {
    PlaceKind.PROVINCE: 2,
    PlaceKind.CITY: 4,
    PlaceKind.COUNTY: 6,
    PlaceKind.TOWN: 9,
    PlaceKind.VILLAGE: 12,
    PlaceKind.GROUP: 14,
    PlaceKind.GRID: 16,
    PlaceKind.CLUSTER: 18,
}
KIND_BY_LENGTH = {length: kind for kind, length in CODE_LENGTH.items()}
LEVELS = list(CODE_LENGTH)  # top to bottom
CHILD_KIND = dict(zip(LEVELS, LEVELS[1:], strict=False))
