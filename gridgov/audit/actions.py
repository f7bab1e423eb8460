"""Writing audit rows, and keeping the chain: sealing, checking, pruning.

Business changes are logged by signals (`gridgov.audit.signals`); events call `record` directly. Each row is
written with the keyed digest of its content, and nothing is read to write it. The sealing step then links the
committed rows into the chain, one sealer at a time:
- PostgreSQL: the sealer locks the chain head (SELECT ... FOR UPDATE) and only then reads the rows not yet
  sealed, so it sees every row committed before it got the lock, and no other sealer runs until it commits. Ids
  come from a sequence and may commit out of order: a row committed late is sealed by a later round, further
  along the chain. The chain is ordered by ``seq`` (the order of sealing), not by id.
- SQLite: the sealer's transaction begins IMMEDIATE, i.e. with the database's one write lock, so it is alone
  and sees every committed row.
A row is sealed once: the UPDATE requires ``seq IS NULL``, ``seq`` is unique, and the trigger refuses changing
it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models import Min
from django.utils import timezone

from gridgov.audit import hashing, queries
from gridgov.audit.choices import AuditAction
from gridgov.audit.guard import MIN_RETENTION_DAYS
from gridgov.audit.models import AuditChain, AuditCheck, AuditLog
from gridgov.core.actions import ActionRefused
from gridgov.core.context import current

log = logging.getLogger(__name__)
SEAL_BATCH = 1000
PRUNE_BATCH = 5000
KEEP_CHECKS = dt.timedelta(days=31)


class ChainError(RuntimeError):
    """The chain cannot be extended or pruned as it stands (its head is missing or was altered)."""


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
    actor_id: int | None = None,
) -> AuditLog:
    ctx = current()
    values = (
        timezone.now(),
        action,
        actor_id if actor_id is not None else ctx.user_id,
        (actor_name if actor_name is not None else ctx.username)[:150],
        ctx.ip,
        ctx.request_id,
        ctx.source,
        obj._meta.label_lower if obj is not None else "",
        str(obj.pk) if obj is not None and obj.pk is not None else "",
        str(obj)[:200] if obj is not None else "",
        hashing.normal_json(before),
        hashing.normal_json(after),
        hashing.normal_json(detail),
    )
    row = AuditLog(**dict(zip(hashing.CONTENT_FIELDS, values, strict=True)), row_hash=hashing.row_hash(values))
    row.save(force_insert=True)
    return row


# ---------------------------------------------------------------- the chain head


def _sign(head: AuditChain) -> None:
    head.mac = hashing.fields_mac("head", head.signed_fields())


def _locked_head(using: str) -> AuditChain:
    """The chain head, locked until the end of the caller's transaction (created on first use)."""
    head = AuditChain.objects.using(using).select_for_update().filter(name=AuditChain.MAIN).first()
    if head is None:
        head = _first_head(using)
    if not queries.head_is_genuine(head):
        raise ChainError("审计链头与其摘要不符，已停止封存：请运行 manage.py verify_audit")
    return head


def _first_head(using: str) -> AuditChain:
    """The head of a chain that has none yet, inserted by this transaction (so locked by it), or the one another
    sealer inserted meanwhile: on PostgreSQL the insert waits for that sealer to commit, fails, and this one then
    waits for its lock. Only a sealer whose insert went in may call the head missing: nobody else can have sealed a
    row since. Asked before the insert, another sealer's first round, committed in between, looked like a deleted
    head (the chain stopped on a fresh database with two workers)."""
    head = AuditChain(name=AuditChain.MAIN, sealed_hash=hashing.GENESIS, base_hash=hashing.GENESIS)
    _sign(head)
    try:
        with transaction.atomic(using=using):
            head.save(using=using, force_insert=True)
    except IntegrityError:  # another sealer created it meanwhile
        return AuditChain.objects.using(using).select_for_update().get(name=AuditChain.MAIN)
    if AuditLog.objects.using(using).filter(seq__isnull=False).exists():
        raise ChainError("审计链头缺失，已停止封存：请运行 manage.py verify_audit")  # the caller's rollback undoes it
    return head


def _table(connection) -> str:
    return connection.ops.quote_name(AuditLog._meta.db_table)


# ---------------------------------------------------------------- sealing


def seal_chain(*, batch: int = SEAL_BATCH, using: str = DEFAULT_DB_ALIAS) -> int:
    """Link every committed row not yet in the chain, in id order; returns how many. One short transaction per
    ``batch`` rows, so that SQLite's write lock is never held for long."""
    connection = connections[using]
    update = f"UPDATE {_table(connection)} SET seq = %s, prev_hash = %s, chain_hash = %s WHERE id = %s AND seq IS NULL"
    total = 0
    while True:
        with transaction.atomic(using=using):
            head = _locked_head(using)  # first the lock, then the read: see every row committed before it
            rows = list(
                AuditLog.objects.using(using)
                .filter(seq__isnull=True)
                .order_by("id")
                .values_list("id", "row_hash")[:batch]
            )
            if not rows:
                return total
            seq, link, links = head.sealed_seq, head.sealed_hash, []
            for row_id, digest in rows:
                seq += 1
                new = hashing.link_hash(seq, row_id, link, digest)
                links.append((seq, link, new, row_id))
                link = new
            with connection.cursor() as cursor:
                cursor.executemany(update, links)
            head.sealed_seq, head.sealed_hash, head.sealed_at = seq, link, timezone.now()
            _sign(head)
            head.save(using=using, update_fields=["sealed_seq", "sealed_hash", "sealed_at", "mac"])
        total += len(rows)
        if len(rows) < batch:
            return total


# ---------------------------------------------------------------- checking


def check_chain(*, full: bool = True, using: str = DEFAULT_DB_ALIAS) -> queries.ChainReport:
    """Verify the chain (the whole of it, or from where the last passed check ended) and keep the result for the
    auditor's page. A chain found broken stays reported broken: an incremental check starts only after a pass."""
    since = None if full else queries.last_passed_check(using)
    report = queries.verify_chain(full=full or since is None, since=since, using=using)
    first = report.first
    check = AuditCheck(
        at=report.at,
        full=report.full,
        ok=report.ok,
        checked_rows=report.checked_rows,
        up_to_seq=report.up_to_seq,
        up_to_row_id=report.up_to_row_id,
        unsealed=report.unsealed,
        problem=first.message[:300] if first else "",
        problem_row_id=first.row_id if first else None,
        problem_seq=first.seq if first else None,
    )
    check.mac = hashing.fields_mac("check", check.signed_fields())
    check.save(using=using)
    if not report.ok:
        log.error("audit chain check failed: %s", report.summary())
    AuditCheck.objects.using(using).filter(at__lt=timezone.now() - KEEP_CHECKS).delete()
    return report


def seal_and_check(using: str = DEFAULT_DB_ALIAS) -> dict:
    """The periodic round: seal what was written since, then check; the whole chain once a day
    (GRIDGOV_AUDIT_FULL_CHECK_HOURS), otherwise from where the last passed check ended."""
    sealed, error = 0, ""
    try:
        sealed = seal_chain(using=using)
    except ChainError as exc:
        error = str(exc)
        log.error("audit chain not sealed: %s", exc)
    last_full = AuditCheck.objects.using(using).filter(full=True).order_by("-at").values_list("at", flat=True).first()
    every = dt.timedelta(hours=settings.GRIDGOV_AUDIT_FULL_CHECK_HOURS)
    full = last_full is None or timezone.now() - last_full >= every
    report = check_chain(full=full, using=using)
    out = {"sealed": sealed, "full": report.full, "ok": report.ok and not error}
    if error or not report.ok:
        out["problem"] = error or report.summary()
    return out


# ---------------------------------------------------------------- pruning


@dataclass(frozen=True)
class PruneResult:
    deleted: int
    cutoff: dt.datetime
    base_seq: int


def retention_cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """The start of the local day ``days`` days ago: rows written before it may go."""
    if days < MIN_RETENTION_DAYS:
        raise ActionRefused(f"审计日志至少保留 {MIN_RETENTION_DAYS} 天，不能只保留 {days} 天")
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))


def prune_chain(*, days: int | None = None, using: str = DEFAULT_DB_ALIAS) -> PruneResult:
    """Delete the start of the chain, up to the first row written after the retention cutoff, and move the
    chain's base there (its last link), so the chain still verifies. Never a row younger than the cutoff, never
    a row not sealed yet; the database's trigger refuses rows younger than 183 days whatever asks. Audited."""
    days = settings.GRIDGOV_AUDIT_RETENTION_DAYS if days is None else days
    cutoff = retention_cutoff(days)
    connection = connections[using]
    delete = f"DELETE FROM {_table(connection)} WHERE seq > %s AND seq <= %s"
    deleted = 0
    while True:
        with transaction.atomic(using=using):
            head = _locked_head(using)
            end = min(head.base_seq + PRUNE_BATCH, head.sealed_seq)
            rows = AuditLog.objects.using(using).filter(seq__gt=head.base_seq, seq__lte=end)
            young = rows.filter(at__gte=cutoff).aggregate(first=Min("seq"))["first"]
            if young is not None:
                end = young - 1
            if end <= head.base_seq:
                break
            link = AuditLog.objects.using(using).filter(seq=end).values_list("chain_hash", flat=True).first()
            if link is None:
                raise ChainError(f"审计链第 {end} 行缺失，不能清理：请运行 manage.py verify_audit")
            with connection.cursor() as cursor:
                cursor.execute(delete, [head.base_seq, end])
                deleted += cursor.rowcount
            head.base_seq, head.base_hash = end, link
            _sign(head)
            head.save(using=using, update_fields=["base_seq", "base_hash", "mac"])
        if young is not None:
            break
    record(
        AuditAction.PRUNE,
        None,
        detail={"rows": deleted, "cutoff": cutoff.isoformat(), "retention_days": days, "base_seq": head.base_seq},
    )
    return PruneResult(deleted=deleted, cutoff=cutoff, base_seq=head.base_seq)
