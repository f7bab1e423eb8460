"""The auditor sees who did what to which record, when and from where, but no business content: no matter
description, visit finding, resident name or key-person detail, on the page or in the assessor's export; titles,
actors, times, IPs and record ids are there, as a readable diff."""

import io
import re

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditLog
from gridgov.audit.tests.conftest import SECRETS, TITLE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def all_pages(client, query: str = "") -> str:
    first = client.get(f"/audit/?{query}")
    assert first.status_code == 200
    pages = first.context["page"].paginator.num_pages
    html = [first.content.decode()]
    html += [client.get(f"/audit/?{query}&page={n}").content.decode() for n in range(2, pages + 1)]
    return "\n".join(html)


def workbook_rows(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("审计日志").to_python()


def workbook_text(data: bytes) -> str:
    return "\n".join("|".join("" if v is None else str(v) for v in row) for row in workbook_rows(data))


def assert_no_business_content(text: str) -> None:
    leaked = sorted(name for name, secret in SECRETS.items() if secret in text)
    assert leaked == []


def test_the_page_shows_who_what_which_when_where_but_no_business_content(world, history, login, client):
    matter, visit, person = history
    html = all_pages(login(world.auditor))
    assert_no_business_content(html)
    assert TITLE in html  # titles are kept
    assert "10.20.30.40" in html and "grid_a" in html and "kp_officer" in html
    assert f"事项 #{matter.pk} {matter.reference} {TITLE}" in html
    assert f"走访记录 #{visit.pk}" in html and f"重点人员 #{person.pk}" in html
    row = AuditLog.objects.get(object_type="matters.matter", object_id=str(matter.pk), action="create")
    assert timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S") in html
    assert "重点人员记录已变更" in html
    assert "描述：已修改（内容已隐去）" not in html  # a create lists values; the update below shows the change
    assert "办理结果：已修改（内容已隐去）" in html  # a masked update: that it changed, not what to
    assert "{&#x27;" not in html and "{'" not in html  # no raw Python dicts


def test_the_export_is_masked_like_the_page_and_is_itself_audited(world, history, login, client):
    matter, _, person = history
    client = login(world.auditor)
    response = client.post("/audit/export/", {"since": timezone.localdate().isoformat()})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    data = b"".join(response.streaming_content)
    text = workbook_text(data)
    assert_no_business_content(text)
    assert TITLE in text and "10.20.30.40" in text and "grid_a" in text
    assert f"事项 #{matter.pk} {matter.reference} {TITLE}" in text and f"重点人员 #{person.pk}" in text
    exported = AuditLog.objects.get(action=AuditAction.EXPORT)
    count = len(workbook_rows(data)) - 1
    assert exported.detail == {
        "export": "audit_log", "rows": count, "masked": True, "format": "xlsx",
        "filters": {"since": timezone.localdate().isoformat()},
    }  # fmt: skip
    assert count == AuditLog.objects.exclude(pk=exported.pk).count()  # every row of the day, once
    assert (exported.actor_name, exported.actor_id) == ("auditor", world.auditor.pk)


def test_the_export_cannot_run_a_formula(world, login, client):
    from gridgov.audit.actions import record

    record(AuditAction.LOGIN_FAILED, None, detail={"username": '=HYPERLINK("http://x")'}, actor_name="=1+1")
    response = login(world.auditor).post("/audit/export/", {"action": "login_failed"})
    rows = workbook_rows(b"".join(response.streaming_content))
    assert len(rows) == 2
    assert rows[1][1] == "'=1+1"  # the actor cell is text with a quote in front, never a formula
    assert rows[1][9] == '用户名：=HYPERLINK("http://x")'  # the change cell does not start with =


@pytest.mark.parametrize("who", ["grid_worker_a", "town_staff", "system_admin", "security_admin"])
def test_only_the_auditor_reads_or_exports_the_log(world, history, login, client, who):
    before = AuditLog.objects.count()
    client = login(getattr(world, who))
    assert client.get("/audit/").status_code in (403, 404)
    assert client.post("/audit/export/", {}).status_code in (403, 404)
    assert client.post("/audit/check/", {}).status_code in (403, 404)
    assert AuditLog.objects.exclude(action=AuditAction.LOGIN).count() == before  # nothing exported, nothing written


def test_filters_by_date_action_actor_and_record(world, history, login, client):
    matter, _, _ = history
    client = login(world.auditor)
    today = timezone.localdate().isoformat()
    page = client.get(f"/audit/?object_type=matters.matter&object_id={matter.pk}&since={today}&until={today}")
    rows = page.context["page"].paginator.count
    assert rows == AuditLog.objects.filter(object_type="matters.matter", object_id=str(matter.pk)).count() == 2
    assert f"共 {rows} 条" in page.content.decode()
    assert client.get("/audit/?since=2001-01-01&until=2001-01-31").context["page"].paginator.count == 0
    by_actor = client.get("/audit/?actor=kp_officer&action=create").context["page"].paginator.count
    assert by_actor == AuditLog.objects.filter(actor_name="kp_officer", action="create").count() > 0
    bad = client.get("/audit/?since=2026-05-02&until=2026-05-01")
    assert "截止日期不能早于起始日期" in bad.content.decode()
    assert client.get("/audit/?since=0001-01-01").status_code == 200


def test_pages_hold_at_most_fifty_rows(world, history, login, client):
    from gridgov.audit.actions import record

    for n in range(80):
        record(AuditAction.LOGIN_FAILED, None, detail={"username": f"u{n}"}, actor_name=f"u{n}")
    client = login(world.auditor)
    total = AuditLog.objects.count()
    assert total > 100
    first = client.get("/audit/")
    assert len(first.context["rows"]) == 50
    pages = first.context["page"].paginator.num_pages
    assert pages == (total + 49) // 50
    last = client.get(f"/audit/?page={pages}")
    assert len(last.context["rows"]) == total - 50 * (pages - 1)
    assert len(re.findall(r"<tr>", first.content.decode())) == 51  # the heading and 50 rows


def test_an_export_past_the_limit_is_refused_with_a_reason_and_writes_nothing(world, history, login, client, settings):
    settings.GRIDGOV_AUDIT_EXPORT_MAX_ROWS = 5
    client = login(world.auditor)
    total = AuditLog.objects.count()
    response = client.post("/audit/export/", {"action": "create"}, follow=True)
    count = AuditLog.objects.filter(action="create").count()
    assert f"共 {count} 条，超过一次导出的上限 5 条：请缩小日期范围" in response.content.decode()
    assert response.redirect_chain == [("/audit/?action=create", 302)]
    assert AuditLog.objects.count() == total and not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_log_page_runs_the_same_queries_for_one_row_or_a_full_page(world, login, client, django_assert_num_queries):
    from gridgov.audit.actions import record

    client = login(world.auditor)
    client.get("/audit/")  # sessions and caches warm
    record(AuditAction.LOGIN_FAILED, None, detail={"username": "u"}, actor_name="u")
    with django_assert_num_queries(7):  # session, account, count, rows, last check, chain head, unsealed
        assert len(client.get("/audit/?action=login_failed").context["rows"]) == 1
    for n in range(60):
        record(AuditAction.LOGIN_FAILED, None, detail={"username": f"u{n}"}, actor_name=f"u{n}")
    with django_assert_num_queries(7):
        assert len(client.get("/audit/?action=login_failed").context["rows"]) == 50
