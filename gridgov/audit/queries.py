"""Reading the audit log: its verification, the chain's state, and the auditor's list.

`verify_chain()` is the one check of the whole chain, for `manage.py verify_audit`, the periodic job, the
auditor's page and a restore drill: it reads only, and returns a `ChainReport`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from gridgov.audit import guard, hashing
from gridgov.audit.models import AuditChain, AuditCheck, AuditLog

CHUNK = 2000
_CONTENT = hashing.CONTENT_FIELDS
_READ = ("id", *_CONTENT, "row_hash", "seq", "prev_hash", "chain_hash")


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: what, and the first row it concerns (its id and chain position, where known)."""

    kind: str  # altered | missing | forged | replayed | head | guard
    message: str
    row_id: int | None = None
    seq: int | None = None


@dataclass
class ChainReport:
    """What a verification found. ``ok`` when nothing; ``problems`` name the first bad row of each kind."""

    full: bool
    checked_rows: int = 0
    up_to_seq: int = 0
    up_to_row_id: int | None = None
    unsealed: int = 0
    problems: list[Problem] = field(default_factory=list)
    at: dt.datetime = field(default_factory=timezone.now)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        if self.ok:
            return f"审计链完好：已校验 {self.checked_rows} 行，至链序号 {self.up_to_seq}（记录 #{self.up_to_row_id}）"
        return self.first.message


def head_is_genuine(head: AuditChain) -> bool:
    return head.mac == hashing.fields_mac("head", head.signed_fields())


def check_is_genuine(check: AuditCheck) -> bool:
    return check.mac == hashing.fields_mac("check", check.signed_fields())


def _digest(row: tuple) -> str:
    return hashing.row_hash(row[1 : 1 + len(_CONTENT)])


class _Walk:
    """The chain walked in seq order from a known link, row by row."""

    def __init__(self, report: ChainReport, seq: int, link: str, row_id: int | None) -> None:
        self.report, self.seq, self.link, self.row_id = report, seq, link, row_id

    def run(self, until_seq: int, using: str) -> bool:
        rows = AuditLog.objects.using(using).order_by("seq").values_list(*_READ)
        while self.seq < until_seq:
            chunk = list(rows.filter(seq__gt=self.seq, seq__lte=until_seq)[:CHUNK])
            if not chunk:
                break
            for row in chunk:
                if not self.step(row):
                    return False
        if self.seq < until_seq:
            after = f"记录 #{self.row_id} 之后" if self.row_id else "链首"
            message = f"链尾缺失：{after}第 {self.seq + 1}–{until_seq} 行不见了（被删除）"
            self.fail("missing", message, None, self.seq + 1)
            return False
        return True

    def step(self, row: tuple) -> bool:
        row_id, seq, prev, link = row[0], row[-3], row[-2], row[-1]
        if seq <= self.seq:
            self.fail("forged", f"记录 #{row_id} 占用了已有的链序号 {seq}：伪造的记录", row_id, seq)
            return False
        if seq != self.seq + 1:
            where = f"记录 #{self.row_id} 与 #{row_id} 之间" if self.row_id else f"记录 #{row_id} 之前"
            message = f"缺失记录：{where}的第 {self.seq + 1}–{seq - 1} 行不见了（被删除）"
            self.fail("missing", message, row_id, self.seq + 1)
            return False
        if prev != self.link:
            self.fail("missing", f"链接断开：记录 #{row_id}（第 {seq} 行）与前一行不相接", row_id, seq)
            return False
        if _digest(row) != row[-4]:
            self.fail("altered", f"记录 #{row_id}（第 {seq} 行）与其内容摘要不符：被修改或伪造", row_id, seq)
            return False
        if hashing.link_hash(seq, row_id, prev, row[-4]) != link:
            self.fail("altered", f"记录 #{row_id}（第 {seq} 行）的链接被修改", row_id, seq)
            return False
        self.seq, self.link, self.row_id = seq, link, row_id
        self.report.checked_rows += 1
        return True

    def fail(self, kind: str, message: str, row_id: int | None, seq: int | None) -> None:
        self.report.problems.append(Problem(kind, message, row_id, seq))


def _check_unsealed(report: ChainReport, using: str) -> None:
    """Rows not linked yet carry their content digest: a forged or altered one does not match it."""
    rows = AuditLog.objects.using(using).filter(seq__isnull=True).order_by("id").values_list(*_READ)
    last = 0
    while True:
        chunk = list(rows.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        for row in chunk:
            report.unsealed += 1
            if (row[-2], row[-1]) != (None, None) or _digest(row) != row[-4]:
                if not any(p.kind == "forged" for p in report.problems):
                    message = f"记录 #{row[0]}（尚未封存）与其内容摘要不符：伪造或被修改的记录"
                    report.problems.append(Problem("forged", message, row[0], None))
        last = chunk[-1][0]


def _check_beyond_head(report: ChainReport, head_seq: int, using: str) -> None:
    """A row placed in the chain past its head was not placed there by the sealing step."""
    beyond = AuditLog.objects.using(using).filter(seq__gt=head_seq).order_by("seq").values_list("id", "seq").first()
    if beyond is None:
        return
    current = AuditChain.objects.using(using).filter(name=AuditChain.MAIN).values_list("sealed_seq", flat=True).first()
    if current is not None and beyond[1] <= current:
        beyond = (
            AuditLog.objects.using(using).filter(seq__gt=current).order_by("seq").values_list("id", "seq").first()
        )  # sealed meanwhile: only rows past the head as it is now count
    if beyond is not None:
        message = f"记录 #{beyond[0]} 的链序号 {beyond[1]} 超出链头：不是封存步骤写入的（伪造）"
        report.problems.append(Problem("forged", message, beyond[0], beyond[1]))


def _check_replays(report: ChainReport, using: str) -> None:
    """Two rows with one digest: a copy of a real row inserted again (content includes the microsecond)."""
    twice = (
        AuditLog.objects.using(using)
        .values("row_hash")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
        .order_by("first")
        .first()
    )
    if twice is None:
        return
    copies = AuditLog.objects.using(using).filter(row_hash=twice["row_hash"]).order_by("id").values_list("id", "seq")
    original, copy = list(copies[:2])
    message = f"记录 #{copy[0]} 与记录 #{original[0]} 的内容完全相同：重放（伪造）的记录"
    report.problems.append(Problem("replayed", message, copy[0], copy[1]))


def verify_chain(*, full: bool = True, since: AuditCheck | None = None, using: str = DEFAULT_DB_ALIAS) -> ChainReport:
    """Check the audit chain and name the first broken, altered, missing or forged row.

    ``full`` walks the whole chain from its base and also looks for replayed rows; otherwise the walk starts at
    the row a passed check ``since`` ended on. Rows not yet sealed are always checked against their digest, and
    the guard triggers must be in place. Reads only; `gridgov.audit.actions.check_chain` stores the result.
    """
    report = ChainReport(full=full)
    head = AuditChain.objects.using(using).filter(name=AuditChain.MAIN).first()
    if head is None:
        head = AuditChain(name=AuditChain.MAIN, sealed_hash=hashing.GENESIS, base_hash=hashing.GENESIS)
        first_sealed = AuditLog.objects.using(using).filter(seq__isnull=False).order_by("seq").values("id").first()
        if first_sealed is not None:
            report.problems.append(Problem("head", "审计链头缺失（被删除）", first_sealed["id"], None))
    elif not head_is_genuine(head):
        report.problems.append(Problem("head", "审计链头与其摘要不符（被改写）"))
    if report.ok:
        start = (head.base_seq, head.base_hash, None)
        if not full and since is not None and since.ok and head.base_seq <= since.up_to_seq <= head.sealed_seq:
            row = AuditLog.objects.using(using).filter(seq=since.up_to_seq).values_list("chain_hash", "id").first()
            if row is not None:
                start = (since.up_to_seq, row[0], row[1])
        walk = _Walk(report, *start)
        if walk.run(head.sealed_seq, using) and walk.link != head.sealed_hash:
            walk.fail("head", "链尾与审计链头不符", walk.row_id, walk.seq)
        report.up_to_seq, report.up_to_row_id = walk.seq, walk.row_id
    _check_beyond_head(report, head.sealed_seq, using)
    _check_unsealed(report, using)
    if full:
        _check_replays(report, using)
    absent = guard.missing(connections[using])
    if absent:
        report.problems.append(Problem("guard", f"防篡改触发器缺失：{', '.join(absent)}"))
    return report


# ---------------------------------------------------------------- the chain's state, for the auditor's page


@dataclass(frozen=True)
class ChainState:
    last_check: AuditCheck | None
    check_genuine: bool
    unsealed: int
    sealed_seq: int


def chain_state(using: str = DEFAULT_DB_ALIAS) -> ChainState:
    check = AuditCheck.objects.using(using).order_by("-at", "-id").first()
    head = AuditChain.objects.using(using).filter(name=AuditChain.MAIN).first()
    return ChainState(
        last_check=check,
        check_genuine=check is not None and check_is_genuine(check),
        unsealed=AuditLog.objects.using(using).filter(seq__isnull=True).count(),
        sealed_seq=head.sealed_seq if head is not None else 0,
    )


def last_passed_check(using: str = DEFAULT_DB_ALIAS) -> AuditCheck | None:
    """The newest check, if it passed and is genuine: where an incremental check may start."""
    check = AuditCheck.objects.using(using).order_by("-at", "-id").first()
    return check if check is not None and check.ok and check_is_genuine(check) else None


# ---------------------------------------------------------------- the auditor's list


@dataclass(frozen=True)
class LogFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def as_dict(self) -> dict[str, str]:
        out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}
        return {k: v for k, v in out.items() if v}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def log_rows(filters: LogFilters = LogFilters()) -> QuerySet[AuditLog]:
    """Audit rows, newest first, narrowed by ``filters`` (dates are local days, both inclusive)."""
    rows = AuditLog.objects.order_by("-at", "-id")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.actor:
        rows = rows.filter(actor_name=filters.actor)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    if filters.since:
        rows = rows.filter(at__gte=_day_start(filters.since))
    if filters.until:
        rows = rows.filter(at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return rows
