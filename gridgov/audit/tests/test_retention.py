"""Audit rows are kept at least 183 days: pruning removes only older rows, from the start of the chain, and
leaves a chain that still verifies; the database refuses deleting younger rows whoever asks."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gridgov.audit import guard, hashing
from gridgov.audit.actions import prune_chain, retention_cutoff, seal_chain
from gridgov.audit.models import AuditChain, AuditLog
from gridgov.audit.queries import verify_chain
from gridgov.core.actions import ActionRefused

DAY = dt.timedelta(days=1)


def written(days_ago: float, name: str) -> AuditLog:
    """A login row written ``days_ago`` days ago, digest and all, as the application wrote it then."""
    values = (
        timezone.now() - days_ago * DAY, "login", 7, name, "10.0.0.1", "r", "web", "", "", "", None, None, None,
    )  # fmt: skip
    row = AuditLog(**dict(zip(hashing.CONTENT_FIELDS, values, strict=True)), row_hash=hashing.row_hash(values))
    row.save(force_insert=True)
    return row


@pytest.fixture
def history(db):
    """Rows of 400, 300 and 200 days ago, one of 184 days, then 100 days and today: all sealed."""
    rows = [written(d, f"u{d}") for d in (400, 300, 200, 184, 100, 0)]
    assert seal_chain() == 6
    return rows


def test_pruning_removes_rows_past_retention_and_the_rest_still_verifies(history):
    result = prune_chain()  # the default: 183 days
    assert result.deleted == 4
    assert list(AuditLog.objects.exclude(action="prune").order_by("seq").values_list("actor_name", "seq")) == [
        ("u100", 5),
        ("u0", 6),
    ]
    head = AuditChain.objects.get()
    assert (head.base_seq, head.base_hash) == (4, _links(history)[3])  # the last pruned row's link
    prune = AuditLog.objects.get(action="prune")
    assert prune.detail == {"rows": 4, "cutoff": result.cutoff.isoformat(), "retention_days": 183, "base_seq": 4}
    seal_chain()
    report = verify_chain()
    assert report.ok and report.checked_rows == 3  # two kept rows and the pruning's own row


def _links(rows) -> list[str]:
    """The chain links of ``rows`` sealed in this order from the start."""
    links, link = [], hashing.GENESIS
    for seq, row in enumerate(rows, start=1):
        link = hashing.link_hash(seq, row.pk, link, row.row_hash)
        links.append(link)
    return links


def test_pruning_with_a_longer_retention_keeps_more(history):
    assert prune_chain(days=250).deleted == 2
    assert sorted(AuditLog.objects.exclude(action="prune").values_list("actor_name", flat=True)) == [
        "u0", "u100", "u184", "u200",
    ]  # fmt: skip
    assert verify_chain().ok


def test_pruning_stops_at_the_first_young_row_in_the_chain(db):
    """A row written late in the chain's order (a slow transaction) keeps everything after it: only a prefix goes."""
    rows = [written(d, f"u{d}") for d in (400, 10, 300, 0)]
    seal_chain()
    assert prune_chain().deleted == 1
    kept = AuditLog.objects.exclude(action="prune").order_by("seq").values_list("pk", flat=True)
    assert list(kept) == [rows[1].pk, rows[2].pk, rows[3].pk]
    assert verify_chain().ok


def test_fewer_than_183_days_are_refused_and_nothing_is_deleted(history):
    with pytest.raises(ActionRefused, match="至少保留 183 天"):
        prune_chain(days=182)
    with pytest.raises(CommandError, match="审计日志至少保留 183 天，不能只保留 30 天"):
        call_command("prune_audit", "--days", "30", stdout=io.StringIO())
    assert AuditLog.objects.count() == 6 and AuditChain.objects.get().base_seq == 0


def test_the_command_prunes_and_says_what_it_did(history):
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    cutoff = retention_cutoff(183)
    assert out.getvalue() == f"已删除 4 行（{cutoff:%Y-%m-%d} 之前），审计链自第 5 行起\n"
    assert AuditLog.objects.get(action="prune").actor_name == "prune_audit"


def test_the_database_refuses_deleting_young_rows_but_a_deletion_of_old_ones_behind_prune_is_named(history):
    young = history[4]  # 100 days
    with pytest.raises(DatabaseError, match="审计日志须保留183天"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditlog WHERE id = %s", [young.pk])
    assert AuditLog.objects.filter(pk=young.pk).exists()
    # An old row is past the legal minimum: the trigger lets it go, but only pruning moves the chain's base.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditlog WHERE id = %s", [history[1].pk])
    first = verify_chain().first
    assert (first.kind, first.row_id, first.seq) == ("missing", history[2].pk, 2)
    assert guard.missing(connection) == []
