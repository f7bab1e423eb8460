"""The catalogue of named indicators (指标目录): every figure the product states, defined once.

An `Indicator` is a count (or a sum) of one source's records under a place, in a period (or as they
stand now), narrowed by dimension filters; its record list is a page of the same records with the
same filters, whose total (共 N 条) equals the figure. A `Rate` divides two indicators. The terms are
the articles' words (入户走访 N 次, 发现并解决群众诉求 N 条, 调处小纠纷 N 件 ...).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from gridgov.stats.choices import DONE_STATES
from gridgov.stats.periods import Period

KEY_POPULATION = "may_view_key_population"


def list_path(name: str) -> str:
    """The record list's path: reversed once per page rather than once per linked number (a cockpit links
    hundreds); the cache is keyed by the script prefix too, as `reverse` is."""
    return _list_path(name, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _list_path(name: str, prefix: str) -> str:
    return reverse(name)


@dataclass(frozen=True)
class Indicator:
    code: str
    term: str  # the articles' words
    unit: str
    counting: str  # how it is counted
    records: str  # which records it counts
    source: str  # gridgov.stats.sources name
    filters: dict = field(default_factory=dict)  # {dimension: value or values}
    list_name: str = ""  # URL name of the record list
    list_params: dict = field(default_factory=dict)  # that list's filters (besides place and period)
    measure: str = "n"  # or a summed column
    dated: bool = True  # False: counted as the records stand now, whatever their date
    grant: str = ""  # an account field that must be set to read it
    distinct: str = ""  # count the distinct values of this dimension instead of records

    def list_url(self, code: str, period: Period | None) -> str:
        if not self.list_name:
            return ""
        params: list[tuple[str, str]] = [("place", code)]
        if self.dated and period is not None:
            params += list(_period_params(self, period).items())
        for key, value in self.list_params.items():
            for one in value if isinstance(value, list | tuple) else [value]:
                params.append((key, str(one)))
        return f"{list_path(self.list_name)}?{urlencode(params)}"


def _period_params(indicator: Indicator, period: Period) -> dict[str, str]:
    if indicator.source == "key_persons":  # the key-person list filters by the enlisting day
        return {"enlisted_since": period.since.isoformat(), "enlisted_until": period.until.isoformat()}
    return period.as_query()


@dataclass(frozen=True)
class Rate:
    code: str
    term: str
    numerator: str
    denominator: str
    counting: str
    unit: str = "%"


DONE = list(DONE_STATES)
MATTERS = _("事项（不含合并的重复事项）")
M = "matters:list"

INDICATORS: tuple[Indicator, ...] = (
    # ------------------------------------------------------------ matters: the three-level disposal
    Indicator("received", _("受理事项"), _("件"), _("期间内登记的事项"), MATTERS, "matters", {}, M),
    Indicator("resolved", _("办结事项"), _("件"), _("期间内登记、现已办结（含待回访）或结案的事项"), MATTERS, "matters",
              {"done": True}, M, {"state": "done"}),
    Indicator("on_time", _("按时办结"), _("件"), _("已办结且从未超过办理时限（未被自动督办）的事项"), MATTERS,
              "matters", {"done": True, "late": False}, M, {"state": "done", "late": "0"}),
    Indicator("resolved_in_village", _("在网格、村级办结"), _("件"),
              _("已办结且由网格或村（居）办结的事项（大事不出村）"), MATTERS, "matters",
              {"done": True, "in_village": True}, M, {"state": "done", "level": ["grid", "village"]}),
    Indicator("feedback_given", _("已回访"), _("件"), _("期间内登记、已向反映人回访的事项"), MATTERS, "matters",
              {"feedback": ["accepted", "rejected"]}, M, {"feedback": "any"}),
    Indicator("feedback_accepted", _("回访认可"), _("件"), _("最近一次回访反映人认可办理结果的事项"), MATTERS,
              "matters", {"feedback": "accepted"}, M, {"feedback": "accepted"}),
    Indicator("overdue_now", _("超期未办结"), _("件"), _("现仍未办结且已超过办理时限的事项（不论登记日期）"), MATTERS,
              "open_places", {"overdue": True}, M, {"state": "open", "overdue": "1"}, dated=False),
    # ------------------------------------------------------------ the six small actions (六小行动)
    Indicator("disputes_resolved", _("调处小纠纷"), _("件"), _("期间内登记、已化解的矛盾纠纷"), MATTERS, "matters",
              {"kind": "dispute", "state": DONE}, M, {"kind": "dispute", "state": "done"}),
    Indicator("appeals_resolved", _("处理小诉求"), _("个"), _("期间内登记、已办结的群众诉求"), MATTERS, "matters",
              {"kind": "appeal", "state": DONE}, M, {"kind": "appeal", "state": "done"}),
    Indicator("environment_resolved", _("整治小环境"), _("处"), _("期间内登记、已整治的环境问题"), MATTERS, "matters",
              {"kind": "environment", "state": DONE}, M, {"kind": "environment", "state": "done"}),
    Indicator("hardships_resolved", _("解决小困难"), _("件"), _("期间内登记、已解决的群众困难"), MATTERS, "matters",
              {"kind": "hardship", "state": DONE}, M, {"kind": "hardship", "state": "done"}),
    Indicator("hazards_resolved", _("排查小隐患"), _("处"), _("期间内排查登记、已整改销号的安全隐患"), MATTERS,
              "matters", {"kind": "hazard", "state": DONE}, M, {"kind": "hazard", "state": "done"}),
    Indicator("publicity_events", _("开展小宣讲"), _("次"), _("期间内开展的宣讲活动"), _("宣讲活动"), "publicity", {},
              "publicity:list"),
    # ------------------------------------------------------------ the 寨坝镇 report's figures
    Indicator("appeals_found_resolved", _("发现并解决群众诉求"), _("条"),
              _("网格员、联户长入户走访（含电话、视频走访）中发现、登记并已办结的群众诉求"), MATTERS, "matters",
              {"kind": "appeal", "channel": "visit", "state": DONE}, M,
              {"kind": "appeal", "channel": "visit", "state": "done"}),
    Indicator("visits", _("入户走访"), _("次"), _("期间内的走访记录（上门、电话、视频）"), _("走访记录"), "visits", {},
              "visits:list"),
    Indicator("door_visits", _("上门入户"), _("次"), _("期间内上门入户的走访记录"), _("走访记录"), "visits",
              {"mode": "door"}, "visits:list", {"mode": "door"}),
    Indicator("night_patrols", _("夜间巡逻"), _("次"), _("期间内的夜间巡逻记录"), _("巡逻记录"), "patrols",
              {"shift": "night"}, "patrols:list", {"shift": "night"}),
    Indicator("patrols", _("治安巡逻"), _("次"), _("期间内的巡逻记录（白天、夜间）"), _("巡逻记录"), "patrols", {},
              "patrols:list"),
    Indicator("key_persons", _("摸排稳控重点人员"), _("人"), _("期间内摸排列管的重点人员（含已解除、迁出）"),
              _("重点人员"), "key_persons", {}, "keypersons:list", {"status": "all"}, grant=KEY_POPULATION),
    Indicator("key_person_categories", _("重点人员类别"), _("类"), _("期间内摸排列管的重点人员涉及的类别数"),
              _("重点人员"), "key_persons", {}, "keypersons:list", {"status": "all"}, grant=KEY_POPULATION,
              distinct="category"),
    Indicator("deeds", _("为群众办实事"), _("件"), _("期间内办结的实事"), _("办实事记录"), "deeds", {}, "deeds:list"),
    Indicator("cleanup_rounds", _("环境整治"), _("轮"), _("期间内开展的环境卫生整治"), _("环境整治记录"),
              "cleanup_rounds", {}, "cleanups:list"),
    # ------------------------------------------------------------ how things stand now
    Indicator("grid_leaders", _("网格长"), _("名"), _("在任的网格长岗位（一人兼两格计两个岗位）"), _("任职"), "staff",
              {"role": "grid_leader"}, "personnel:appointments", {"role": "grid_leader", "status": "appointed"},
              dated=False),
    Indicator("grid_workers", _("网格员"), _("名"), _("在任的网格员岗位（一人兼两格计两个岗位）"), _("任职"), "staff",
              {"role": "grid_worker"}, "personnel:appointments", {"role": "grid_worker", "status": "appointed"},
              dated=False),
    Indicator("households", _("户"), _("户"), _("登记的户"), _("户"), "households", {}, "households:list", dated=False),
)  # fmt: skip

RATES: tuple[Rate, ...] = (
    Rate("resolution_rate", _("办结率"), "resolved", "received", _("办结事项 ÷ 受理事项")),
    Rate("on_time_rate", _("按时办结率"), "on_time", "resolved", _("按时办结 ÷ 办结事项")),
    Rate("village_share", _("大事不出村"), "resolved_in_village", "resolved", _("在网格、村级办结 ÷ 办结事项")),
    Rate("satisfaction", _("群众满意率"), "feedback_accepted", "feedback_given", _("回访认可 ÷ 已回访")),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
RATE_BY_CODE: dict[str, Rate] = {r.code: r for r in RATES}

# The six small actions (六小行动), in the articles' order.
SIX_ACTIONS = (
    "disputes_resolved",
    "appeals_resolved",
    "environment_resolved",
    "hardships_resolved",
    "hazards_resolved",
    "publicity_events",
)
# The first article's sentence (寨坝镇, 2021年以来).
ARTICLE = ("visits", "night_patrols", "key_persons", "appeals_found_resolved", "deeds")


def indicator(code: str) -> Indicator:
    return BY_CODE[code]
