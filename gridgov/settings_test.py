"""Test settings: the real settings, with a fast password hasher and a throwaway key."""

import os

os.environ.setdefault("GRIDGOV_MASTER_KEY", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMTIzNDU=")
os.environ.setdefault("GRIDGOV_SECRET_KEY", "test-secret-key-not-for-production")

from gridgov.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not DATABASE_URL:  # SQLite  # noqa: F405
    DATABASES["default"]["NAME"] = ":memory:"  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
