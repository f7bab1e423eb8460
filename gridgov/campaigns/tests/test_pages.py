import datetime as dt
import io

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gridgov.audit.models import AuditLog
from gridgov.campaigns.choices import CampaignStatus
from gridgov.campaigns.models import Campaign, CampaignQuestion, HouseholdCheck
from gridgov.campaigns.tests.conftest import make_campaign


def test_list_shows_campaigns_in_scope(world, cw, login, django_assert_max_num_queries):
    make_campaign(world.town_staff, [world.village_b], title="永盛村摸排")
    client = login(world.grid_worker_a)
    with django_assert_max_num_queries(8):
        page = client.get("/campaigns/").content.decode()
    assert "返乡人员摸排" in page
    assert "永盛村摸排" not in page
    assert "发起摸排" not in page


def test_detail_shows_progress_and_households_left(world, cw, check, login, django_assert_max_num_queries):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    client = login(world.town_staff)
    client.get(f"/campaigns/{cw.campaign.pk}/")  # warm the session and the menu
    with django_assert_max_num_queries(14):
        response = client.get(f"/campaigns/{cw.campaign.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "桂园村第1网格" in page and "永盛村第1网格" in page
    assert "H-B-001" in page  # not yet checked
    assert f"/campaigns/{cw.campaign.pk}/check/{world.household_a.pk}/" not in page  # already checked
    assert "50" not in page.split("完成率")[0][-20:]  # sanity: rate rendered after the label
    assert "16.7%" in page


def test_out_of_scope_campaign_is_404_and_leaks_nothing(world, login):
    secret = make_campaign(world.town_staff, [world.village_b], title="永盛村秘密摸排")
    client = login(world.grid_worker_a)
    for url in [f"/campaigns/{secret.pk}/", f"/campaigns/{secret.pk}/export/", f"/campaigns/{secret.pk}/checks/",
                f"/campaigns/{secret.pk}/check/{world.household_b.pk}/", f"/campaigns/{secret.pk}/edit/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404, url
        assert "永盛村秘密摸排" not in response.content.decode()


def test_grid_worker_cannot_open_a_household_of_another_grid(world, cw, login):
    client = login(world.grid_worker_a)
    assert client.get(f"/campaigns/{cw.campaign.pk}/check/{world.household_b.pk}/").status_code == 404
    response = client.post(f"/campaigns/{cw.campaign.pk}/check/{world.household_b.pk}/", {"a_returned": "yes"})
    assert response.status_code == 404
    assert HouseholdCheck.objects.count() == 0


def test_grid_worker_cannot_create_or_change_campaigns(world, cw, login):
    client = login(world.grid_worker_a)
    assert client.get("/campaigns/new/").status_code == 404
    assert client.post(f"/campaigns/{cw.campaign.pk}/status/", {"status": "closed"}).status_code == 404
    assert Campaign.objects.get().status == CampaignStatus.RUNNING


def test_town_staff_creates_a_campaign_with_its_checklist(world, login):
    client = login(world.town_staff)
    assert client.get("/campaigns/new/").status_code == 200
    today = timezone.localdate()
    data = {
        "title": "返乡人员摸排",
        "places": [world.village_a.pk],
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=14)).isoformat(),
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-0-text": "近14天是否有返乡人员",
        "q-0-kind": "yes_no",
        "q-0-required": "on",
        "q-1-text": "健康码颜色",
        "q-1-kind": "single",
        "q-1-options": "绿码\n黄码\n红码",
        "q-1-key": "health_code",
        "q-2-kind": "text",
    }
    response = client.post("/campaigns/new/", data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.pk}/"
    assert list(CampaignQuestion.objects.values_list("key", "kind", "required", "options")) == [
        ("q1", "yes_no", True, []),
        ("health_code", "single", False, ["绿码", "黄码", "红码"]),
    ]
    response = client.post(f"/campaigns/{campaign.pk}/status/", {"status": "running"})
    assert response.status_code == 302
    assert Campaign.objects.get().status == CampaignStatus.RUNNING


def test_checklist_errors_are_shown_on_the_form(world, login):
    client = login(world.town_staff)
    today = timezone.localdate().isoformat()
    data = {
        "title": "摸排",
        "places": [world.town.pk],
        "starts_on": today,
        "ends_on": today,
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-0-text": "健康码",
        "q-0-kind": "single",
        "q-0-options": "绿码",
    }
    response = client.post("/campaigns/new/", data)
    assert response.status_code == 400
    assert "第1项：单选、多选题至少要有两个选项" in response.content.decode()
    assert Campaign.objects.count() == 0


def test_check_form_records_a_check(world, cw, login):
    client = login(world.grid_worker_a)
    url = f"/campaigns/{cw.campaign.pk}/check/{world.household_a.pk}/"
    page = client.get(url).content.decode()
    assert "近14天是否有返乡人员" in page and 'type="date"' in page
    response = client.post(
        url,
        {"a_returned": "yes", "a_returnees": "2", "a_health_code": "黄码", "a_symptoms": ["发热"], "notes": "居家监测"},
    )
    assert response.status_code == 302
    check = HouseholdCheck.objects.get()
    assert check.answers == {"returned": True, "returnees": 2, "health_code": "黄码", "symptoms": ["发热"]}
    assert check.notes == "居家监测"


def test_check_form_shows_errors(world, cw, login):
    client = login(world.grid_worker_a)
    response = client.post(f"/campaigns/{cw.campaign.pk}/check/{world.household_a.pk}/", {"a_health_code": "紫码"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个字段是必填项" in page or "This field is required" in page
    assert HouseholdCheck.objects.count() == 0


def test_check_form_shows_both_copies_on_a_conflict(world, cw, check, login):
    check(world.grid_worker_a, cw.campaign, world.household_a)
    client = login(world.grid_worker_a)
    url = f"/campaigns/{cw.campaign.pk}/check/{world.household_a.pk}/"
    client.get(url)
    check(world.town_staff, cw.campaign, world.household_a, {"returned": True, "returned_from": "浙江"}, base_version=1)
    response = client.post(url, {"a_returned": "no", "notes": "我的记录", "base_version": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "服务器上的当前记录" in page and "浙江" in page
    assert HouseholdCheck.objects.get().answers == {"returned": True, "returned_from": "浙江"}
    # saving again (the form now carries the server's version) keeps the worker's copy
    response = client.post(url, {"a_returned": "no", "notes": "我的记录", "base_version": "2"})
    assert response.status_code == 302
    stored = HouseholdCheck.objects.get()
    assert (stored.answers, stored.version) == ({"returned": False}, 3)


@pytest.fixture
def export_rows(login):
    def _rows(user, campaign):
        response = login(user).get(f"/campaigns/{campaign.pk}/export/")
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("摸排结果")
        return sheet.to_python()

    return _rows


def test_export_is_masked_formula_safe_and_scoped(world, cw, check, export_rows):
    check(world.grid_worker_a, cw.campaign, world.household_a, {"returned": True, "returned_from": "=HYPERLINK(1)"})
    rows = export_rows(world.grid_worker_a, cw.campaign)
    assert rows[0][:9] == ["户编号", "网格编码", "网格", "住址", "户主", "联系电话", "摸排状态", "摸排人", "摸排时间"]
    assert rows[0][9:] == ["近14天是否有返乡人员", "返乡人数", "从何地返回", "返乡日期", "健康码颜色", "症状", "备注"]
    assert len(rows) == 4  # header + grid A's three households, nothing of grid B
    assert [r[0] for r in rows[1:]] == ["H-A-001", "A-000", "A-001"]
    assert rows[2][:9] == ["A-000", "5203301132010101", "桂园村第1网格", "桂园村第1网格100号", "", "", "未摸排", "", ""]
    checked = rows[1]
    assert checked[4:7] == ["王建国", "138****8000", "已摸排"]
    assert checked[9] == "是" and checked[11] == "'=HYPERLINK(1)"
    assert "13812348000" not in str(rows)
    log = AuditLog.objects.filter(action="export").get()
    assert log.detail == {"campaign": cw.campaign.pk, "rows": 3, "masked": True, "format": "xlsx"}


def test_town_staff_edits_a_drafts_checklist(world, login):
    campaign = make_campaign(world.town_staff, [world.town], status=CampaignStatus.DRAFT)
    client = login(world.town_staff)
    page = client.get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert "近14天是否有返乡人员" in page
    data = {
        "title": "返乡人员摸排（修订）",
        "places": [world.village_a.pk, world.village_b.pk],
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-0-text": "返乡人数",
        "q-0-kind": "number",
        "q-0-key": "returnees",
    }
    response = client.post(f"/campaigns/{campaign.pk}/edit/", data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "返乡人员摸排（修订）"
    assert list(campaign.questions.values_list("key", "kind")) == [("returnees", "number")]
    assert sorted(campaign.scope.values_list("path", flat=True)) == [world.village_a.code, world.village_b.code]
    assert AuditLog.objects.filter(object_id=str(campaign.pk), action="update", detail__isnull=False).exists()


def test_village_committee_cannot_change_a_village_campaign(world, login):
    campaign = make_campaign(world.town_staff, [world.village_a], title="桂园村摸排")
    client = login(world.village_committee)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 404
    assert client.post(f"/campaigns/{campaign.pk}/status/", {"status": "closed"}).status_code == 404
    assert Campaign.objects.get().status == CampaignStatus.RUNNING


def test_a_closed_campaign_offers_no_save(world, login):
    campaign = make_campaign(world.town_staff, [world.town], status=CampaignStatus.CLOSED)
    page = login(world.grid_worker_a).get(f"/campaigns/{campaign.pk}/check/{world.household_a.pk}/").content.decode()
    assert "本次摸排已结束，不能登记" in page
    assert "<button>保存</button>" not in page
