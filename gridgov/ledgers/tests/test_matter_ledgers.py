"""The disputes and hazards ledgers: filters, the township's column layout cell by cell, masking,
formula safety, scope, and one audit event per export."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from gridgov.audit.models import AuditLog
from gridgov.core.actions import ActionRefused
from gridgov.ledgers import actions as ledgers
from gridgov.ledgers.books import BOOKS, LedgerFilters
from gridgov.matters import actions
from gridgov.matters.models import Matter, MatterEvent
from gridgov.matters.tests.helpers import category, record

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=TZ)


def cells(path: str) -> list[list[str]]:
    book = CalamineWorkbook.from_path(path)
    return book.get_sheet_by_index(0).to_python()


def settled_dispute(w) -> Matter:
    """A dispute mediated by two elders, settled with an agreement, told to the reporter and closed."""
    matter = record(
        w.grid_worker_a,
        title="地界纠纷",
        description='=HYPERLINK("x") 两家因承包地地界争执',
        extra={"subtype": "地界"},
    )
    session = actions.schedule_mediation(
        w.grid_worker_a, matter, scheduled_for=at(3), mediators=[w.elder_1, w.elder_2], parties="王建国；母某某"
    )
    actions.record_mediation(w.grid_worker_a, matter, session=session, outcome="success", held_at=at(4))
    actions.record_agreement(
        w.grid_worker_a,
        matter,
        actions.AgreementInput(
            number="寨司调〔2026〕3号",
            organisation="桂园村人民调解委员会",
            parties=[{"name": "王建国"}, {"name": "母某某"}],
            facts="地界不清",
            terms="以界桩为准",
            signed_on=dt.date(2026, 3, 4),
        ),
    )
    actions.resolve_on_spot(w.grid_worker_a, matter, result="达成协议")
    actions.record_feedback(
        w.grid_worker_a,
        matter,
        actions.FeedbackInput(method="phone", contacted_at=at(6), said="满意", verdict="accepted", satisfaction=5),
    )
    actions.close(w.grid_worker_a, matter)
    Matter.objects.filter(pk=matter.pk).update(created_at=at(2), resolved_at=at(5), closed_at=at(6))
    return Matter.objects.get(pk=matter.pk)


def rectified_hazard(w) -> Matter:
    matter = record(
        w.grid_worker_a,
        code="hazard.safety.enterprise",
        title="厂房消防通道堵塞",
        description="消防通道堆放杂物",
        color="red",
        household=None,
        place=w.grid_a,
        extra={"enterprise": "寨坝建材厂"},
    )
    actions.rectify(w.grid_worker_a, matter, measures="清理杂物，设置警示标志")
    actions.reinspect(w.grid_worker_a, matter, passed=True, note="通道畅通")
    actions.close(w.grid_worker_a, matter)
    Matter.objects.filter(pk=matter.pk).update(created_at=at(10), deadline_at=at(11), closed_at=at(13))
    MatterEvent.objects.filter(matter=matter, action="reinspect").update(at=at(12))
    return Matter.objects.get(pk=matter.pk)


def test_dispute_ledger_has_the_township_columns_masked_and_formula_safe(engine, tmp_path):
    w = engine
    matter = settled_dispute(w)
    out = str(tmp_path / "disputes.xlsx")
    rows = ledgers.export_ledger(w.town_staff, "dispute", out, LedgerFilters.for_year(2026, place="520330113"))
    sheet = cells(out)
    assert rows == 1
    assert sheet[0][0] == "寨坝镇2026年矛盾纠纷排查化解台账"
    assert sheet[1] == [
        "序号", "受理编号", "登记日期", "纠纷类型", "当事人", "联系电话", "纠纷简要情况", "风险等级", "调解员",
        "调解日期", "调解结果", "协议", "回访情况", "办结日期", "状态", "所属网格",
    ]  # fmt: skip
    phone = w.resident_a.phone_masked
    assert sheet[2] == [
        "1", f"JF-2026-{matter.pk:06d}", "2026-03-02", "山林土地纠纷", "王建国；母某某", phone,
        "'=HYPERLINK(\"x\") 两家因承包地地界争执", "黄色", "张国林、母德华", "2026-03-04", "调解成功",
        "寨司调〔2026〕3号（2026-03-04签订）", "2026-03-06 电话回访 认可 满意度5：满意", "2026-03-05", "已结案",
        "桂园村第1网格",
    ]  # fmt: skip
    assert "*" in phone and phone != w.resident_a.reveal_phone()


def test_hazard_ledger_shows_rectification_reinspection_and_closing(engine, tmp_path):
    w = engine
    matter = rectified_hazard(w)
    out = str(tmp_path / "hazards.xlsx")
    assert ledgers.export_ledger(w.town_staff, "hazard", out, LedgerFilters(place="520330113")) == 1
    sheet = cells(out)
    assert sheet[0][0] == "寨坝镇安全隐患排查整治台账"
    assert sheet[1] == [
        "序号", "受理编号", "发现日期", "隐患类别", "地点", "隐患描述", "风险等级", "整改措施", "整改时限",
        "复查情况", "销号日期", "责任人", "状态", "所属网格",
    ]  # fmt: skip
    assert sheet[2] == [
        "1", f"YH-2026-{matter.pk:06d}", "2026-03-10", "企业安全生产", "桂园村第1网格（寨坝建材厂）",
        "消防通道堆放杂物", "红色", "清理杂物，设置警示标志", "2026-03-11", "2026-03-12 通过：通道畅通", "2026-03-13",
        "网格员甲", "已结案", "桂园村第1网格",
    ]  # fmt: skip


def test_ledger_filters_place_period_category_color_state(engine):
    w = engine
    a = settled_dispute(w)
    b = record(w.grid_worker_b, household=w.household_b, code="dispute.neighbour", color="red", title="邻里口角")
    Matter.objects.filter(pk=b.pk).update(created_at=at(20))
    hazard = rectified_hazard(w)

    def ids(user=w.town_staff, kind="dispute", **kw):
        return list(BOOKS[kind].queryset(user, LedgerFilters(**kw)).values_list("pk", flat=True))

    assert ids() == [a.pk, b.pk]
    assert ids(place=w.grid_a.code) == [a.pk]
    assert ids(since=dt.date(2026, 3, 3)) == [b.pk]
    assert ids(until=dt.date(2026, 3, 2)) == [a.pk]
    assert ids(category=str(category("dispute.neighbour").pk)) == [b.pk]
    assert ids(color="red") == [b.pk]
    assert ids(state="closed") == [a.pk]
    safety = str(category("hazard.safety").pk)  # a group node takes its children
    assert ids(kind="hazard", category=safety) == [hazard.pk]
    assert ids(w.grid_worker_b) == [b.pk]


def test_export_is_audited_once_and_refused_outside_scope(engine, tmp_path):
    w = engine
    settled_dispute(w)
    before = AuditLog.objects.filter(action="export").count()
    out = tmp_path / "d.xlsx"
    with pytest.raises(ActionRefused):
        ledgers.export_ledger(w.grid_worker_b, "dispute", str(out), LedgerFilters(place=w.grid_a.code))
    assert not out.exists()
    assert AuditLog.objects.filter(action="export").count() == before
    ledgers.export_ledger(w.grid_worker_a, "dispute", str(out), LedgerFilters(place=w.grid_a.code))
    log = AuditLog.objects.filter(action="export").get()
    assert log.detail == {
        "ledger": "dispute", "rows": 1, "masked": True, "format": "xlsx", "filters": {"place": w.grid_a.code},
    }  # fmt: skip


def test_export_ledger_command_writes_the_year(engine, tmp_path):
    w = engine
    settled_dispute(w)
    out = str(tmp_path / "cmd.xlsx")
    call_command("export_ledger", kind="dispute", place="520330113", year=2026, out=out, stdout=io.StringIO())
    assert [r[0] for r in cells(out)] == ["寨坝镇2026年矛盾纠纷排查化解台账", "序号", "1"]
    call_command("export_ledger", kind="dispute", place="520330113", year=2025, out=out, stdout=io.StringIO())
    assert [r[0] for r in cells(out)] == ["寨坝镇2025年矛盾纠纷排查化解台账", "序号"]
    with pytest.raises(CommandError, match="不存在"):
        call_command("export_ledger", kind="hazard", place="999", out=out)
    with pytest.raises(CommandError, match="管辖范围"):
        call_command("export_ledger", kind="hazard", place=w.grid_a.code, user=w.grid_worker_b.username, out=out)
