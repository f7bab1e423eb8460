from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import BaseModel
from gridgov.places.choices import CODE_LENGTH, KIND_BY_LENGTH, PlaceKind


class Place(BaseModel):
    """地域层级: one node of the place tree; its code is its materialized path."""

    code = models.CharField(_("代码"), max_length=24, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=16, choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    centre = models.JSONField(_("中心点(GeoJSON)"), null=True, blank=True)

    scope_path = "code"

    class Meta:
        verbose_name = _("地域")
        verbose_name_plural = _("地域")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "code"], name="place_kind_code_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = CODE_LENGTH.get(self.kind)
        if expected is None or len(self.code) != expected or not self.code.isdigit():
            message = gettext("%(kind)s代码应为%(length)s位数字") % {
                "kind": self.get_kind_display(),
                "length": expected,
            }
            raise ValidationError({"code": message})
        if self.parent is not None and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": gettext("代码必须以上级代码开头")})
        validate_geojson(self.boundary, {"Polygon", "MultiPolygon"}, "boundary")
        validate_geojson(self.centre, {"Point"}, "centre")

    def ancestor_codes(self) -> list[str]:
        return [self.code[:n] for n in sorted(set(CODE_LENGTH.values())) if n < len(self.code)]

    def ancestors(self) -> models.QuerySet[Place]:
        return Place.objects.filter(code__in=self.ancestor_codes()).order_by("code")

    @property
    def full_name(self) -> str:
        names = [p.name for p in self.ancestors() if p.kind not in (PlaceKind.PROVINCE, PlaceKind.CITY)]
        return "".join(names + [self.name])

    @staticmethod
    def kind_of_code(code: str) -> str | None:
        return KIND_BY_LENGTH.get(len(code))


def validate_geojson(value, allowed: set[str], field: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") not in allowed or "coordinates" not in value:
        raise ValidationError({field: gettext("应为 GeoJSON %(types)s") % {"types": "/".join(sorted(allowed))}})
