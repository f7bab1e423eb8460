"""Liveness and readiness for load balancers: what `/healthz` and `/readyz` check (see `core.probes`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from gridgov.core import replicas

logger = logging.getLogger(__name__)

_migrated = False  # once true in a process it stays true: code and its migrations change only with a restart


@dataclass
class Readiness:
    database: bool = False
    migrations: bool = False
    pending: int = 0
    replicas: dict[str, dict] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        if not (self.database and self.migrations):
            return False
        if getattr(settings, "GRIDGOV_READY_NEEDS_REPLICA", False):
            return all(state["usable"] for state in self.replicas.values())
        return True

    def as_dict(self) -> dict:
        return {
            "status": "ready" if self.ready else "not ready",
            "database": "ok" if self.database else "unreachable",
            "migrations": "applied" if self.migrations else f"{self.pending} pending",
            "replicas": self.replicas,
        }


def pending_migrations() -> int:
    global _migrated
    if _migrated:
        return 0
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return len(plan)


def readiness() -> Readiness:
    """The primary answers, every migration of this code is applied; each replica's lag (a replica
    that lags or is down is reported, and reads fall back to the primary)."""
    out = Readiness()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        out.database = True
        out.pending = pending_migrations()
        out.migrations = out.pending == 0
    except DatabaseError as exc:
        logger.error("readiness: the database does not answer: %s", exc)
        connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
    for alias in replicas.replica_aliases():
        state = replicas.state_of(alias)
        out.replicas[alias] = {
            "usable": state.usable,
            "lag_seconds": None if state.lag is None else round(state.lag, 3),
            "max_lag_seconds": replicas.max_lag(),
            "reason": state.reason.split(":")[0],
        }
    return out
