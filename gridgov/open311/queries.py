"""Open311 reads: service lists and definitions, and the public view of filed requests.

What GET requests shows, and to whom: the specification makes reads public, so they carry no key
and show only matters that came in through Open311 (a `ServiceRequest` row), never matters staff
recorded. Each shows its category, description (as the client sent it), status, the unit or
department holding it, times, and the point rounded to about 100 m; never the reporter's name,
phone or email, the device or account id, the submitted address text, a household, or staff notes.
``address`` is the name of the unit it landed in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gridgov.matters.choices import MatterKind, MatterState
from gridgov.matters.models import Category, Matter
from gridgov.open311.actions import Open311Error
from gridgov.open311.choices import (
    COORD_DECIMALS,
    DATATYPE,
    DATATYPE_DESCRIPTION,
    DEFAULT_WINDOW_DAYS,
    MAX_RESULTS,
    STATUS_CLOSED,
    STATUS_OPEN,
)
from gridgov.open311.models import ServiceRequest

KIND_LABELS = dict(MatterKind.choices)
STATE_LABELS = dict(MatterState.choices)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with an explicit offset (the specification requires the time zone)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def services() -> list[dict[str, Any]]:
    rows = (
        Category.objects.filter(selectable=True, active=True)
        .select_related("parent")
        .order_by("kind", "sort_order", "code")
    )
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{KIND_LABELS.get(c.kind, c.kind)}：{c.parent.name + '：' if c.parent else ''}{c.name}",
            "metadata": bool(c.extra_fields),
            "type": "realtime",
            "keywords": ",".join(k for k in (c.parent.name if c.parent else "", c.kind) if k),
            "group": KIND_LABELS.get(c.kind, c.kind),
        }
        for c in rows
    ]


def service_definition(code: str) -> dict[str, Any]:
    category = Category.objects.filter(code=code, selectable=True, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    attributes = []
    for order, spec in enumerate(category.extra_fields, 1):
        attributes.append(
            {
                "variable": True,
                "code": spec["name"],
                "datatype": DATATYPE.get(spec["type"], "string"),
                "required": bool(spec.get("required")),
                "datatype_description": DATATYPE_DESCRIPTION.get(spec["type"]),
                "order": order,
                "description": spec["label"],
                "values": [{"key": option, "name": option} for option in spec.get("options") or []],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


def _rows() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(
        "matter", "matter__category", "matter__holder_place", "matter__holder_department", "matter__place"
    ).only(
        "id",
        "requested_at",
        "lat",
        "long",
        "media_url",
        "matter__id",
        "matter__kind",
        "matter__created_at",
        "matter__updated_at",
        "matter__description",
        "matter__state",
        "matter__is_open",
        "matter__deadline_at",
        "matter__closed_at",
        "matter__category__code",
        "matter__category__name",
        "matter__holder_place__name",
        "matter__holder_department__name",
        "matter__place__name",
    )


def public_request(row: ServiceRequest) -> dict[str, Any]:
    matter: Matter = row.matter
    holder = matter.holder_department.name if matter.holder_department_id else matter.holder_place.name
    rounded = row.lat is not None
    return {
        "service_request_id": matter.reference,
        "status": STATUS_OPEN if matter.is_open else STATUS_CLOSED,
        "status_notes": STATE_LABELS.get(matter.state, matter.state),
        "service_name": matter.category.name,
        "service_code": matter.category.code,
        "description": matter.description,
        "agency_responsible": holder,
        "service_notice": None,
        "requested_datetime": iso(row.requested_at),
        "updated_datetime": iso(matter.updated_at if matter.is_open else (matter.closed_at or matter.updated_at)),
        "expected_datetime": iso(matter.deadline_at) if matter.is_open else None,
        "address": matter.place.name,
        "address_id": None,
        "zipcode": None,
        "lat": round(row.lat, COORD_DECIMALS) if rounded else None,
        "long": round(row.long, COORD_DECIMALS) if rounded else None,
        "media_url": row.media_url or None,
    }


def matter_id_of(reference: str) -> int | None:
    """``HJ-2026-000123`` (or a bare number) -> 123."""
    tail = reference.strip().rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() and len(tail) < 12 else None


def request_by_id(reference: str) -> dict[str, Any]:
    matter_id = matter_id_of(reference)
    row = _rows().filter(matter_id=matter_id).first() if matter_id else None
    if row is None or row.matter.reference != reference.strip():
        raise Open311Error(404, f"service_request_id {reference} not found")
    return public_request(row)


def _when(name: str, raw: str) -> dt.datetime:
    text = raw.strip().replace("Z", "+00:00")
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    for candidate in (text, text[:19] + text[19:].replace(" ", "+")):
        try:
            value = dt.datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    else:
        raise Open311Error(400, f"{name} must be an ISO 8601 date/time")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def find_requests(params) -> list[dict[str, Any]]:
    """GET requests with the specification's filters: service_request_id (comma list; the others are
    then ignored), service_code (comma list), start_date, end_date (at most 90 days apart; one alone
    spans 90 days from or to it; neither: the last 90 days), status (comma list). At most 1000, newest first."""
    ids = [s for s in (params.get("service_request_id") or "").split(",") if s.strip()]
    if ids:
        wanted = {ref.strip(): matter_id_of(ref) for ref in ids[:MAX_RESULTS]}
        rows = _rows().filter(matter_id__in=[i for i in wanted.values() if i])
        return [public_request(r) for r in rows if r.matter.reference in wanted]
    rows = _rows()
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        rows = rows.filter(matter__category__code__in=codes)
    start_raw, end_raw = params.get("start_date") or "", params.get("end_date") or ""
    start = _when("start_date", start_raw) if start_raw else None
    end = _when("end_date", end_raw) if end_raw else None
    window = dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if start is not None and end is not None:
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > window:
            raise Open311Error(400, f"start_date and end_date may not span more than {DEFAULT_WINDOW_DAYS} days")
    elif start is not None:
        end = start + window
    elif end is not None:
        start = end - window
    else:
        start = timezone.now() - window
    rows = rows.filter(requested_at__gte=start)
    if end is not None:
        rows = rows.filter(requested_at__lte=end)
    statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {STATUS_OPEN, STATUS_CLOSED}:
        raise Open311Error(400, "status must be open or closed")
    if statuses == {STATUS_OPEN}:
        rows = rows.filter(matter__is_open=True)
    elif statuses == {STATUS_CLOSED}:
        rows = rows.filter(matter__is_open=False)
    return [public_request(r) for r in rows.order_by("-requested_at", "-id")[:MAX_RESULTS]]
