"""The ledgers page and its exports on the web: scope, totals against raw counts, paging, the export job with its
progress and its one audit event, and no trace of the key-population ledger without the grant."""

import re

import pytest
from django.test import Client

from gridgov.audit.models import AuditLog
from gridgov.ledgers import actions
from gridgov.ledgers.books import LedgerFilters
from gridgov.ledgers.choices import ExportStatus
from gridgov.ledgers.models import LedgerExport
from gridgov.ledgers.tests.helpers import cells, visit
from gridgov.visits.models import Visit

TOWN = "520330113"


def rows_on(html: str) -> int:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr>", body)) - ("没有符合条件的记录" in body)


def total_on(html: str) -> int:
    return int(re.search(r'id="ledger-total">共 ([\d,]+) 条记录', html).group(1).replace(",", ""))


@pytest.fixture
def visits(world):
    """Three visits in grid A, two in grid B."""
    return [visit(world.grid_worker_a, world.household_a, n, findings=f"第{n}次") for n in (9, 5, 2)] + [
        visit(world.grid_worker_b, world.household_b, n) for n in (7, 3)
    ]


def test_grid_worker_sees_only_their_grid_with_the_raw_total(world, visits, login):
    html = login(world.grid_worker_a).get("/ledgers/").content.decode()
    assert total_on(html) == Visit.objects.filter(path__startswith=world.grid_a.code).count() == 3
    assert rows_on(html) == 3
    assert "H-A-001" in html and "H-B-001" not in html
    assert "138****8000" in html and "13812348000" not in html
    html = login(world.town_staff, Client()).get("/ledgers/visit/").content.decode()
    assert total_on(html) == Visit.objects.filter(path__startswith=TOWN).count() == 5
    html = login(world.town_staff, Client()).get(f"/ledgers/visit/?place={world.grid_b.code}").content.decode()
    assert total_on(html) == 2 and "H-A-001" not in html


def test_out_of_scope_place_is_404_and_writes_nothing(world, visits, login):
    client = login(world.grid_worker_a)
    audits, exports = AuditLog.objects.count(), LedgerExport.objects.count()
    assert client.get(f"/ledgers/visit/?place={world.grid_b.code}").status_code == 404
    assert client.get(f"/ledgers/visit/?place={TOWN}").status_code == 404  # above the worker's grid
    assert client.post("/ledgers/visit/export/", {"place": world.grid_b.code}).status_code == 404
    assert client.post("/ledgers/visit/export/", {"place": "999999"}).status_code == 404
    assert client.get("/ledgers/nosuch/").status_code == 404
    assert client.post("/ledgers/nosuch/export/", {"place": world.grid_a.code}).status_code == 404
    assert client.get("/ledgers/visit/export/").status_code == 405
    assert (AuditLog.objects.count(), LedgerExport.objects.count()) == (audits, exports)


def test_export_from_the_page_is_one_audited_masked_file(world, visits, login):
    client = login(world.grid_worker_a)
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post("/ledgers/visit/export/", {"place": world.grid_a.code, "state": "found"})
    job = LedgerExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ledgers/exports/{job.pk}/"
    assert (job.status, job.total_rows, job.processed_rows, job.path) == (ExportStatus.DONE, 3, 3, world.grid_a.code)
    assert job.filters == {"place": world.grid_a.code, "state": "found"}
    log = AuditLog.objects.filter(pk__gt=last).get()  # exactly one audit row for the whole export
    assert (log.action, log.object_type, log.object_id) == ("export", "places.place", str(world.grid_a.pk))
    assert log.detail == {
        "ledger": "visit", "rows": 3, "masked": True, "format": "xlsx",
        "filters": {"place": world.grid_a.code, "state": "found"},
    }  # fmt: skip
    page = client.get(f"/ledgers/exports/{job.pk}/").content.decode()
    assert "共导出 3 条" in page and f'href="/ledgers/exports/{job.pk}/download/"' in page
    assert "走访结果" in page and "有发现问题" in page
    download = client.get(f"/ledgers/exports/{job.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    sheet = cells(download.content)
    assert sheet[0][0] == "桂园村第1网格走访信息台账"
    assert [r[11] for r in sheet[2:]] == ["第9次", "第5次", "第2次"]
    assert [r[6] for r in sheet[2:]] == ["138****8000"] * 3
    assert AuditLog.objects.filter(pk__gt=last).count() == 1  # the download itself is not a second export


def test_another_users_export_is_404(world, visits, login):
    job = actions.create_export(world.town_staff, "visit", LedgerFilters())
    actions.run_export(job)
    assert login(world.town_staff).get(f"/ledgers/exports/{job.pk}/download/").status_code == 200
    other = login(world.grid_worker_a, Client())
    for url in ("", "progress/", "download/"):
        assert other.get(f"/ledgers/exports/{job.pk}/{url}").status_code == 404


def test_running_export_shows_its_progress_bar(world, visits, login):
    job = actions.create_export(world.town_staff, "visit", LedgerFilters())
    LedgerExport.objects.filter(pk=job.pk).update(total_rows=1000, processed_rows=250)
    html = login(world.town_staff).get(f"/ledgers/exports/{job.pk}/progress/").content.decode()
    assert 'aria-valuenow="25"' in html and '<progress class="progress" max="100" value="25"' in html
    assert "已写入 250 / 1000 条" in html
    assert f'hx-get="/ledgers/exports/{job.pk}/progress/"' in html  # polled until done
    assert "download" not in html


def test_old_files_are_dropped_but_the_record_stays(world, visits):
    from django.utils import timezone

    job = actions.run_export(actions.create_export(world.town_staff, "visit", LedgerFilters()))
    assert job.size > 0
    assert actions.drop_old_files(timezone.now()) == 0
    assert actions.drop_old_files(timezone.now() + actions.KEEP_FILES + actions.dt.timedelta(minutes=1)) == 1
    job.refresh_from_db()
    assert (job.content, job.size, job.status) == (None, 0, ExportStatus.DONE)


def test_page_shows_at_most_50_rows_and_pages_through_all(world, login):
    for n in range(57):
        visit(world.grid_worker_a, world.household_a, 1 + n % 300)
    client = login(world.grid_worker_a)
    first = client.get("/ledgers/visit/").content.decode()
    second = client.get("/ledgers/visit/?page=2").content.decode()
    assert (rows_on(first), rows_on(second), total_on(first)) == (50, 7, 57)
    assert 'href="?page=2"' in first and "第 51–57 条" in second
    assert rows_on(client.get("/ledgers/visit/?page=99").content.decode()) == 7  # past the end: the last page


def test_key_population_ledger_only_for_holders(world, officer, drug_users, enlist, login):
    enlist(world.resident_a, drug_users, "red")
    client = login(world.town_staff)
    page = client.get("/ledgers/").content.decode()
    assert "重点人群" not in page and "key_person" not in page
    audits = AuditLog.objects.count()
    assert client.get("/ledgers/key_person/").status_code == 404
    assert client.post("/ledgers/key_person/export/", {"place": TOWN}).status_code == 404
    assert (AuditLog.objects.count(), LedgerExport.objects.count()) == (audits, 0)

    holder = login(officer, Client())
    page = holder.get("/ledgers/").content.decode()
    assert 'href="/ledgers/key_person/"' in page
    page = holder.get("/ledgers/key_person/").content.decode()
    assert total_on(page) == 1 and "520330********1232" in page and "520330198005171232" not in page
    job_url = holder.post("/ledgers/key_person/export/", {"place": TOWN})["Location"]
    assert cells(holder.get(job_url + "download/").content)[2][3] == "520330********1232"
    officer.may_view_key_population = False  # the grant withdrawn: the export is not there any more
    officer.save(update_fields=["may_view_key_population"])
    assert holder.get(job_url).status_code == 404
    assert holder.get(job_url + "download/").status_code == 404


def test_menu_has_the_ledgers_entry(world, login):
    assert 'href="/ledgers/"' in login(world.grid_worker_a).get("/", follow=True).content.decode()


def test_more_rows_than_a_sheet_holds_is_refused_with_the_reason(world, visits, login, monkeypatch):
    monkeypatch.setattr(actions, "MAX_ROWS", 4)
    client = login(world.town_staff)
    assert "超过 Excel 单表上限" in client.get("/ledgers/visit/").content.decode()
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    page = client.post("/ledgers/visit/export/", {"place": TOWN}, follow=True).content.decode()
    job = LedgerExport.objects.get()
    assert (job.status, job.content) == (ExportStatus.FAILED, None)
    assert job.message == "共 5 条，超过 Excel 单个工作表的上限（4 条），请缩小地域范围或时间段后分次导出"
    assert job.message in page and "下载 Excel" not in page
    assert not AuditLog.objects.filter(pk__gt=last).exists()  # nothing was exported


def test_page_queries_do_not_grow_with_its_rows(world, officer, drug_users, enlist, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.ledgers.tests.helpers import matter_from_visit, patrol, team

    patrol_team = team(world)
    client = login(officer)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for i in range(n):
            made = visit(world.grid_worker_a, world.household_a, 1 + i, findings="漏水")
            matter_from_visit(world.grid_worker_a, made, title=f"漏水{i}")
            patrol(world.town_staff, patrol_team, [world.grid_a, world.grid_c], 1 + i, members=patrol_team.member_list)
        enlist([world.resident_a, world.resident_b][n % 2], drug_users, "red")

    add(1)
    few = {url: queries(url) for url in ("/ledgers/visit/", "/ledgers/patrol/", "/ledgers/key_person/")}
    add(12)
    assert {url: queries(url) for url in few} == few


def test_the_page_and_the_export_read_from_a_replica_where_there_is_one(world, visits, monkeypatch):
    """The ledger page is marked for replica reads, and the export job writes its workbook inside a replica
    context (its progress and the file go to the primary through the router's writes)."""
    from gridgov.core import replicas
    from gridgov.ledgers.views import ledger

    assert replicas.marked(ledger)
    seen = []
    write_ledger = actions.write_ledger

    def spying(*args, **kwargs):
        seen.append(replicas.current_alias())
        return write_ledger(*args, **kwargs)

    monkeypatch.setattr(actions, "write_ledger", spying)
    monkeypatch.setattr(replicas, "pick_replica", lambda: "default")  # the alias a replica would have
    job = actions.run_export(actions.create_export(world.town_staff, "visit", LedgerFilters()))
    assert seen == ["default"]
    assert (job.status, job.total_rows) == (ExportStatus.DONE, 5)
    assert replicas.current_alias() is None  # the context ends with the export
