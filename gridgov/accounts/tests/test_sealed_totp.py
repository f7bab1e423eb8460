"""Authenticator secrets are sealed at rest (AES-256-GCM under the master key), and django-otp still verifies."""

import base64
import importlib
import re
import time
from binascii import hexlify

import pyotp
import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridgov.accounts import sealing
from gridgov.accounts.models import SealedTOTPDevice
from gridgov.testing import PASSWORD, sign_in

seal_migration = importlib.import_module("gridgov.accounts.migrations.0004_sealed_totp_secrets")


def raw_keys() -> dict[int, str]:
    """The authenticators' key column as the database holds it (no model in between)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM otp_totp_totpdevice")
        return dict(cursor.fetchall())


def clear_forms(secret: bytes) -> set[str]:
    """Every way the secret could sit in clear: hex (django-otp's column), base32 (the QR code's), lower case."""
    hexed = hexlify(secret).decode()
    b32 = base64.b32encode(secret).decode().rstrip("=")
    return {hexed, hexed.upper(), b32, b32.lower()}


def test_an_enrolled_secret_is_sealed_in_the_column_and_the_phone_signs_in(world):
    account = world.grid_worker_a  # no second factor yet; enrols one on its security page
    client = Client()
    sign_in(client, account)
    page = client.get("/me/second-factor/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    phone = pyotp.TOTP(secret)
    assert client.post("/me/second-factor/", {"code": phone.now()}).status_code == 200
    device = SealedTOTPDevice.objects.get(user=account, confirmed=True)

    stored = raw_keys()[device.pk]
    assert stored.startswith("sealed1:") and len(stored) <= 80
    assert not any(form in stored for form in clear_forms(base64.b32decode(secret)))
    for other in raw_keys().values():  # every authenticator of the world (the administrators' too)
        assert other.startswith("sealed1:")

    # The next sign-in asks for the code; the phone's next code opens (the enrolment used this step's).
    again = Client()
    assert again.post("/login/", {"username": account.username, "password": PASSWORD})["Location"] == "/login/verify/"
    response = again.post("/login/verify/", {"code": phone.at(time.time() + 30)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert again.session["_auth_user_id"] == str(account.pk)


def test_a_sealed_secret_opens_only_for_its_own_account(world):
    auditor, sysadmin = world.auditor, world.system_admin
    theirs = SealedTOTPDevice.objects.get(user=sysadmin)
    mine = SealedTOTPDevice.objects.get(user=auditor)
    # Someone with write access to the table copies the sysadmin's sealed secret onto the auditor's device.
    SealedTOTPDevice.objects.filter(pk=mine.pk).update(key=theirs.key)
    mine.refresh_from_db()
    with pytest.raises(InvalidTag):
        mine.bin_key  # noqa: B018


def test_django_otps_own_class_cannot_store_a_clear_secret(world):
    with pytest.raises(TypeError, match="SealedTOTPDevice"):
        TOTPDevice.objects.create(user=world.grid_worker_b, name="明文", confirmed=True)
    assert not TOTPDevice.objects.filter(user=world.grid_worker_b).exists()


def test_the_migration_seals_clear_secrets_and_can_open_them_again(world):
    auditor = world.auditor
    device = SealedTOTPDevice.objects.get(user=auditor)
    secret = device.bin_key
    # A row as django-otp wrote it before the migration: the hex secret in clear.
    TOTPDevice.objects.filter(pk=device.pk).update(key=hexlify(secret).decode())
    assert raw_keys()[device.pk] == hexlify(secret).decode()

    seal_migration.seal_secrets(apps, None)
    stored = raw_keys()
    assert all(key.startswith("sealed1:") for key in stored.values())
    assert not any(form in stored[device.pk] for form in clear_forms(secret))
    device.refresh_from_db()
    assert device.bin_key == secret
    before = dict(stored)
    seal_migration.seal_secrets(apps, None)  # run again: nothing sealed twice
    assert raw_keys() == before

    seal_migration.open_secrets(apps, None)  # the downgrade
    assert raw_keys()[device.pk] == hexlify(secret).decode()
    assert sealing.open_key(raw_keys()[device.pk], auditor.pk) == hexlify(secret).decode()
