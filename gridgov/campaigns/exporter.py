"""摸排结果导出: one row per target household (checked or not), one column per question; masked, formula-safe.

Cells go through the register exporter's `SafeWriter` (XlsxWriter, every cell a string, never a
formula); the householder's phone is its masked copy, sealed values are never read.
"""

from __future__ import annotations

import json

from django.db.models import FilteredRelation, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.campaigns import queries
from gridgov.campaigns.actions import questions_of
from gridgov.campaigns.answers import display
from gridgov.campaigns.models import Campaign
from gridgov.registers import excel

FILE_LANGUAGE = excel.FILE_LANGUAGE
SHEET = "摸排结果"
BASE_COLUMNS = (
    excel.Column("number", "户编号", width=14, text=True),
    excel.Column("grid_code", "网格编码", width=19, text=True),
    excel.Column("grid", "网格", width=18),
    excel.Column("address", "住址", width=30),
    excel.Column("householder", "户主", width=10),
    excel.Column("phone", "联系电话", width=14, text=True),
    excel.Column("status", "摸排状态", width=10),
    excel.Column("checker", "摸排人", width=10),
    excel.Column("checked_at", "摸排时间", width=17),
)
CHUNK = 2000


def result_rows(user, campaign: Campaign):
    """Cell texts for every target household the user may see, in path order."""
    questions = questions_of(campaign)
    households = (
        queries.targets(user, campaign)
        .annotate(done=FilteredRelation("campaign_checks", condition=Q(campaign_checks__campaign=campaign)))
        .order_by("path", "id")
        .values_list(
            "number",
            "grid__code",
            "grid__name",
            "address",
            "householder__name",
            "householder__phone_masked",
            "done__id",
            "done__checker_name",
            "done__checked_at",
            "done__answers",
            "done__notes",
        )
    )
    for (
        number,
        grid_code,
        grid,
        address,
        name,
        phone,
        check_id,
        checker,
        checked_at,
        answers,
        notes,
    ) in households.iterator(chunk_size=CHUNK):
        if isinstance(answers, str):  # a JSON column read through a join comes back raw on some backends
            answers = json.loads(answers)
        answers = answers or {}
        yield [
            number,
            grid_code or "",
            grid or "",
            address,
            name or "",
            phone or "",
            _("已摸排") if check_id else _("未摸排"),
            checker or "",
            timezone.localtime(checked_at).strftime("%Y-%m-%d %H:%M") if checked_at else "",
            *[display(q, answers.get(q.key)) for q in questions],
            notes or "",
        ]


def write_results(user, campaign: Campaign, path: str) -> int:
    """Write the campaign's results to ``path``; returns the number of households written. Audited."""
    questions = questions_of(campaign)
    columns = [*BASE_COLUMNS, *(excel.Column(q.key, q.text, width=16) for q in questions)]
    columns.append(excel.Column("notes", "备注", width=24))
    with translation.override(FILE_LANGUAGE):
        writer = excel.SafeWriter(path, sheet_name=SHEET, columns=columns)
        writer.workbook.set_properties({"title": f"摸排结果 {campaign.title}", "comments": "gridgov"})
        writer.set_columns(columns)
        writer.header([c.header for c in columns])
        count = 0
        for values in result_rows(user, campaign):
            writer.write(values)
            count += 1
        writer.close()
    record(
        AuditAction.EXPORT,
        campaign,
        detail={"campaign": campaign.pk, "rows": count, "masked": True, "format": "xlsx"},
    )
    return count
