"""The import pages: upload, progress, results, error workbook, list; all limited to the user's scope."""

import re
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.core.menu import menu_for
from gridgov.households.models import Resident
from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus
from gridgov.registers.excel import HEADERS
from gridgov.registers.models import RegisterImport
from gridgov.registers.tests.workbooks import read_sheet, register_rows, workbook

# Queries every signed-in request makes around the view (session, account, token, savepoints of a
# session save): not the page's own, and changed by middleware.
REQUEST_OVERHEAD = ('"django_session"', 'FROM "accounts_user"', '"accounts_apitoken"', "SAVEPOINT")


@contextmanager
def assert_page_queries(expected: int):
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    own = [q["sql"] for q in ctx.captured_queries if not any(mark in q["sql"] for mark in REQUEST_OVERHEAD)]
    assert len(own) == expected, f"expected {expected} queries of the page, got {len(own)}:\n" + "\n".join(own)


def upload(client, data: bytes, name: str = "桂园村.xlsx"):
    return client.post("/registers/", {"file": SimpleUploadedFile(name, data)})


def rejected_import(user) -> RegisterImport:
    rows = register_rows(4)
    rows[1]["身份证号"] = "520330195001011111"
    data = workbook(rows)
    return actions.run_import(actions.create_import(user, filename="bad.xlsx", data=data), data)


def test_upload_imports_and_shows_the_result(world, login):
    client = login(world.town_staff)

    response = upload(client, workbook(register_rows(12)))

    register_import = RegisterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registers/imports/{register_import.pk}/"
    assert (register_import.status, register_import.uploaded_by, register_import.path) == (
        ImportStatus.IMPORTED,
        world.town_staff,
        world.town.code,
    )
    assert register_import.filename == "桂园村.xlsx"
    page = client.get(response["Location"]).content.decode()
    assert "新增 3 户、12 人；已存在 0 人未改动。" in page
    assert f'hx-get="/registers/imports/{register_import.pk}/progress/"' not in page  # finished: no more polling


def test_running_import_page_polls_for_progress(world, login):
    register_import = actions.create_import(world.town_staff, filename="r.xlsx", data=workbook(register_rows(4)))
    RegisterImport.objects.filter(pk=register_import.pk).update(total_rows=1000, processed_rows=250)
    client = login(world.town_staff)

    page = client.get(f"/registers/imports/{register_import.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()

    assert f'hx-get="/registers/imports/{register_import.pk}/progress/" hx-trigger="every 1s"' in page
    assert 'aria-valuenow="25"' in page and '<progress class="progress" max="100" value="25"' in page
    assert "已校验 250 / 1000 行" in page


def test_rejected_import_offers_its_error_workbook(world, login):
    register_import = rejected_import(world.town_staff)
    client = login(world.town_staff)

    page = client.get(f"/registers/imports/{register_import.pk}/").content.decode()
    response = client.get(f"/registers/imports/{register_import.pk}/errors/")

    assert "1 行有错误，整个文件未导入" in page
    assert f'href="/registers/imports/{register_import.pk}/errors/"' in page
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_sheet(response.content)
    assert [row[0] for row in rows[1:]] == ["3"]


@pytest.mark.parametrize("suffix", ["", "progress/", "errors/"])
def test_grid_worker_cannot_see_another_scopes_import(world, login, suffix):
    register_import = rejected_import(world.town_staff)
    client = login(world.grid_worker_b)

    response = client.get(f"/registers/imports/{register_import.pk}/{suffix}")

    assert response.status_code == 404
    assert b"bad.xlsx" not in response.content
    assert b"T00000" not in response.content


def test_grid_worker_lists_only_imports_in_their_scope(world, login):
    rejected_import(world.town_staff)
    own = rejected_import(world.grid_worker_b)
    client = login(world.grid_worker_b)

    page = client.get("/registers/imports/").content.decode()

    assert re.findall(r'href="/registers/imports/(\d+)/"', page) == [str(own.pk)]


def test_import_list_query_count_is_fixed(world, login):
    for _ in range(3):
        rejected_import(world.town_staff)
    client = login(world.town_staff)

    with assert_page_queries(1):  # the imports, joined with place and uploader
        response = client.get("/registers/imports/")
    assert len(re.findall(r'href="/registers/imports/(\d+)/"', response.content.decode())) == 3


def test_import_detail_query_count_is_fixed(world, login):
    register_import = rejected_import(world.town_staff)
    client = login(world.town_staff)

    with assert_page_queries(1):
        response = client.get(f"/registers/imports/{register_import.pk}/")
    assert response.status_code == 200


def test_blank_template_has_the_headers_and_no_rows(world, login):
    client = login(world.grid_worker_a)

    response = client.get("/registers/template/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert read_sheet(response.content) == [list(HEADERS)]


def test_template_round_trips_through_the_importer(world, login):
    client = login(world.town_staff)
    template = client.get("/registers/template/").content

    response = upload(client, template, "模板.xlsx")

    assert response.status_code == 302
    assert RegisterImport.objects.get().message == "表中没有数据行"
    assert Resident.objects.count() == 2


def test_menu_has_the_register_entries(world):
    def labels(user):
        return {link.label for link in menu_for(user).links()}

    assert {"导入户籍", "导出户籍", "导入记录"} <= labels(world.grid_worker_a)
    assert not {"导入户籍", "导出户籍", "导入记录"} & labels(world.auditor)
    assert not {"导入户籍", "导出户籍", "导入记录"} & labels(world.cluster_leader_a1)


def test_household_cluster_leaders_get_404_on_register_pages_and_cannot_import(world, login):
    client = login(world.cluster_leader_a1)
    for url in ("/registers/", "/registers/imports/", "/registers/export/", "/registers/template/"):
        assert client.get(url).status_code == 404
    assert client.post("/registers/", {}).status_code == 404
    with pytest.raises(actions.ActionRefused, match="您的账号不能导入户籍"):
        actions.create_import(world.cluster_leader_a1, filename="r.xlsx", data=workbook(register_rows(1)))
    assert RegisterImport.objects.count() == 0


def test_administrators_get_404_on_register_pages(world, login):
    client = login(world.system_admin)
    for url in ("/registers/", "/registers/imports/", "/registers/export/", "/registers/template/"):
        assert client.get(url).status_code == 404
