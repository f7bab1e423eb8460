"""Read replicas: read-only work goes to a PostgreSQL streaming replica, everything else to the primary.

Nothing here is active unless replicas are configured (``GRIDGOV_REPLICA_URLS``, see settings): with
SQLite, or PostgreSQL without replicas, every read and write goes to ``default`` as before.

Two ways to send reads to a replica, both explicit:

- **a view**: mark it ``@replica_reads`` (next to its access marker). `ReplicaMiddleware` routes the
  view's reads to a healthy replica for GET and HEAD requests, unless the session wrote within the
  read-your-writes window (``GRIDGOV_READ_YOUR_WRITES_SECONDS``: a cookie set by any POST, PUT,
  PATCH or DELETE answered below 500, so it works on every app node without shared state). If the
  replica fails during the view (connection lost, server stopped) or the view answers 404 (the row
  may not have arrived yet), the view runs again on the primary: the user sees no error.
- **code**: ``with reading_from_replica():`` for a block, or ``@reading_from_replica()`` on a
  function; the decorator form also runs the function again on the primary when the replica fails.
  Use it only for reads that may be a moment old (figures, exports, cockpit panels).

Inside either, reads inside a transaction on the primary (``atomic``) and writes always go to the
primary, as do sessions and the account being signed in (they are read before any marker applies).

A replica is used only while it answers and its replay lag is within ``GRIDGOV_REPLICA_MAX_LAG_SECONDS``;
its state is checked at most every ``GRIDGOV_REPLICA_CHECK_SECONDS`` per process, and a replica that
failed is left alone for ``GRIDGOV_REPLICA_RETRY_SECONDS``.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import Http404

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica"
PRIMARY_COOKIE = "gridgov_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Models always read from the primary: what the login and the session middleware read.
ALWAYS_PRIMARY = frozenset({"sessions.session", "accounts.user"})

# The replica this context reads from; None: the primary.
_reading: ContextVar[str | None] = ContextVar("gridgov_replica", default=None)

LAG_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def max_lag() -> float:
    return float(getattr(settings, "GRIDGOV_REPLICA_MAX_LAG_SECONDS", 5))


def _check_every() -> float:
    return float(getattr(settings, "GRIDGOV_REPLICA_CHECK_SECONDS", 1))


def _retry_after() -> float:
    return float(getattr(settings, "GRIDGOV_REPLICA_RETRY_SECONDS", 5))


def read_your_writes_seconds() -> int:
    return int(getattr(settings, "GRIDGOV_READ_YOUR_WRITES_SECONDS", 10))


# ---------------------------------------------------------------- health, per process


@dataclass
class ReplicaState:
    checked_at: float = -1e9
    usable: bool = False
    lag: float | None = None
    reason: str = ""


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()
_turn = itertools.count()


def measure(alias: str) -> ReplicaState:
    """Ask the replica now: is it a standby that streams from the primary, and how far behind is it?"""
    state = ReplicaState(checked_at=time.monotonic())
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, receiver, lag = cursor.fetchone()
    except DatabaseError as exc:
        _drop(alias)
        state.reason = f"unreachable: {str(exc).strip()[:200]}"
        return state
    state.lag = float(lag or 0)
    if not in_recovery:
        state.reason = "not a standby"
    elif receiver != "streaming":
        state.reason = f"not streaming from the primary ({receiver or 'no WAL receiver'})"
    elif state.lag > max_lag():
        state.reason = f"lag {state.lag:.1f} s > {max_lag():g} s"
    else:
        state.usable = True
    return state


def state_of(alias: str) -> ReplicaState:
    """The replica's state, measured again when the last look is older than the check interval
    (or, after a failure, older than the retry interval)."""
    now = time.monotonic()
    with _lock:
        state = _states.get(alias) or ReplicaState()
    wait = _retry_after() if state.reason.startswith("unreachable") else _check_every()
    if now - state.checked_at < wait:
        return state
    state = measure(alias)
    with _lock:
        _states[alias] = state
    if not state.usable:
        logger.warning("replica %s not used: %s", alias, state.reason)
    return state


def mark_failed(alias: str, reason: str) -> None:
    """A query on the replica failed: leave it alone for the retry interval."""
    _drop(alias)
    with _lock:
        _states[alias] = ReplicaState(checked_at=time.monotonic(), usable=False, reason=f"unreachable: {reason}")
    logger.warning("replica %s failed during a request, reads go to the primary: %s", alias, reason)


def _drop(alias: str) -> None:
    connection = connections[alias]
    try:
        connection.close()
    except DatabaseError:
        connection.connection = None


def pick_replica() -> str | None:
    """A usable replica (round robin over the usable ones), or None: read from the primary."""
    aliases = replica_aliases()
    if not aliases:
        return None
    usable = [alias for alias in aliases if state_of(alias).usable]
    if not usable:
        return None
    return usable[next(_turn) % len(usable)]


def reset_states() -> None:
    """Forget what this process knows of the replicas (tests)."""
    with _lock:
        _states.clear()


# ---------------------------------------------------------------- the router


class ReplicaRouter:
    """Reads of a context marked for the replica go to it; everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None or model._meta.label_lower in ALWAYS_PRIMARY:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # a transaction on the primary reads its own writes
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def current_alias() -> str | None:
    """The replica the current context reads from, or None (the primary)."""
    return _reading.get()


# ---------------------------------------------------------------- markers


def replica_reads(view):
    """Mark a view whose GET reads may come from a replica (lists, figures, ledgers, exports)."""
    view.gridgov_replica_reads = True
    return view


def marked(view) -> bool:
    if getattr(view, "gridgov_replica_reads", False):
        return True
    view_class = getattr(view, "view_class", None)
    return bool(getattr(view_class, "replica_reads", False))


class reading_from_replica:  # lower case: used like contextlib's helpers
    """Read from a usable replica inside the block, or in the decorated function.

    As a decorator the function runs again on the primary if the replica fails under it.
    """

    def __init__(self) -> None:
        self._tokens: list = []

    def __enter__(self):
        self._tokens.append(_reading.set(pick_replica()))
        return _reading.get()

    def __exit__(self, *exc) -> None:
        _reading.reset(self._tokens.pop())

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            token = _reading.set(pick_replica())
            try:
                return function(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                alias = _reading.get()
                if alias is None:
                    raise
                mark_failed(alias, str(exc).strip()[:200])
                _reading.set(None)
                return function(*args, **kwargs)
            finally:
                _reading.reset(token)

        return wrapper


# ---------------------------------------------------------------- the middleware


def recently_wrote(request) -> bool:
    raw = request.COOKIES.get(PRIMARY_COOKIE, "")
    try:
        return float(raw) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Routes the reads of views marked `replica_reads` to a replica, keeps read-your-writes,
    and runs the view again on the primary when the replica fails under it. Last in MIDDLEWARE,
    so the session and the account are read (from the primary) before it applies."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.active = bool(replica_aliases())

    def __call__(self, request):
        if not self.active:
            return self.get_response(request)
        try:
            response = self.get_response(request)
            if response.status_code == 404 and getattr(request, "_gridgov_replica_view", None) is not None:
                response = self._again_on_primary(request)  # the row may not have reached the replica yet
        finally:
            token = getattr(request, "_gridgov_replica_token", None)
            if token is not None:
                _reading.reset(token)
                request._gridgov_replica_token = None
        if request.method not in SAFE_METHODS and response.status_code < 500:
            window = read_your_writes_seconds()
            response.set_cookie(
                PRIMARY_COOKIE,
                f"{time.time() + window:.3f}",
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self.active or request.method not in ("GET", "HEAD") or not marked(view_func):
            return None
        if recently_wrote(request):
            return None
        alias = pick_replica()
        if alias is not None:
            request._gridgov_replica_token = _reading.set(alias)
            request._gridgov_replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request, exception):
        alias = _reading.get()
        if alias is None or getattr(request, "_gridgov_replica_view", None) is None:
            return None
        if isinstance(exception, (OperationalError, InterfaceError)):
            mark_failed(alias, str(exception).strip()[:200])
        elif not isinstance(exception, Http404):
            return None
        return self._again_on_primary(request)

    @staticmethod
    def _again_on_primary(request):
        _reading.set(None)  # put back to the request's starting value in __call__
        view_func, view_args, view_kwargs = request._gridgov_replica_view
        request._gridgov_replica_view = None
        response = view_func(request, *view_args, **view_kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response = response.render()
        return response
