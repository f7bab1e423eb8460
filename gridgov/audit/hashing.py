"""The audit chain's digests: a keyed digest of each row's content, and the links that chain the rows.

A row's digest (``row_hash``) is computed in Python when the row is written, from the values it is written
with, so writing a row needs no read. The sealing step (`gridgov.audit.actions.seal_chain`) later gives each
row its place in the chain (``seq``) and a link digest over (seq, id, previous link, row digest). All digests
are HMAC-SHA256 under a key derived from GRIDGOV_MASTER_KEY, truncated to 128 bits: someone who can write to
the database but does not hold the key can neither forge a row nor re-link the chain after removing one.

The canonical forms below must never change (old rows would stop verifying); a new form needs a new version
prefix. They depend only on the values as the database gives them back, on both engines:
- times in UTC with microseconds (ISO 8601); IP addresses as their packed bytes (PostgreSQL's ``inet`` and Python's
  `ipaddress` print some addresses differently);
- JSON as sorted, compact JSON, with integral floats written as integers. PostgreSQL's ``jsonb`` prints
  ``1e+16`` back as ``10000000000000000``, so the values are stored in that normal form in the first place
  (`normal_json`), and what is read back is what was hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import math
from functools import lru_cache
from typing import Any

from gridgov.utils.crypto import decode_master_key, derive_key

VERSION = b"gridgov-audit-v1"
DIGEST_CHARS = 32  # 128 bits, hex
GENESIS = "0" * DIGEST_CHARS  # the link before the first row of a chain that was never pruned

# The columns a row's digest covers, in order (everything but the id and the chain columns).
CONTENT_FIELDS = (
    "at",
    "action",
    "actor_id",
    "actor_name",
    "ip",
    "request_id",
    "source",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "detail",
)


@lru_cache(maxsize=4)
def _hmac_states(master_text: str) -> tuple:
    """HMAC-SHA256 (RFC 2104) under the chain's key, its inner and outer hash states computed once per process."""
    key = derive_key(decode_master_key(master_text), b"gridgov audit chain v1")  # 32 bytes: shorter than a block
    block = key.ljust(hashlib.sha256().block_size, b"\x00")
    return hashlib.sha256(bytes(b ^ 0x36 for b in block)), hashlib.sha256(bytes(b ^ 0x5C for b in block))


def _mac(message: bytes) -> str:
    from django.conf import settings

    inner, outer = _hmac_states(settings.GRIDGOV_MASTER_KEY)
    h = inner.copy()
    h.update(message)
    o = outer.copy()
    o.update(h.digest())
    return o.hexdigest()[:DIGEST_CHARS]


_PLAIN = frozenset({str, int, bool, type(None)})


def normal_json(value: Any) -> Any:
    """``value`` as JSON gives it back on both engines: string keys, lists, and integral floats as ints."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        for k, v in value.items():  # the usual case, field values: nothing to change, no copy
            if type(k) is not str or type(v) not in _PLAIN:
                break
        else:
            return value
        return {_json_key(k): normal_json(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {_json_key(k): normal_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal_json(v) for v in value]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key) if key is None or isinstance(key, (bool, float)) else str(key)


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


@lru_cache(maxsize=4096)
def _ip(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    try:
        return ipaddress.ip_address(value).packed.hex()
    except ValueError:
        return value


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # ASCII only, keys sorted, compact


def canonical(values: tuple) -> bytes:
    """The bytes a row's digest is taken over: ``values`` in the order of CONTENT_FIELDS, JSON values normal."""
    at, action, actor_id, actor_name, ip, request_id, source, object_type, object_id, object_repr, *docs = values
    head = [_time(at), action, actor_id, actor_name, _ip(ip), request_id, source, object_type, object_id, object_repr]
    return VERSION + _ENCODE([*head, *docs]).encode()


def row_hash(values: tuple) -> str:
    """The keyed digest of one row's content (``values`` in the order of CONTENT_FIELDS, JSON values normal)."""
    return _mac(canonical(values))


def link_hash(seq: int, row_id: int, prev: str, digest: str) -> str:
    """The chain link of the row ``row_id`` at position ``seq``, after the link ``prev``."""
    return _mac(b"link|%d|%d|%s|%s" % (seq, row_id, prev.encode(), digest.encode()))


def fields_mac(kind: str, fields: dict[str, Any]) -> str:
    """The digest that vouches for a bookkeeping row's fields (the chain head, a check's result)."""
    shown = {k: _time(v) if isinstance(v, dt.datetime) else v for k, v in fields.items()}
    return _mac(b"%s|%s" % (kind.encode(), _ENCODE(shown).encode()))
