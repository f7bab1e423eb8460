"""/api/v1/stats: a place's figures in the articles' terms, for a period, each with its record list."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Field, Query, Router, Schema

from gridgov.core.access import roles
from gridgov.core.schemas import ErrorOut
from gridgov.stats import queries
from gridgov.stats.catalogue import ARTICLE, SIX_ACTIONS
from gridgov.stats.periods import Period, PeriodError

router = Router(tags=["统计"])
stats_roles = roles(*sorted(queries.STATS_ROLES))


class FiguresQuery(Schema):
    place: str | None = Field(None, pattern=r"^\d{2,24}$", description="地域代码（默认账号所属地域）")
    since: dt.date | None = Field(None, description="统计期间起始日（默认本年1月1日）")
    until: dt.date | None = Field(None, description="统计期间截止日（默认今天）")
    period: str | None = Field(None, max_length=10, description="或按名称：2024、2024Q1、2024-03、2024-03-05")


class FigureOut(Schema):
    code: str = Field(description="指标代码（见指标目录）")
    term: str = Field(description="指标名称（按报道的说法）")
    value: float | None = Field(description="数值；比率为百分数，分母为0时为 null")
    unit: str = Field(description="单位")
    text: str = Field(description="显示的数值")
    url: str = Field(description="所计记录的列表地址（列表显示同一合计）；比率为空")
    counting: str = Field(description="计数口径")


class StatementOut(Schema):
    code: str = Field(description="指标代码")
    text: str = Field(description="按报道的说法，如“入户走访8,736次”")
    rounded: str = Field(description="报道的约数说法，如“8,700余次”；没有时为空")
    group: str = Field(description="article（第一篇报道的表述）或 six_actions（六小行动）")
    figures: list[FigureOut] = Field(description="句中的数字")


class FiguresPlaceOut(Schema):
    code: str
    name: str


class PeriodOut(Schema):
    since: dt.date
    until: dt.date
    label: str = Field(description="期间的说法，如“2021年以来”")


class FiguresOut(Schema):
    place: FiguresPlaceOut
    period: PeriodOut
    statements: list[StatementOut] = Field(description="按报道的说法陈述的数字")
    figures: list[FigureOut] = Field(
        description="事项办理：受理、办结、办结率、按时办结率、超期、大事不出村、群众满意率"
    )


def _figure(f: queries.Figure) -> dict:
    return {"code": f.code, "term": f.term, "value": f.value, "unit": f.unit, "text": f.text, "url": f.url,
            "counting": f.counting}  # fmt: skip


@router.get(
    "/figures",
    response={200: FiguresOut, 400: ErrorOut},
    summary="工作数据（按报道的说法）",
    description="入户走访、夜间巡逻、摸排稳控重点人员（仅限有重点人群权限的账号）、发现并解决群众诉求、为群众办实事、"
    "六小行动和事项办理的数字，每个数字附所计记录的列表地址。地域不在账号范围内时返回 404。",
)
@stats_roles
def figures(request, params: Query[FiguresQuery]):
    place = queries.place_for(request.user, params.place)
    if place is None:
        raise Http404("out of scope")
    query = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.dict().items() if v}
    try:
        period = Period.parse(query)
    except PeriodError as exc:
        return 400, {"detail": str(exc), "errors": {}}
    statements = []
    for s in queries.statements(request.user, place, period):
        group = "article" if s.code in ARTICLE else "six_actions" if s.code in SIX_ACTIONS else ""
        statements.append({"code": s.code, "text": s.text, "rounded": s.rounded, "group": group,
                           "figures": [_figure(f) for f in s.figures]})  # fmt: skip
    return {
        "place": {"code": place.code, "name": place.name},
        "period": {"since": period.since, "until": period.until, "label": period.label},
        "statements": statements,
        "figures": [_figure(f) for f in queries.kpis(request.user, place, period)],
    }
