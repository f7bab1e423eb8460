from django.db import models


class PlaceKind(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市/州"
    COUNTY = "county", "县/区"
    TOWN = "town", "乡镇/街道"
    VILLAGE = "village", "村/社区"
    GROUP = "group", "村民小组"
    GRID = "grid", "网格"
    CLUSTER = "cluster", "联户"


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
