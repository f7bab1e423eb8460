"""Possible duplicates at intake, merging, and Chinese full-text search (two-character words) on both engines."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.matters import actions, queries
from gridgov.matters.fts import FTS_TABLE, ensure_search_index
from gridgov.matters.models import Matter, MatterConfig
from gridgov.matters.search import bigram_tokens, fts5_query, query_terms, tsquery
from gridgov.matters.tests.helpers import ANONYMOUS, record

# ---------------------------------------------------------------- duplicates


def test_same_household_and_category_within_the_window_is_flagged(engine):
    first = record(engine.grid_worker_a, title="地界纠纷")
    again = record(engine.cluster_leader_a1, title="又说地界的事")
    other_category = record(engine.grid_worker_a, code="dispute.neighbour", title="邻里口角")
    other_household = record(engine.grid_worker_b, household=engine.household_b, title="地界纠纷")
    assert [m.possible_duplicate for m in (first, again, other_category, other_household)] == [
        False,
        True,
        False,
        False,
    ]
    assert again.events.get().data == {"accepted": False, "possible_duplicate": True}


def test_the_window_is_configurable(engine, settings):
    first = record(engine.grid_worker_a)
    Matter.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert record(engine.grid_worker_a).possible_duplicate is False  # default 30 days
    Matter.objects.exclude(pk=first.pk).delete()
    settings.GRIDGOV_DUPLICATE_WINDOW_DAYS = 45
    assert record(engine.grid_worker_a).possible_duplicate is True
    Matter.objects.exclude(pk=first.pk).delete()
    MatterConfig.objects.create(pk=1, duplicate_window_days=7)  # the administrators' setting wins
    assert record(engine.grid_worker_a).possible_duplicate is False


def test_merging_closes_the_repeat_and_points_to_the_original(engine):
    original = record(engine.grid_worker_a, title="地界纠纷")
    repeat = record(engine.grid_worker_a, title="地界纠纷（重复）")
    actions.merge_as_duplicate(engine.grid_worker_a, repeat, original, note="同一纠纷")
    repeat.refresh_from_db()
    assert (repeat.state, repeat.is_open, repeat.duplicate_of) == ("merged", False, original)
    assert list(queries.work_queue(engine.grid_worker_a)) == [original]
    assert record(engine.grid_worker_a).possible_duplicate is True  # the original still counts


def test_merging_into_a_matter_out_of_scope_is_refused(engine):
    theirs = record(engine.grid_worker_b, household=engine.household_b)
    mine = record(engine.grid_worker_a)
    with pytest.raises(actions.ActionRefused, match="原事项不在您的管辖范围内"):
        actions.merge_as_duplicate(engine.grid_worker_a, mine, theirs)
    assert Matter.objects.get(pk=mine.pk).state == "in_progress"


# ---------------------------------------------------------------- search


def test_bigram_tokens():
    assert bigram_tokens("厨房漏水，Water leak 2号楼") == "厨房 房漏 漏水 水 water leak 2 号楼 楼"
    assert bigram_tokens("纠纷纠纷") == "纠纷 纷纠 纷"
    assert bigram_tokens("ＡＢＣ１２３") == "abc123"  # full-width folded
    assert query_terms("土地纠纷 水") == (["土地", "地纠", "纠纷"], ["水"])
    assert fts5_query('纠纷" OR x') == '"纠纷" AND "or" AND "x"'
    assert tsquery("漏水 水") == "'漏水' & '水':*"
    assert fts5_query("，。！") == ""


@pytest.fixture
def corpus(engine):
    w = engine
    made = {
        "land": record(w.grid_worker_a, title="王家与母家土地纠纷", description="承包地地界不清"),
        "leak": record(
            w.grid_worker_a,
            code="appeal.infrastructure",
            title="自来水管漏水",
            description="厨房墙内管道漏水，请求维修",
            reporter=ANONYMOUS,
        ),
        "neighbour": record(w.grid_worker_b, household=w.household_b, title="邻里纠纷", description="因排水起争执"),
        "fraud": record(w.grid_worker_a, code="hazard.public_security.telecom_fraud", title="冒充客服电信诈骗"),
    }
    return made


def ids(qs):
    return sorted(m.title for m in qs)


def test_two_character_words_are_found(engine, corpus):
    assert ids(queries.search(engine.town_staff, "纠纷")) == ["王家与母家土地纠纷", "邻里纠纷"]
    assert ids(queries.search(engine.town_staff, "漏水")) == ["自来水管漏水"]
    assert ids(queries.search(engine.town_staff, "地界")) == ["王家与母家土地纠纷"]  # in the description
    assert ids(queries.search(engine.town_staff, "诈骗")) == ["冒充客服电信诈骗"]


def test_longer_phrases_and_several_words_must_all_match(engine, corpus):
    assert ids(queries.search(engine.town_staff, "土地纠纷")) == ["王家与母家土地纠纷"]
    assert ids(queries.search(engine.town_staff, "邻里 排水")) == ["邻里纠纷"]
    assert ids(queries.search(engine.town_staff, "邻里 漏水")) == []
    assert ids(queries.search(engine.town_staff, "纠纷地")) == []  # bigram 纷地 is in no document


def test_one_character_is_a_prefix_search(engine, corpus):
    assert ids(queries.search(engine.town_staff, "水")) == ["自来水管漏水", "邻里纠纷"]


def test_search_stays_in_scope(engine, corpus):
    assert ids(queries.search(engine.grid_worker_a, "纠纷")) == ["王家与母家土地纠纷"]
    assert ids(queries.search(engine.grid_worker_b, "纠纷")) == ["邻里纠纷"]
    assert ids(queries.search(engine.auditor, "纠纷")) == []
    assert ids(queries.search(engine.department_liaison, "纠纷")) == []


def test_newest_first_and_nothing_for_punctuation(engine, corpus):
    assert [m.pk for m in queries.search(engine.town_staff, "纠纷")] == [corpus["neighbour"].pk, corpus["land"].pk]
    assert list(queries.search(engine.town_staff, "！？")) == []


def test_bulk_inserted_and_deleted_rows_are_indexed(engine, corpus):
    clone = Matter.objects.get(pk=corpus["leak"].pk)
    clone.pk = None
    clone.title = "屋顶漏雨"
    clone.refresh_search_text()
    Matter.objects.bulk_create([clone])
    assert ids(queries.search(engine.town_staff, "漏雨")) == ["屋顶漏雨"]
    Matter.objects.filter(title="屋顶漏雨").delete()
    assert ids(queries.search(engine.town_staff, "漏雨")) == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")
def test_sqlite_triggers_dropped_by_a_table_rebuild_are_restored(engine, corpus):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER matters_matter_fts_ai")
    record(engine.grid_worker_a, title="失修的桥梁", code="hazard.safety.road_traffic")
    assert ensure_search_index(connection) is True
    assert ensure_search_index(connection) is False
    assert ids(queries.search(engine.town_staff, "桥梁")) == ["失修的桥梁"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", ['"纠纷"'])
        assert cursor.fetchone()[0] == 2


def test_the_search_predicate_uses_the_full_text_index(engine, corpus):
    qs = Matter.objects.filter(queries.search_predicate("纠纷"))
    assert ids(qs) == ["王家与母家土地纠纷", "邻里纠纷"]
    if connection.vendor == "sqlite":
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in qs.explain()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_indexscan = off")  # a tiny table; a GIN index is read by bitmap scan
            plan = qs.order_by().explain()
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
        assert "matter_search_gin_idx" in plan


@pytest.mark.parametrize("scan_cap", [5000, 0])  # 0: every view counts as large (the FTS walk on SQLite)
def test_both_search_strategies_agree_and_page_newest_first(engine, corpus, monkeypatch, scan_cap):
    monkeypatch.setattr(queries, "SCAN_CAP", scan_cap)
    more = [record(engine.grid_worker_a, title=f"第{i}起邻里纠纷", reporter=ANONYMOUS) for i in range(3)]
    newest = [more[2].pk, more[1].pk, more[0].pk, corpus["neighbour"].pk, corpus["land"].pk]
    assert [m.pk for m in queries.search(engine.town_staff, "纠纷")] == newest
    assert [m.pk for m in queries.search(engine.town_staff, "纠纷", limit=2)] == newest[:2]
    assert [m.pk for m in queries.search(engine.town_staff, "纠纷", limit=2, before_id=newest[1])] == newest[2:4]
    assert [m.pk for m in queries.search(engine.grid_worker_a, "纠纷")] == [*newest[:3], corpus["land"].pk]
    assert [m.pk for m in queries.search(engine.town_staff, "水")] == [corpus["neighbour"].pk, corpus["leak"].pk]
    assert [m.pk for m in queries.search(engine.cluster_leader_a1, "纠纷")] == []
    assert [m.pk for m in queries.search(engine.auditor, "纠纷")] == []


def test_search_is_two_queries_whatever_the_view(engine, corpus, django_assert_max_num_queries):
    user = User.objects.select_related("place").get(pk=engine.town_staff.pk)
    with django_assert_max_num_queries(3):
        assert len(list(queries.search(user, "纠纷"))) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL index")
def test_postgresql_expression_index_of_the_first_version_is_replaced(engine, corpus):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER TABLE
        cursor.execute("DROP INDEX matter_search_gin_idx")
        cursor.execute("ALTER TABLE matters_matter DROP COLUMN search_vector")
        cursor.execute(
            "CREATE INDEX matter_search_gin_idx ON matters_matter USING gin (to_tsvector('simple', search_text))"
        )
    assert ensure_search_index(connection) is True
    assert ensure_search_index(connection) is False
    assert ids(queries.search(engine.town_staff, "纠纷")) == ["王家与母家土地纠纷", "邻里纠纷"]
