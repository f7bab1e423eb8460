"""Batched write transactions (`core.writes.batched_writes`): on SQLite the INSERTs wait for the end of the
block and run under one short write lock; the outcome is the same as `transaction.atomic()`."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from gridgov.audit.models import AuditLog
from gridgov.core.writes import batched_writes, batching
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL has no single write lock")


def _county(code="520330", name="习水县"):
    return Place.objects.create(code=code, name=name, kind=PlaceKind.COUNTY)


def _audited(place):
    return AuditLog.objects.filter(object_type="places.place", object_id=str(place.pk), action="create").count()


def _in_transaction() -> bool:
    return connection.connection.in_transaction  # the sqlite3 connection: a real BEGIN was run


@sqlite_only
def test_inserts_wait_for_the_end_of_the_block_then_commit_together():
    connection.ensure_connection()
    with batched_writes():
        county = _county()
        town = Place.objects.create(code="520330113", name="寨坝镇", kind=PlaceKind.TOWN, parent=county)
        assert batching()
        assert not _in_transaction()  # no write lock taken yet
        assert county.pk is not None and town.pk == county.pk + 1 and town.parent_id == county.pk
        assert len(connection.batch) == 4  # two places, two audit rows
    assert not batching() and not _in_transaction()
    assert list(Place.objects.order_by("pk").values_list("code", "parent_id")) == [
        ("520330", None),
        ("520330113", county.pk),
    ]
    assert _audited(county) == 1 and _audited(town) == 1


@sqlite_only
def test_an_error_in_the_block_writes_nothing():
    with pytest.raises(RuntimeError), batched_writes():
        _county()
        raise RuntimeError("stop")
    assert not batching() and not _in_transaction()
    assert Place.objects.count() == 0 and AuditLog.objects.filter(object_type="places.place").count() == 0


@sqlite_only
def test_a_failing_insert_at_commit_rolls_back_the_whole_batch():
    _county()
    with pytest.raises(IntegrityError), batched_writes():
        _county(code="520381", name="赤水市")
        _county(name="重复的县")  # same code: refused only when the batch runs
    assert not _in_transaction()
    assert list(Place.objects.values_list("code", "name")) == [("520330", "习水县")]
    assert AuditLog.objects.filter(object_type="places.place", action="create").count() == 1


@sqlite_only
def test_on_commit_callbacks_run_after_the_rows_are_committed():
    seen = []
    with batched_writes():
        county = _county()
        transaction.on_commit(lambda: seen.append(Place.objects.filter(pk=county.pk).exists()))
        assert seen == []
    assert seen == [True]


@sqlite_only
def test_reads_before_the_first_write_run_at_once_and_later_reads_run_the_batch_first():
    _county()
    with batched_writes():
        county = Place.objects.get(code="520330")  # nothing recorded yet: read outside any transaction
        assert not _in_transaction() and batching()
        town = Place.objects.create(code="520330113", name="寨坝镇", kind=PlaceKind.TOWN, parent=county)
        assert not _in_transaction()
        assert Place.objects.filter(pk=town.pk).exists()  # sees its own write: the batch ran first
        assert _in_transaction() and not batching()
    assert not _in_transaction()
    assert Place.objects.count() == 2 and AuditLog.objects.filter(object_type="places.place").count() == 2


@sqlite_only
def test_an_insert_failing_when_the_batch_runs_early_leaves_nothing_to_commit():
    _county()
    with batched_writes():
        _county(code="520381", name="赤水市")
        _county(name="重复的县")  # same code: fails when the batch runs
        with pytest.raises(IntegrityError):  # the caller catches it...
            with transaction.atomic():  # ...where the savepoint ran the batch
                pass
        assert connection.needs_rollback
    assert not _in_transaction()
    assert list(Place.objects.values_list("code", flat=True)) == ["520330"]  # 赤水市 was not committed


@sqlite_only
def test_an_update_runs_the_batch_first_and_the_result_is_the_same():
    with batched_writes():
        county = _county()
        county.name = "习水县（改）"
        county.save(update_fields=["name", "updated_at"])
        assert _in_transaction()
    assert Place.objects.get(pk=county.pk).name == "习水县（改）"
    place_rows = AuditLog.objects.filter(object_type="places.place").order_by("id")
    assert list(place_rows.values_list("action", flat=True)) == ["create", "update"]


@sqlite_only
def test_ids_taken_for_a_batch_are_never_handed_out_again_and_follow_the_order_of_writing():
    connection.ensure_connection()
    connection._ids.clear()  # no burst going on: the first id is reserved alone
    with batched_writes():
        first = _county()
    later = _county(code="520381", name="赤水市")  # an ordinary insert
    batched = []
    for n in range(5):  # a burst: blocks of 2, then 4 ids
        with batched_writes():
            batched.append(_county(code=f"52039{n}", name=f"县{n}").pk)
    assert first.pk < later.pk < batched[0]
    assert batched == list(range(batched[0], batched[0] + 5))
    assert Place.objects.count() == 7 and len({first.pk, later.pk, *batched}) == 7


def test_inside_another_transaction_it_is_an_ordinary_atomic_block():
    with transaction.atomic():
        with batched_writes():
            county = _county()
            assert not batching()
        assert Place.objects.filter(pk=county.pk).exists()
    assert Place.objects.count() == 1


def test_callable_choices_are_read_anew():
    field = Place._meta.get_field("kind")
    place = Place(code="520330", name="习水县", kind=PlaceKind.COUNTY)
    assert place.get_kind_display() == "县/区"
    original = field.choices
    labels = {"county": "县"}
    try:
        field.choices = lambda: list(labels.items())
        assert place.get_kind_display() == "县"
        labels["county"] = "区"
        assert place.get_kind_display() == "区"
    finally:
        field.choices = original
    assert place.get_kind_display() == "县/区"


def test_choice_labels_follow_the_language_of_the_moment():
    place = Place(code="520330", name="习水县", kind=PlaceKind.COUNTY)
    with translation.override("zh-hans"):
        chinese = place.get_kind_display()
    with translation.override("en"):
        english = place.get_kind_display()
    assert chinese == "县/区" and english == "County/district"
    place.kind = "not-a-kind"
    assert place.get_kind_display() == "not-a-kind"
