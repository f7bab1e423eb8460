"""Open311 state changes: issuing keys and filing requests as matters (machine intake)."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.core.pii import sealer
from gridgov.matters.actions import ActionRefused, MatterInput, Reporter, record_matter
from gridgov.matters.choices import FieldType, ReporterType, RiskColor, SourceChannel
from gridgov.matters.models import Category
from gridgov.open311 import geo
from gridgov.open311.choices import CHANNEL_ALIASES, DEFAULT_COLOR, MAX_DESCRIPTION, MAX_TEXT
from gridgov.open311.models import EMAIL_CONTEXT, ApiKey, ServiceRequest, key_digest
from gridgov.places.models import Place
from gridgov.utils.text import has_control_characters

SYSTEM_ACTOR = "Open311"


class Open311Error(Exception):
    """Refused with an HTTP status, answered in the specification's error format."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------- keys


def channel_value(channel: str) -> str:
    value = CHANNEL_ALIASES.get(channel, channel)
    if value not in SourceChannel.values:
        raise ValidationError({"channel": f"来源渠道无效：{channel}"})
    return value


def create_key(*, name: str, channel: str, place: Place) -> tuple[ApiKey, str]:
    """A new key for ``channel`` filing into ``place``; returns the row and the key (shown once, stored as a digest)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写密钥名称"})
    if len(place.code) < 6:
        raise ValidationError({"place": "可报送地域至少应为县（区）"})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiKey.objects.create(
            path=place.code,
            name=name,
            digest=key_digest(key),
            prefix=key[:8],
            channel=channel_value(channel),
            place=place,
        )
    return row, key


def deactivate_key(row: ApiKey) -> ApiKey:
    """Refused at once by this process, within `KEY_CACHE_SECONDS` by every other."""
    with transaction.atomic():
        row.active = False
        row.save(update_fields=["active", "updated_at"])
    with _cache_lock:
        _keys.pop(row.digest, None)
    return row


KEY_CACHE_SECONDS = 10.0
"""A process remembers a valid key this long: a deactivated key stops working within 10 s."""
CATEGORY_CACHE_SECONDS = 60.0

_cache_lock = threading.Lock()
_keys: dict[str, tuple[float, ApiKey]] = {}
_categories: tuple[float, dict[str, Category]] = (0.0, {})
_places: dict[str, tuple[float, Place]] = {}


def clear_caches() -> None:
    global _categories
    with _cache_lock:
        _keys.clear()
        _places.clear()
        _categories = (0.0, {})


def authenticate(key: str) -> ApiKey:
    if not key:
        raise Open311Error(403, "api_key was not provided")
    digest = key_digest(key)
    now = time.monotonic()
    hit = _keys.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = ApiKey.objects.select_related("place").filter(digest=digest, active=True).first()
    if row is None:
        with _cache_lock:
            _keys.pop(digest, None)
        raise Open311Error(403, "Invalid api_key")
    with _cache_lock:
        if len(_keys) > 1000:
            _keys.clear()
        _keys[digest] = (now + KEY_CACHE_SECONDS, row)
    return row


# ---------------------------------------------------------------- requests


@dataclass
class Submission:
    """A POST requests as the specification names its parameters."""

    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)  # code -> str or list[str]
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""


def service(code: str) -> Category:
    """A selectable, active category by code (the taxonomy is kept per process for a minute)."""
    global _categories
    now = time.monotonic()
    expires, by_code = _categories
    if expires <= now:
        by_code = {c.code: c for c in Category.objects.filter(selectable=True, active=True)}
        with _cache_lock:
            _categories = (now + CATEGORY_CACHE_SECONDS, by_code)
    category = by_code.get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    return category


def _place(code: str) -> Place:
    now = time.monotonic()
    hit = _places.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    place = Place.objects.get(code=code)
    with _cache_lock:
        if len(_places) > 10000:
            _places.clear()
        _places[code] = (now + geo.CACHE_SECONDS, place)
    return place


def _date(raw: str) -> str:
    raw = raw.strip()
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return raw  # the category's validation names the field


def attribute_values(category: Category, raw: dict[str, Any]) -> dict[str, Any]:
    """The extra-field values typed as the category expects (form values are strings)."""
    specs = {spec["name"]: spec for spec in category.extra_fields}
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        raise Open311Error(400, f"attribute {', '.join(unknown)} is not an attribute of service {category.code}")
    values: dict[str, Any] = {}
    for code, value in raw.items():
        kind = specs[code]["type"]
        if kind == FieldType.MULTI:
            values[code] = [v for v in (value if isinstance(value, list) else [value]) if v != ""]
            continue
        if isinstance(value, list):
            value = value[-1] if value else ""
        values[code] = _date(value) if kind == FieldType.DATE else value
    return values


def _route(key: ApiKey, data: Submission) -> tuple[str, str]:
    """(place code, how it was found)."""
    area = key.place.code
    if data.lat is not None and data.long is not None:
        code = geo.place_at(area, data.long, data.lat)
        if code:
            return code, "point"
    if data.address_id:
        code = geo.place_for_address_id(area, data.address_id)
        if code:
            return code, "address_id"
    if data.address_string:
        code = geo.place_for_address(area, data.address_string)
        if code:
            return code, "address"
    return area, "key"


TEXT_FIELDS = (
    "service_code",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


def refuse_unsafe(key: ApiKey, data: Submission) -> None:
    """What no filing may carry: control characters in any field (PostgreSQL refuses NUL, XML 1.0 all of
    them: one would make the public requests.xml unparseable), an empty description, a point far outside the
    key's area (`geo.within_key_area`)."""
    for name in TEXT_FIELDS:
        if has_control_characters(getattr(data, name)):
            raise Open311Error(400, f"{name} contains control characters")
    for name, value in data.attributes.items():
        if any(has_control_characters(v) for v in [name, *(value if isinstance(value, list) else [value])]):
            raise Open311Error(400, f"attribute {name} contains control characters")
    if not data.description.strip():
        raise Open311Error(400, "description was not provided")
    if data.lat is not None and data.long is not None and -90 <= data.lat <= 90 and -180 <= data.long <= 180:
        if not geo.within_key_area(key.place, data.long, data.lat):
            raise Open311Error(400, f"lat/long is outside the area of this api_key ({key.place.name})")


def _validate(key: ApiKey, data: Submission) -> None:
    refuse_unsafe(key, data)
    if data.lat is None and data.long is None and not data.address_string.strip() and not data.address_id.strip():
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    if (data.lat is None) != (data.long is None):
        raise Open311Error(400, "lat and long must be given together")
    if data.lat is not None and not (-90 <= data.lat <= 90 and -180 <= data.long <= 180):
        raise Open311Error(400, "lat/long out of range")
    if len(data.description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    for name in ("address_string", "address_id", "email", "device_id", "account_id", "first_name", "last_name"):
        if len(getattr(data, name)) > MAX_TEXT:
            raise Open311Error(400, f"{name} is longer than {MAX_TEXT} characters")
    if data.media_url and (len(data.media_url) > 500 or not data.media_url.startswith(("http://", "https://"))):
        raise Open311Error(400, "media_url must be an http(s) URL")


def _title(category: Category, description: str) -> str:
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    title = f"{category.name}：{first}" if first else category.name
    return title if len(title) <= 60 else title[:59] + "…"


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return "; ".join(exc.messages)


IDEMPOTENCY_KEY_MAX = 100


def filed_before(key: ApiKey, idempotency_key: str) -> ServiceRequest | None:
    """The request this client already filed with the same Idempotency-Key, if any."""
    if not idempotency_key:
        return None
    return (
        ServiceRequest.objects.select_related("matter", "matter__holder_place")
        .filter(api_key=key, idempotency_key=idempotency_key)
        .first()
    )


def submit(key: ApiKey, data: Submission, idempotency_key: str = "") -> ServiceRequest:
    """POST requests: file a matter through ``key`` where the request's location falls.

    With an ``idempotency_key`` (the client's ``Idempotency-Key`` header) a retry of a request that was
    filed, whose answer the client never got (a lost connection, a server that died after the commit),
    answers the same request instead of filing it twice; two retries at once file it once.
    """
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX or not idempotency_key.isprintable():
        raise Open311Error(400, f"Idempotency-Key must be at most {IDEMPOTENCY_KEY_MAX} printable characters")
    earlier = filed_before(key, idempotency_key)
    if earlier is not None:
        return earlier
    category = service(data.service_code)
    _validate(key, data)
    extra = attribute_values(category, data.attributes)
    code, routed_by = _route(key, data)
    place = key.place if code == key.place.code else _place(code)
    name = f"{data.last_name.strip()}{data.first_name.strip()}"
    phone = data.phone.strip()
    reporter = (
        Reporter(type=ReporterType.OUTSIDER, name=name or "未留姓名", phone=phone)
        if name or phone
        else Reporter(type=ReporterType.ANONYMOUS)
    )
    point = {"type": "Point", "coordinates": [data.long, data.lat]} if data.lat is not None else None
    matter_input = MatterInput(
        kind=category.kind,
        category=category,
        title=_title(category, data.description),
        channel=key.channel,
        color=DEFAULT_COLOR.get(category.kind, RiskColor.BLUE),
        description=data.description,
        reporter=reporter,
        place=place,
        point=point,
        extra=extra,
    )
    email = data.email.strip()
    row = ServiceRequest(
        api_key=key,
        lat=data.lat,
        long=data.long,
        address_string=data.address_string.strip(),
        address_id=data.address_id.strip(),
        routed_by=routed_by,
        email_sealed=sealer().seal(email, EMAIL_CONTEXT) if email else None,
        device_id=data.device_id.strip(),
        account_id=data.account_id.strip(),
        media_url=data.media_url.strip(),
        idempotency_key=idempotency_key,
    )
    pending = {"row": row, "saved": False}
    token = _pending.set(pending)
    try:
        record_matter(None, matter_input, system_actor=f"{SYSTEM_ACTOR}：{key.name}")
    except IntegrityError:
        earlier = filed_before(key, idempotency_key)  # the same key filed at the same moment: that one wins
        if earlier is None:
            raise
        return earlier
    except ValidationError as exc:
        raise Open311Error(400, _errors_text(exc)) from None
    except ActionRefused as exc:
        raise Open311Error(400, str(exc)) from None
    finally:
        _pending.reset(token)
    if not pending["saved"]:
        raise RuntimeError("the matter was recorded without its Open311 request row")
    return row


# The request row is written inside record_matter's own transaction (from the matter's post_save), so
# the matter and its Open311 row commit together while the work before the transaction (validation,
# the deadline lookup, building and sealing the row) runs without holding SQLite's write lock.
# See `Open311Config.ready`.
_pending: ContextVar[dict[str, Any] | None] = ContextVar("open311_pending", default=None)


def link_request(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of a Matter: if it is being filed by `submit`, write its ServiceRequest now."""
    pending = _pending.get()
    if not created or raw or pending is None or pending["saved"]:
        return
    row = pending["row"]  # built by `submit` before the transaction: only the matter's columns are left
    row.path, row.matter, row.requested_at = instance.path, instance, instance.created_at
    row.save(force_insert=True)
    pending["saved"] = True


def reveal_email(row: ServiceRequest) -> str:
    return sealer().open(bytes(row.email_sealed), EMAIL_CONTEXT) if row.email_sealed else ""
