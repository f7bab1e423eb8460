"""The work-queue page: one query for its rows, overdue first and matters without a time limit last, every
text escaped, the same columns as the matter list."""

import datetime as dt

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from gridgov.households.queries import Page
from gridgov.matters import actions, queries
from gridgov.matters.models import DeadlineRule
from gridgov.matters.tests.helpers import record

H = dt.timedelta(hours=1)


def _rows_html(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [line for line in body.splitlines() if line.startswith("<tr>")]


def test_queue_page_prints_each_matter_with_its_labels_and_link(engine, login):
    matter = record(engine.grid_worker_a, color="red", title="王家与母家地界纠纷")
    deadline = timezone.localtime(matter.deadline_at).strftime("%Y-%m-%d %H:%M")
    html = login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode()
    assert _rows_html(html) == [
        f'<tr><td class="head"><a href="{reverse("matters:detail", kwargs={"pk": matter.pk})}">王家与母家地界纠纷</a>'
        f' <span class="muted">{matter.reference}</span></td>'
        '<td data-label="类型">矛盾纠纷 · 山林土地纠纷</td>'
        '<td data-label="风险"><span class="badge bad">红色</span></td>'
        '<td data-label="状态">办理中</td>'
        '<td data-label="承办">网格 · 桂园村第1网格</td>'
        f'<td data-label="时限">{deadline}</td></tr>'
    ]


def test_queue_rows_are_the_matter_lists_rows(engine, login):
    """Same cells as ``matters/_rows.html`` (the list's template) prints for the same matters."""
    DeadlineRule.objects.update(auto_escalate=False)
    red = record(engine.grid_worker_a, color="red", title="红色 & <事项>")
    record(engine.grid_worker_a, color="blue", title="蓝色事项")
    actions.flag_overdue(red.arrived_at + 50 * H)  # red: overdue, red card
    matters = list(queries.work_queue(engine.grid_worker_a).select_related("category", "holder_place"))
    listed = render_to_string("matters/_rows.html", {"page": Page(rows=matters, number=1, has_next=False)})
    html = login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode()
    expected = _rows_html("<tbody>" + listed.split("<tbody>", 1)[1].replace("\n", "").replace("</tr>", "</tr>\n"))
    assert len(expected) == 2
    assert _rows_html(html) == expected


def test_overdue_matters_show_their_badges_and_come_first(engine, login):
    DeadlineRule.objects.update(auto_escalate=False)
    blue = record(engine.grid_worker_a, color="blue", title="蓝色事项")
    red = record(engine.grid_worker_a, color="red", title="红色事项")
    actions.flag_overdue(red.arrived_at + 30 * H)  # red (24 h) is overdue, blue (168 h) is not
    rows = _rows_html(login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode())
    assert [("红色事项" in r, "蓝色事项" in r) for r in rows] == [(True, False), (False, True)]
    assert (
        '<td data-label="状态">办理中 <span class="badge bad">超期</span> <span class="badge warn">黄牌督办</span>'
        in (rows[0])
    )
    assert "超期" not in rows[1] and "督办" not in rows[1]
    assert blue.pk != red.pk


def test_matters_without_a_time_limit_come_after_those_with_one(engine):
    DeadlineRule.objects.filter(kind="dispute", color="blue", level="grid").delete()
    no_limit = record(engine.grid_worker_a, color="blue", title="没有时限")
    later = record(engine.grid_worker_a, color="yellow", title="72小时")
    sooner = record(engine.grid_worker_a, color="red", title="24小时")
    assert no_limit.deadline_at is None
    assert [m.pk for m in queries.work_queue(engine.grid_worker_a)] == [sooner.pk, later.pk, no_limit.pk]
    page = queries.queue_page(engine.grid_worker_a, 1)
    assert [(r.pk, r.deadline) for r in page.rows][2] == (no_limit.pk, "—")


def test_titles_are_escaped(engine, login):
    record(engine.grid_worker_a, title='<script>alert("x")</script>')
    html = login(engine.grid_worker_a).get(reverse("matters:queue")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_queue_pages_by_fifty_without_counting(engine, login):
    for i in range(51):
        record(engine.grid_worker_a, title=f"纠纷第{i}件", household=None, place=engine.world.grid_a)
    client = login(engine.grid_worker_a)
    first = client.get(reverse("matters:queue")).content.decode()
    second = client.get(reverse("matters:queue") + "?page=2").content.decode()
    assert (len(_rows_html(first)), len(_rows_html(second))) == (50, 1)
    assert 'rel="next"' in first and 'rel="next"' not in second and 'rel="prev"' in second


def test_empty_queue_says_so(engine, login):
    html = login(engine.village_committee).get(reverse("matters:queue")).content.decode()
    assert '<tr><td colspan="6">没有待办事项</td></tr>' in html
