"""Rollup tables (统计汇总表): counts of records per place, period and a few dimensions.

Every table has the same frame (`Rollup`): ``place`` is a place code at one of the stored depths
(province 2, city 4, county 6, town 9, village 12; open matters also grid 16), ``parent`` the code of
the stored depth above it (so a place's children are one indexed read), ``grain`` and ``period`` the
month (first day), the day, or "snapshot" for counts of how things stand now, and ``n`` the count.
The other columns are the table's dimensions. A row at a place counts every record at or under it.

The tables are narrow, one per panel, by measurement (see `gridgov.stats.cubes` and
`bench/stats_bench.py`): a wide table with every dimension barely compresses at village level.
They hold no foreign keys and no personal data: category, department and account columns are plain
ids, so the tables can be rebuilt from the records at any time (`manage.py rebuild_stats`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.stats.choices import Grain


def rollup_indexes(short: str) -> list[models.Index]:
    """One place over a period range; the children of a place over a period range (and the sums upward)."""
    return [
        models.Index(fields=["grain", "place", "period"], name=f"stats_{short}_place_idx"),
        models.Index(fields=["grain", "parent", "period"], name=f"stats_{short}_parent_idx"),
    ]


class Rollup(models.Model):
    place = models.CharField(_("地域代码"), max_length=24)
    parent = models.CharField(_("上级代码"), max_length=24, blank=True)
    grain = models.CharField(_("粒度"), max_length=1, choices=Grain.choices)
    period = models.DateField(_("期间"))
    n = models.PositiveIntegerField(_("数量"), default=0)

    class Meta:
        abstract = True


class MatterKpi(Rollup):
    """事项 by resolved, late, resolved in the village and feedback: the rates of a place and of its children."""

    done = models.BooleanField(_("已办结"))
    late = models.BooleanField(_("曾超期"))
    in_village = models.BooleanField(_("网格或村级办理"))
    feedback = models.CharField(_("回访结果"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（办理指标）")
        indexes = rollup_indexes("kpi")


class MatterKindState(Rollup):
    """事项 by kind, state and overdue-now: received, resolved, the monthly trend, the six small actions."""

    kind = models.CharField(_("事项类型"), max_length=16)
    state = models.CharField(_("状态"), max_length=16)
    overdue = models.BooleanField(_("现超期"))

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（类型×状态）")
        indexes = rollup_indexes("mks")


class MatterCategoryState(Rollup):
    """事项 by category and state."""

    category = models.PositiveIntegerField(_("分类ID"))
    state = models.CharField(_("状态"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（分类×状态）")
        indexes = rollup_indexes("mcs")


class MatterColorState(Rollup):
    """事项 by kind, risk color and state: the red/yellow/blue mix."""

    kind = models.CharField(_("事项类型"), max_length=16)
    color = models.CharField(_("风险等级"), max_length=8)
    state = models.CharField(_("状态"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（类型×风险×状态）")
        indexes = rollup_indexes("mcl")


class MatterChannelState(Rollup):
    """事项 by kind, source channel and state: what the grid found itself (visits) and resolved."""

    kind = models.CharField(_("事项类型"), max_length=16)
    channel = models.CharField(_("来源渠道"), max_length=16)
    state = models.CharField(_("状态"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（类型×渠道×状态）")
        indexes = rollup_indexes("mch")


class MatterOutcome(Rollup):
    """事项 by state, the level holding (resolving) it, lateness, feedback and overdue-now: the rates."""

    state = models.CharField(_("状态"), max_length=16)
    level = models.CharField(_("层级"), max_length=16)
    late = models.BooleanField(_("曾超期"))
    feedback = models.CharField(_("回访结果"), max_length=16)
    overdue = models.BooleanField(_("现超期"))

    class Meta:
        verbose_name = verbose_name_plural = _("事项汇总（办理结果）")
        indexes = rollup_indexes("mout")


class OpenMatter(Rollup):
    """未办结事项 by the unit holding them (snapshot): ``place`` is the holding unit or a unit above it."""

    level = models.CharField(_("承办层级"), max_length=16)
    color = models.CharField(_("风险等级"), max_length=8)
    overdue = models.BooleanField(_("已超期"))
    card = models.CharField(_("督办"), max_length=8)

    class Meta:
        verbose_name = verbose_name_plural = _("在办事项汇总（承办单位）")
        indexes = rollup_indexes("open")


class OpenByPlace(Rollup):
    """未办结事项 where they are (snapshot): ``place`` is the matter's place or a place above it."""

    overdue = models.BooleanField(_("已超期"))
    color = models.CharField(_("风险等级"), max_length=8)

    class Meta:
        verbose_name = verbose_name_plural = _("在办事项汇总（发生地）")
        indexes = rollup_indexes("oplace")


class VisitMode(Rollup):
    """走访 by mode."""

    mode = models.CharField(_("方式"), max_length=8)

    class Meta:
        verbose_name = verbose_name_plural = _("走访汇总（方式）")
        indexes = rollup_indexes("vmode")


class VisitWorker(Rollup):
    """走访 by visitor (an account id), kept at town and village only."""

    user = models.PositiveIntegerField(_("走访人账号ID"))

    class Meta:
        verbose_name = verbose_name_plural = _("走访汇总（走访人）")
        indexes = rollup_indexes("vwork")


class HouseholdCount(Rollup):
    """户 (snapshot): one row per place, for a list's total and the coverage's denominator."""

    class Meta:
        verbose_name = verbose_name_plural = _("户数汇总")
        indexes = rollup_indexes("hcount")


class HouseholdRecency(Rollup):
    """户 by the day of their latest visit (snapshot; ``last_day`` empty = never visited)."""

    last_day = models.DateField(_("最近走访日期"), null=True)

    class Meta:
        verbose_name = verbose_name_plural = _("户走访现状汇总")
        indexes = rollup_indexes("hrec")


class StaffPosts(Rollup):
    """在任的网格人员岗位 by role (snapshot)."""

    role = models.CharField(_("岗位"), max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = _("网格人员岗位汇总")
        indexes = rollup_indexes("staff")


class KeyPersonMix(Rollup):
    """重点人员 by category, color and status, by the day they were enlisted. Read only with the grant."""

    category = models.PositiveIntegerField(_("类别ID"))
    color = models.CharField(_("风险等级"), max_length=8)
    status = models.CharField(_("状态"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("重点人员汇总")
        indexes = rollup_indexes("kp")


class PatrolShift(Rollup):
    """巡逻 by shift, with the headcount."""

    shift = models.CharField(_("时段"), max_length=8)
    headcount = models.PositiveIntegerField(_("参加人次"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("巡逻汇总")
        indexes = rollup_indexes("patrol")


class PublicityMix(Rollup):
    """宣讲 by topic and channel, with the attendance."""

    topic = models.CharField(_("宣讲内容"), max_length=20)
    channel = models.CharField(_("宣讲方式"), max_length=20)
    attendance = models.PositiveIntegerField(_("受众人次"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("宣讲汇总")
        indexes = rollup_indexes("pub")


class DeedCategoryRollup(Rollup):
    """办实事 by category."""

    category = models.CharField(_("类别"), max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = _("办实事汇总")
        indexes = rollup_indexes("deed")


class CleanupRoundRollup(Rollup):
    """环境整治轮次, with the participants."""

    participants = models.PositiveIntegerField(_("参与人次"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("环境整治汇总")
        indexes = rollup_indexes("cround")


class CleanupProblemRollup(Rollup):
    """环境整治发现的问题 by how they were handled (dated by their round)."""

    recurrence = models.CharField(_("整治方式"), max_length=16)

    class Meta:
        verbose_name = verbose_name_plural = _("整治问题汇总")
        indexes = rollup_indexes("cprob")


class CheckRollup(Rollup):
    """摸排户次 by campaign."""

    campaign = models.PositiveIntegerField(_("摸排ID"))

    class Meta:
        verbose_name = verbose_name_plural = _("摸排汇总")
        indexes = rollup_indexes("check")


class StatsState(models.Model):
    """One row: when the rollups were built and refreshed, and how far the matter timeline was read."""

    built_at = models.DateTimeField(_("全量重建时间"), null=True)
    refreshed_at = models.DateTimeField(_("最近刷新时间"), null=True)
    matter_event_id = models.BigIntegerField(_("已读流转记录ID"), default=0)  # every id up to it is counted
    event_cursor = models.BigIntegerField(_("已读到的流转记录ID"), default=0)  # the highest id counted
    # Ids between the two that were missing when read past ([id, first missed at]): a transaction that took
    # one may still commit, so they are looked for again until the grace period is over.
    event_gaps = models.JSONField(_("待补读的流转记录ID"), default=list)
    lease_until = models.DateTimeField(_("刷新占用至"), null=True)
    day_window = models.DateField(_("日汇总起始日"), null=True)

    class Meta:
        verbose_name = verbose_name_plural = _("统计汇总状态")

    def __str__(self) -> str:
        return f"统计汇总（{self.refreshed_at or '未建立'}）"


class StatsDirty(models.Model):
    """A bucket to recount: written with the record's change (same transaction), removed by the refresh."""

    source = models.CharField(_("来源"), max_length=24)
    code = models.CharField(_("地域代码"), max_length=24)
    day = models.DateField(_("日期"), null=True)

    class Meta:
        verbose_name = verbose_name_plural = _("待刷新统计")

    def __str__(self) -> str:
        return f"{self.source} {self.code} {self.day or ''}"
