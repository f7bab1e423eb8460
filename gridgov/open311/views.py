"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2).

Reads are public, as the specification has them, and show only non-personal data (see
`gridgov.open311.queries`). POST requests is for machine clients: the ``api_key`` parameter is the
credential, so no session and no CSRF token are involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from gridgov.core.access import public
from gridgov.core.replicas import replica_reads
from gridgov.open311 import actions, queries
from gridgov.open311.actions import Open311Error, Submission
from gridgov.open311.choices import CHANGESET, FORMATS, SPECIFICATION
from gridgov.open311.renderers import render, render_error

ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def open311(*methods: str) -> Callable:
    """Allow ``methods`` and answer every refusal in the specification's error format."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str = "xml", **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = render_error(fmt, 405, f"method {request.method} not allowed")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return render_error(fmt, exc.status, exc.description)

        return wrapper

    return decorate


@replica_reads
@public
@open311("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "xml"})).removesuffix("services.xml")
    payload = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "GRIDGOV_OPEN311_CONTACT", "县（区）社会治理综合指挥中心"),
        "key_service": getattr(
            settings,
            "GRIDGOV_OPEN311_KEY_SERVICE",
            "接入密钥由系统管理员按渠道和地域发放（manage.py create_open311_key）",
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": [value.split(";")[0] for value in FORMATS.values()],
            }
        ],
    }
    return render(fmt, payload, root="discovery")


@replica_reads
@public
@open311("GET", "HEAD")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, queries.services(), root="services", item="service")


@replica_reads
@public
@open311("GET", "HEAD")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return render(fmt, queries.service_definition(code), root="service_definition")


def _float(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a number")
    return value


def _submission(request: HttpRequest) -> Submission:
    post = request.POST
    code = post.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    attributes: dict[str, object] = {}
    for name in post:
        match = ATTRIBUTE_RE.match(name)
        if match:
            values = post.getlist(name)
            attributes[match.group(1)] = values if match.group(2) or len(values) > 1 else values[0]
    return Submission(
        service_code=code,
        lat=_float(request, "lat"),
        long=_float(request, "long"),
        address_string=post.get("address_string", ""),
        address_id=post.get("address_id", ""),
        attributes=attributes,
        email=post.get("email", ""),
        device_id=post.get("device_id", ""),
        account_id=post.get("account_id", ""),
        first_name=post.get("first_name", ""),
        last_name=post.get("last_name", ""),
        phone=post.get("phone", ""),
        description=post.get("description", ""),
        media_url=post.get("media_url", ""),
    )


@replica_reads
@public
@csrf_exempt
@open311("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method != "POST":
        return render(fmt, queries.find_requests(request.GET), root="service_requests", item="request")
    key = actions.authenticate(request.POST.get("api_key", "").strip())
    row = actions.submit(key, _submission(request), request.headers.get("Idempotency-Key", "").strip())
    matter = row.matter
    holder = matter.holder_place.name
    notice = f"已受理，受理编号 {matter.reference}，由{holder}办理"
    if matter.deadline_at:
        notice += f"，办理时限 {queries.iso(matter.deadline_at)}"
    payload = [{"service_request_id": matter.reference, "service_notice": notice, "account_id": row.account_id}]
    return render(fmt, payload, root="service_requests", item="request")


@replica_reads
@public
@open311("GET", "HEAD")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    return render(fmt, [queries.request_by_id(request_id)], root="service_requests", item="request")


@public
@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    fmt = "json" if request.path.endswith(".json") else "xml"
    return render_error(fmt, 404, "no such resource")
