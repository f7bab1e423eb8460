"""State changes of the place tree."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.places.boundaries import BoundaryCheck, centre_of


class BoundaryImportRefused(ValueError):
    """The file was not imported; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def import_boundaries(check: BoundaryCheck, *, source: str = "") -> list[str]:
    """Replace the boundaries of the places a checked file draws, all or nothing, and audit it. A place
    without a centre gets one inside its new shape. Returns the codes written."""
    if not check.ok:
        raise BoundaryImportRefused(check.errors or [_("文件中没有要素")])
    written = []
    with transaction.atomic():
        for feature in check.features:
            place = feature.place
            place.boundary = feature.geometry
            fields = ["boundary", "updated_at"]
            if not place.centre:
                place.centre = centre_of(feature.shape)
                fields.append("centre")
            place.save(update_fields=fields)
            written.append(place.code)
        record(
            AuditAction.IMPORT,
            detail={"what": "place_boundaries", "file": source[:200], "count": len(written), "codes": written[:500]},
        )
    return written
