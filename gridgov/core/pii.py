"""The process-wide sealer for personal data, keyed from settings."""

from django.conf import settings

from gridgov.utils.crypto import Sealer, sealer_for


def sealer() -> Sealer:
    return sealer_for(settings.GRIDGOV_MASTER_KEY)
