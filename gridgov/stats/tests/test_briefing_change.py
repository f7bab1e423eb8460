"""The yearly briefing's comparison with the year before, in a world where both years are known: matters and visits
recorded through the actions and dated into two years, so every change the briefing states is known here
(growth, fall, no change, a previous year of 0, percentage points for rates, the same days of the year before
for the current year). Also: a dispute settled with a written agreement is told without the names, the title,
the address or the phone it was recorded with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.matters import actions as matter_actions
from gridgov.matters.models import Matter
from gridgov.matters.tests.helpers import build_engine, record
from gridgov.stats import briefing
from gridgov.stats.periods import Period, PeriodError
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit

YEAR = timezone.localdate().year - 1  # a whole past year
BEFORE = YEAR - 1


def at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))


def matter_on(engine, when: dt.datetime, *, code: str, color: str = "blue", resolved: bool = False) -> Matter:
    matter = record(engine.grid_worker_a, code=code, color=color, title="桂园村事项", place=engine.grid_a)
    if resolved:
        matter_actions.resolve_on_spot(engine.grid_worker_a, matter, result="已现场处置")
    Matter.objects.filter(pk=matter.pk).update(created_at=when)
    return matter


def visit_on(world, when: dt.datetime) -> None:
    visit, _ = visit_actions.record_visit(
        world.grid_worker_a,
        visit_actions.VisitInput(household=world.household_a, visited_at=timezone.now() - dt.timedelta(hours=1)),
    )
    Visit.objects.filter(pk=visit.pk).update(visited_at=when)


@pytest.fixture
def two_years(world):
    """The year before: 4 matters (2 resolved: 50.0%), one of them in July; 2 disputes resolved; no visits.
    The year: 5 matters (4 resolved: 80.0%); 1 dispute resolved; 3 visits."""
    engine = build_engine(world)
    for month, code, resolved in ((2, "dispute.neighbour", True), (3, "dispute.land_forest", True),
                                  (5, "appeal.subsidy", False), (7, "environment.rubbish", False)):  # fmt: skip
        matter_on(engine, at(BEFORE, month, 10), code=code, resolved=resolved)
    for month, code, resolved in ((1, "dispute.neighbour", True), (2, "appeal.subsidy", True),
                                  (4, "environment.rubbish", True), (6, "appeal.subsidy", True),
                                  (9, "hardship.medical", False)):  # fmt: skip
        matter_on(engine, at(YEAR, month, 10), code=code, resolved=resolved)
    for month in (3, 5, 8):
        visit_on(world, at(YEAR, month, 1))
    return engine


def texts(made: briefing.Briefing) -> str:
    return "".join(made.text.split())


def test_a_past_year_against_the_whole_year_before(two_years, world):
    made = briefing.build(world.town_staff, world.town, YEAR)
    assert not made.partial
    assert (made.period, made.previous) == (Period.year(YEAR), Period.year(BEFORE))
    text = texts(made)
    assert (
        f"{YEAR}年，寨坝镇共受理各类事项5件（较上年增长25.0%），办结4件，办结率80.0%（较上年提高30.0个百分点）" in text
    )
    # The year before had none of the field work: said once, not after each figure.
    assert "网格员、联户长入户走访3次，开展夜间巡逻0次，发现并解决群众诉求2条，为群众办实事0件，上年均为0。" in text
    assert "调处小纠纷1件（较上年下降50.0%）" in text
    assert "处理小诉求2个（上年为0）" in text
    assert "解决小困难0件（与上年持平）" in text
    assert "排查小隐患0处（与上年持平）" in text
    assert "受理事项（件）54+25.0%" in text
    assert "办结率80.0%50.0%+30.0个百分点" in text
    assert "调处小纠纷（件）12-50.0%" in text
    assert "入户走访（次）30—" in text


def test_the_current_year_against_the_same_days_of_the_year_before(two_years, world):
    today = dt.date(YEAR, 6, 30)  # as if the briefing were made on 30 June: the July matter is not yet comparable
    made = briefing.build(world.town_staff, world.town, YEAR, today)
    assert made.partial
    assert (made.period, made.previous) == (
        Period(dt.date(YEAR, 1, 1), today),
        Period(dt.date(BEFORE, 1, 1), dt.date(BEFORE, 6, 30)),
    )
    text = texts(made)
    assert f"{YEAR}年以来（截至6月30日），寨坝镇共受理各类事项4件（同比增长33.3%），办结4件，办结率100.0%" in text
    assert "（同比提高33.3个百分点）" in text  # 2 of 3 (66.7%) the same days of the year before
    assert "网格员、联户长入户走访2次，开展夜间巡逻0次，发现并解决群众诉求2条，为群众办实事0件，上年同期均为0。" in text
    assert f"统计期间：{YEAR}年1月1日至6月30日　对比期间：{BEFORE}年1月1日至6月30日" in made.lines[0]
    assert "受理事项（件）43+33.3%" in text


def test_a_year_with_nothing_before_says_so_once(world):
    build_engine(world)
    made = briefing.build(world.town_staff, world.town, YEAR)
    text = texts(made)
    assert f"{YEAR}年，寨坝镇没有受理事项（与上年持平）。" in text
    assert (
        "调处小纠纷0件，处理小诉求0个，整治小环境0处，解决小困难0件，排查小隐患0处，开展小宣讲0次，上年均为0。" in text
    )
    assert f"{YEAR}年，没有办结的矛盾纠纷。" in text
    assert "均为0" in text and "%" not in text.split("表1")[0]  # no percentage of nothing


def test_a_settled_dispute_is_told_without_personal_data(world):
    engine = build_engine(world)
    matter = record(engine.grid_worker_a, code="dispute.land_forest", color="red", title="王家与母家地界纠纷",
                    description="王建国与母德明因承包地地界争执")  # fmt: skip
    session = matter_actions.record_mediation(
        engine.grid_worker_a, matter, outcome="success", mediators=[engine.elder_1, engine.elder_2],
        summary="张国林、母德华现场调解", parties="王建国、母德明",
    )  # fmt: skip
    matter_actions.record_agreement(
        engine.grid_worker_a,
        matter,
        matter_actions.AgreementInput(
            number="桂调〔2026〕3号", organisation="桂园村人民调解委员会", session=session,
            parties=[{"name": "王建国", "role": "申请人", "address": "寨坝镇桂园村一组12号", "contact": "13812348000"},
                     {"name": "母德明", "role": "被申请人"}],
            facts="双方承包地相邻，地界不清。", terms="以2012年界桩为准。", signed_on=dt.date(YEAR, 4, 12),
            mediator_names="张国林、母德华",
        ),
    )  # fmt: skip
    matter_actions.resolve_on_spot(engine.grid_worker_a, matter, result="王建国、母德明握手言和")
    Matter.objects.filter(pk=matter.pk).update(created_at=at(YEAR, 4, 1))
    made = briefing.build(world.town_staff, world.town, YEAR)
    text = texts(made)
    assert "其中红色、黄色风险纠纷经调解达成书面调解协议的1件，择要如下：" in text
    assert "（一）桂园村一起山林土地纠纷（红色风险），经网格员现场调解，达成书面调解协议" in text
    for secret in ("王建国", "母德明", "张国林", "母德华", "王家", "地界纠纷", "一组12号", "13812348000", "1232",
                   "桂调", "界桩", "握手言和"):  # fmt: skip
        assert secret not in text, secret


@pytest.mark.parametrize(
    ("now", "before", "partial", "points", "said"),
    [
        (5, 4, False, False, "较上年增长25.0%"),
        (3, 4, True, False, "同比下降25.0%"),
        (4, 4, True, False, "与上年同期持平"),
        (0, 0, False, False, "与上年持平"),
        (7, 0, True, False, "上年同期为0"),
        (0, 3, False, False, "较上年下降100.0%"),
        (10_001, 10_000, False, False, "与上年基本持平"),
        (12_345, 100, False, False, "较上年增长12,245.0%"),
        (80.0, 50.0, False, True, "较上年提高30.0个百分点"),
        (49.5, 50.0, True, True, "同比下降0.5个百分点"),
        (50.0, 50.0, True, True, "与上年同期持平"),
        (50.0, None, True, True, ""),
    ],
)
def test_change_in_words(now, before, partial, points, said):
    assert briefing.change(now, before, partial=partial, points=points) == said


def test_the_same_days_of_a_leap_year():
    period, previous, partial = briefing.periods(2028, dt.date(2028, 2, 29))
    assert partial and previous == Period(dt.date(2027, 1, 1), dt.date(2027, 2, 28))
    assert briefing.periods(2028, dt.date(2028, 12, 31))[2] is False  # on 31 December the year is whole


@pytest.mark.parametrize("raw", ["1999", "abcd", "20255", "-2024", str(timezone.localdate().year + 1)])
def test_a_year_outside_the_records_is_refused(raw):
    with pytest.raises(PeriodError):
        briefing.parse_year(raw)
