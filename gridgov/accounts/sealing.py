"""Authenticator secrets sealed at rest.

django-otp keeps a TOTP device's secret (`TOTPDevice.key`, hex) in clear; anyone who reads the table
could then compute every account's codes. gridgov stores instead ``PREFIX`` + base64(nonce, AES-256-GCM
ciphertext, tag) of the secret's bytes, under the master key that seals ID numbers and phones
(`gridgov.core.pii`), bound to the account it belongs to (a sealed secret copied onto another account's
row does not open). The migration that introduced this sealed the existing secrets with these functions.
"""

from __future__ import annotations

import base64

from gridgov.core.pii import sealer

PREFIX = "sealed1:"
MAX_SECRET_BYTES = 26  # 8 + base64(12 + 26 + 16 bytes) = 80 characters, the column's length


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _context(user_id: int) -> bytes:
    return b"totp-key:%d" % user_id


def seal_key(hex_key: str, user_id: int) -> str:
    """The column value for a clear hex secret: a 20-byte secret (django-otp's default) gives 8 + 64
    characters, within the column's 80 (secrets of more than 26 bytes would not fit, and are refused)."""
    secret = bytes.fromhex(hex_key)
    if len(secret) > MAX_SECRET_BYTES:
        raise ValueError(f"a sealed authenticator secret holds at most {MAX_SECRET_BYTES} bytes")
    return PREFIX + base64.b64encode(sealer().seal_bytes(secret, _context(user_id))).decode("ascii")


def open_key(stored: str, user_id: int) -> str:
    """The clear hex secret of a column value (a clear value, not yet saved, is returned as it is)."""
    if not is_sealed(stored):
        return stored
    return sealer().open_bytes(base64.b64decode(stored[len(PREFIX) :]), _context(user_id)).hex()
