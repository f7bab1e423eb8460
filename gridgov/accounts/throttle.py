"""Login throttling with django-axes: guessing is slowed down, nobody can lock an account.

Axes counts failed sign-ins (wrong password, or wrong second-factor code) in its `AccessAttempt`
rows, one per (username, address, browser). This handler adds what gridgov's policy needs:

- Two limits: `AXES_FAILURE_LIMIT` failures for one account from one address, and
  `GRIDGOV_LOGIN_FAILURES_PER_ADDRESS` failures from one address whatever the accounts. Past either,
  that pair (or that address) is refused before any password is checked. The account itself is never
  locked: its owner signs in from another address at once, and its sessions and tokens keep working.
- Growing delays: the cool-off is `GRIDGOV_LOGIN_COOLOFF_MINUTES`, doubled for each earlier lockout
  of the same address within the longest cool-off (`LoginLockout` rows), up to
  `GRIDGOV_LOGIN_COOLOFF_MAX_MINUTES`.
- The same answer whatever the username: unknown usernames are counted and refused alike.
- Audit rows: every lockout is recorded (`lockout`), next to the `login_failed` rows the sign-in
  view writes for every failure.
"""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

_COOL_OFF_ATTR = "_gridgov_cool_off"


def _address(request: HttpRequest | None) -> str | None:
    return getattr(request, "axes_ip_address", None) if request is not None else None


def longest_cool_off() -> timedelta:
    return timedelta(minutes=settings.GRIDGOV_LOGIN_COOLOFF_MAX_MINUTES)


def _lockouts(request: HttpRequest) -> int:
    """Lockouts of the request's address within the longest cool-off."""
    from gridgov.accounts.models import LoginLockout

    since = timezone.now() - longest_cool_off()
    return LoginLockout.objects.filter(ip_address=_address(request), at__gte=since).count()


def _cool_off_after(lockouts: int) -> timedelta:
    base = timedelta(minutes=settings.GRIDGOV_LOGIN_COOLOFF_MINUTES)
    return min(base * 2 ** max(lockouts - 1, 0), longest_cool_off())


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """The cool-off for the request's address: the base, doubled for each earlier lockout within a day."""
    if request is None:
        return _cool_off_after(0)
    cached = getattr(request, _COOL_OFF_ATTR, None)
    if cached is None:
        cached = _cool_off_after(_lockouts(request))
        setattr(request, _COOL_OFF_ATTR, cached)
    return cached


def throttled_minutes(request: HttpRequest) -> int:
    return max(1, int(cool_off(request).total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in view already answered with the throttled login page (429); keep that answer."""
    if original_response is not None:
        return original_response
    from django.shortcuts import render

    return render(request, "accounts/throttled.html", {"minutes": throttled_minutes(request)}, status=429)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout parameter and per-address cool-offs.

    Expects `AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]` (settings.py), in that order.
    """

    def _failures(self, request, credentials) -> tuple[int, int]:
        """(failures of this account from this address, failures from this address) within the cool-off."""
        pair, address = self.get_user_attempts(request, credentials)
        return (
            pair.aggregate(n=Sum("failures_since_start"))["n"] or 0,
            address.aggregate(n=Sum("failures_since_start"))["n"] or 0,
        )

    def get_failures(self, request, credentials=None) -> int:
        """Failures, scaled so that reaching either limit reaches `AXES_FAILURE_LIMIT`.

        Axes compares one number with one limit; the address limit is larger, so its count is scaled
        down: floor(n * L / M) >= L exactly when n >= M.
        """
        pair, address = self._failures(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        return max(pair, address * limit // settings.GRIDGOV_LOGIN_FAILURES_PER_ADDRESS)

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        """Drop this address's attempts older than its cool-off, and anybody's older than the longest."""
        now = timezone.now()
        count, _ = AccessAttempt.objects.filter(attempt_time__lt=now - longest_cool_off()).delete()
        if request is not None and getattr(request, "axes_attempt_time", None) is not None:
            threshold = request.axes_attempt_time - cool_off(request)
            more, _ = AccessAttempt.objects.filter(ip_address=_address(request), attempt_time__lt=threshold).delete()
            count += more
        return count

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return
        refused = bool(getattr(request, "axes_locked_out", False))  # refused before the password was checked
        super().user_login_failed(sender, credentials, request, **kwargs)
        if refused or not request.axes_locked_out:
            return
        self._record_lockout(request, credentials)

    def _record_lockout(self, request, credentials) -> None:
        from gridgov.accounts.models import LoginLockout, User
        from gridgov.audit.actions import record
        from gridgov.audit.choices import AuditAction

        username = (get_client_username(request, credentials) or "")[:150]
        pair, _address_failures = self._failures(request, credentials)
        scope = "account" if pair >= settings.AXES_FAILURE_LIMIT else "address"
        after = _cool_off_after(_lockouts(request) + 1)  # the cool-off once this lockout counts
        minutes = int(after.total_seconds() // 60)
        LoginLockout.objects.create(ip_address=_address(request), username=username, scope=scope, minutes=minutes)
        setattr(request, _COOL_OFF_ATTR, after)
        user = User.objects.filter(username=username).first()
        record(
            AuditAction.LOCKOUT,
            user,
            detail={"username": username, "scope": scope, "minutes": minutes},
            actor_name=username,
        )

    def user_logged_in(self, sender, request, user, **kwargs):
        """A successful sign-in clears the failures of that account from that address, and no others.

        (Axes' own reset would clear every attempt of the address, letting an attacker with one
        account of their own wipe the address's count by signing in with it.)
        """
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=_address(request)).delete()
