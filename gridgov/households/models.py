from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.core.pii import sealer
from gridgov.households.choices import HouseType, Relation, ResidenceType, Sex
from gridgov.utils.masking import mask_id_number, mask_phone

ID_CONTEXT = b"resident.id_number"
PHONE_CONTEXT = b"resident.phone"


def id_number_index(value: str) -> str:
    return sealer().blind_index(value, ID_CONTEXT)


def phone_index(value: str) -> str:
    return sealer().blind_index(value, PHONE_CONTEXT)


class Household(BaseModel):
    """户: lives in exactly one grid and one household cluster."""

    path = models.CharField(_("地域路径"), max_length=24)
    number = models.CharField(_("户编号"), max_length=32, unique=True)
    grid = models.ForeignKey(
        "places.Place",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_households",
    )
    cluster = models.ForeignKey(
        "places.Place",
        verbose_name=_("联户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cluster_households",
    )
    address = models.CharField(_("住址"), max_length=200)
    house_type = models.CharField(_("房屋类型"), max_length=16, choices=HouseType.choices, default=HouseType.SELF_BUILT)
    householder = models.ForeignKey(
        "Resident", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_count = models.PositiveIntegerField(_("人数"), default=0)
    point = models.JSONField(_("位置(GeoJSON)"), null=True, blank=True)
    import_batch = models.ForeignKey(
        "registers.RegisterImport",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # nothing looks rows up by their import; an index would only slow every import
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path", "id"], name="household_path_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Resident(BaseModel):
    """居民: ID number and phone are sealed at rest, looked up by keyed blind index, shown masked."""

    path = models.CharField(_("地域路径"), max_length=24)
    # Not indexed: residents are found by path (resident_path_idx); an index here only slowed imports by 5%.
    place = models.ForeignKey(
        "places.Place", verbose_name=_("所在地域"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,  # resident_household_idx (household, id) serves every lookup; a second index slows imports
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number_sealed = models.BinaryField(_("身份证号(密文)"))
    id_number_index = models.CharField(_("身份证号索引"), max_length=32, unique=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_sealed = models.BinaryField(_("电话(密文)"), null=True, blank=True)
    phone_index = models.CharField(_("电话索引"), max_length=32, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER)
    ethnicity = models.CharField(_("民族"), max_length=10, default="汉族")
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    residence_type = models.CharField(
        _("人口类型"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    works_away = models.BooleanField(_("外出务工"), default=False)
    works_away_place = models.CharField(_("务工地"), max_length=100, blank=True)
    import_batch = models.ForeignKey(
        "registers.RegisterImport",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # nothing looks rows up by their import; an index would only slow every import
    )

    audit_exclude = BaseModel.audit_exclude | {"id_number_index", "phone_index"}

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["path", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="resident_path_idx"),
            models.Index(fields=["household", "id"], name="resident_household_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        self.id_number_sealed = sealer().seal(value, ID_CONTEXT)
        self.id_number_index = id_number_index(value)
        self.id_number_masked = mask_id_number(value)

    def set_phone(self, value: str) -> None:
        if not value:
            self.phone_sealed, self.phone_index, self.phone_masked = None, "", ""
            return
        self.phone_sealed = sealer().seal(value, PHONE_CONTEXT)
        self.phone_index = phone_index(value)
        self.phone_masked = mask_phone(value)

    def reveal_id_number(self) -> str:
        return sealer().open(self.id_number_sealed, ID_CONTEXT)

    def reveal_phone(self) -> str:
        return sealer().open(self.phone_sealed, PHONE_CONTEXT) if self.phone_sealed else ""

    @property
    def age(self) -> int:
        from django.utils import timezone

        today = timezone.localdate()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )
