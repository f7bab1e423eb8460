"""The visits, key-population, patrol and publicity ledgers: the township's column layout cell by cell, masked
ID numbers and phones, formula-safe cells, and the export command for every ledger."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.audit.models import AuditLog
from gridgov.ledgers import actions
from gridgov.ledgers.books import BOOKS, LedgerFilters
from gridgov.ledgers.tests.helpers import cells, day, event, matter_from_visit, patrol, sheet_xml, team, visit
from gridgov.publicity.models import PublicityPhoto
from gridgov.visits.choices import VulnerableCategory
from gridgov.visits.models import VulnerableMember

TOWN = "520330113"


def test_visit_ledger_has_the_township_columns(world, tmp_path):
    w = world
    member = VulnerableMember.objects.create(
        path=w.household_a.path,
        resident=w.resident_a,
        household=w.household_a,
        category=VulnerableCategory.LIVING_ALONE,
        check_every_days=7,
        since=day(100),
        next_check_on=day(0),
    )
    first = visit(
        w.grid_worker_a,
        w.household_a,
        3,
        mode="door",
        people_met="王建国",
        companions="联户长徐世刚",
        findings='=HYPERLINK("http://x") 反映邻居占道堆放柴草',
        vulnerable_member=member,
        visitors=[w.grid_worker_a, w.cluster_leader_a1],
    )
    matter = matter_from_visit(w.grid_worker_a, first)
    visit(w.grid_worker_b, w.household_b, 2, mode="phone")
    out = tmp_path / "visits.xlsx"
    assert actions.export_ledger(w.town_staff, "visit", str(out), LedgerFilters(place=TOWN)) == 2
    sheet = cells(out)
    assert sheet[0][0] == "寨坝镇走访信息台账"
    assert sheet[1] == [
        "序号", "走访日期", "走访人", "所属网格", "户编号", "户主", "联系电话", "家庭住址", "走访方式", "见到的人",
        "关爱对象", "发现问题", "转为事项", "录入人",
    ]  # fmt: skip
    assert sheet[2] == [
        "1", day(3).isoformat(), "网格员甲、联户长甲（同行：联户长徐世刚）", "桂园村第1网格", "H-A-001", "王建国",
        "138****8000", "寨坝镇桂园村一组12号", "入户", "王建国", "王建国（独居老人）",
        "'=HYPERLINK(\"http://x\") 反映邻居占道堆放柴草", f"{matter.reference}（{matter.get_state_display()}）",
        "网格员甲",
    ]  # fmt: skip
    assert sheet[3] == [
        "2", day(2).isoformat(), "网格员乙", "永盛村第1网格", "H-B-001", "李秀英", "139****1111",
        "寨坝镇永盛村一组3号", "电话", "", "", "", "", "网格员乙",
    ]  # fmt: skip
    assert "<f>" not in sheet_xml(out)  # no formula anywhere in the sheet


def test_key_person_ledger_masks_id_numbers_and_phones(world, officer, drug_users, enlist, follow_up, tmp_path):
    w = world
    person = enlist(w.resident_a, drug_users, "yellow", responsible=officer, days_ago_=30, measures="+每周见面一次")
    follow_up(officer, person, 20, whereabouts="away_known", state="watch")
    follow_up(officer, person, 5, whereabouts="at_home")
    out = tmp_path / "kp.xlsx"
    assert actions.export_ledger(officer, "key_person", str(out), LedgerFilters(place=TOWN)) == 1
    sheet = cells(out)
    assert sheet[0][0] == "寨坝镇重点人群台账"
    assert sheet[1] == [
        "序号", "姓名", "性别", "身份证号", "联系电话", "现住址", "所属网格", "人员类别", "风险等级", "列管日期",
        "包保责任人", "稳控措施", "稳控频次", "稳控次数", "最近稳控", "最近稳控情况", "下次稳控期限", "状态",
        "失联日期", "迁出或解除",
    ]  # fmt: skip
    person.refresh_from_db()
    assert sheet[2] == [
        "1", "王建国", "男", "520330********1232", "138****8000", "寨坝镇桂园村一组12号", "桂园村第1网格",
        drug_users.name, "黄色", day(30).isoformat(), "镇重点人群专干", "'+每周见面一次", "每15天", "2",
        day(5).isoformat(), "在家，稳定", person.next_follow_up_due.isoformat(), "稳控中", "", "",
    ]  # fmt: skip


def test_key_person_ledger_is_refused_without_the_grant_and_writes_nothing(world, drug_users, enlist, tmp_path):
    enlist(world.resident_a, drug_users)
    out = tmp_path / "kp.xlsx"
    before = AuditLog.objects.count()
    with pytest.raises(actions.ActionRefused):
        actions.export_ledger(world.town_staff, "key_person", str(out), LedgerFilters(place=TOWN))
    assert not out.exists()
    assert AuditLog.objects.count() == before
    assert list(BOOKS["key_person"].queryset(world.town_staff, LedgerFilters())) == []


def test_patrol_ledger_has_route_members_findings_and_matters(world, tmp_path):
    w = world
    patrol_team = team(w)
    night = patrol(
        w.town_staff,
        patrol_team,
        [w.grid_c, w.grid_a],
        4,
        members=patrol_team.member_list,
        others="民警李某",
        findings="-发现一处废弃房屋有人聚集赌博",
    )
    patrol(w.town_staff, patrol_team, [w.grid_a], 2, shift="day", duration_minutes=60, headcount=3)
    out = tmp_path / "patrols.xlsx"
    assert actions.export_ledger(w.town_staff, "patrol", str(out), LedgerFilters(place=TOWN)) == 2
    sheet = cells(out)
    assert sheet[0][0] == "寨坝镇治安巡逻日志台账"
    assert sheet[1] == [
        "序号", "巡逻日期", "时段", "巡逻队", "巡逻网格", "时长（分钟）", "参加队员", "其他参加人员", "参加人数",
        "发现情况", "转为事项", "录入人",
    ]  # fmt: skip
    assert sheet[2] == [
        "1", day(4).isoformat(), "夜间", "桂园村治安巡逻队", "桂园村第1网格、桂园村第2网格", "120", "张大力、刘明",
        "民警李某", str(night.headcount), "'-发现一处废弃房屋有人聚集赌博", "", "镇综治中心",
    ]  # fmt: skip
    assert sheet[3][:6] == ["2", day(2).isoformat(), "白天", "桂园村治安巡逻队", "桂园村第1网格", "60"]


def test_publicity_ledger_counts_photos(world, tmp_path):
    w = world
    held = event(w.grid_worker_a, w.grid_a, 6, summary="@讲解常见诈骗手法", attendance=31)
    PublicityPhoto.objects.create(
        path=held.path, event=held, file="publicity/x.png", content_type="image/png", size=10, width=1, height=1
    )
    out = tmp_path / "pub.xlsx"
    assert actions.export_ledger(w.town_staff, "publicity", str(out), LedgerFilters.for_year(day(6).year)) == 1
    sheet = cells(out)
    assert sheet[0][0] == f"寨坝镇{day(6).year}年宣讲活动台账"
    assert sheet[1] == [
        "序号", "宣讲日期", "宣讲地点", "宣讲内容", "宣讲主题", "宣讲方式", "宣讲人", "受众人次", "活动情况",
        "照片（张）", "录入人",
    ]  # fmt: skip
    assert sheet[2] == [
        "1", day(6).isoformat(), "桂园村第1网格", "反诈防骗", "防范电信诈骗宣讲", "村口板凳会", "红管家张某", "31",
        "'@讲解常见诈骗手法", "1", "网格员甲",
    ]  # fmt: skip


def test_an_empty_ledger_still_has_its_title_and_header(world, tmp_path):
    out = tmp_path / "empty.xlsx"
    assert actions.export_ledger(world.grid_worker_a, "patrol", str(out)) == 0
    assert cells(out) == [
        ["桂园村第1网格治安巡逻日志台账"] + [""] * 11,
        ["序号", "巡逻日期", "时段", "巡逻队", "巡逻网格", "时长（分钟）", "参加队员", "其他参加人员", "参加人数",
         "发现情况", "转为事项", "录入人"],
    ]  # fmt: skip


def test_export_command_covers_every_ledger(world, officer, drug_users, enlist, tmp_path):
    visit(world.grid_worker_a, world.household_a, 1)
    enlist(world.resident_a, drug_users)
    out = str(tmp_path / "cmd.xlsx")
    for kind in BOOKS:
        call_command("export_ledger", kind=kind, place=TOWN, out=out, no_progress=True, stdout=io.StringIO())
        assert cells(out)[0][0] == f"寨坝镇{BOOKS[kind].title}"
    call_command("export_ledger", kind="visit", place=TOWN, out=out, no_progress=True, stdout=io.StringIO())
    assert [r[0] for r in cells(out)] == ["寨坝镇走访信息台账", "序号", "1"]
    call_command(
        "export_ledger", kind="visit", place=TOWN, since="2000-01-01", until="2000-06-30", out=out, no_progress=True
    )
    assert [r[0] for r in cells(out)] == ["寨坝镇2000-01-01至2000-06-30走访信息台账", "序号"]
    with pytest.raises(CommandError, match="您没有导出该台账的权限"):
        call_command("export_ledger", kind="key_person", place=TOWN, user="town", out=out, no_progress=True)
    call_command("export_ledger", kind="key_person", place=TOWN, user="town_kp", out=out, no_progress=True)
    assert [r[1] for r in cells(out)[1:]] == ["姓名", "王建国"]
    with pytest.raises(CommandError, match="color 不能是 purple"):
        call_command("export_ledger", kind="visit", place=TOWN, color="purple", out=out, no_progress=True)
    with pytest.raises(CommandError, match="日期 2026-13-01 无效"):
        call_command("export_ledger", kind="visit", place=TOWN, since="2026-13-01", out=out, no_progress=True)
