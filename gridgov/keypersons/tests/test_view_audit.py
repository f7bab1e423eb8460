"""Every page that shows key-population records writes an audit row, the visits 'today' plan included."""

import datetime as dt
import re

from django.utils import timezone

from gridgov.audit.models import AuditLog


def view_rows(after: int):
    rows = AuditLog.objects.filter(action="view", pk__gt=after).order_by("id")
    return [(r.actor_name, r.detail["view"], r.detail.get("ids")) for r in rows]


def last_row() -> int:
    return AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_today_plan_showing_due_key_persons_is_audited(world, drug_users, enlist, leader_a, login):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)  # overdue
    mark = last_row()
    client = login(leader_a)
    page = client.get("/visits/today/")
    assert page.status_code == 200
    assert "重点人员待稳控" in page.content.decode()
    assert view_rows(mark) == [("leader_a", "today_plan", [person.pk])]


def test_today_api_shows_no_key_persons_and_writes_no_audit_row(world, drug_users, enlist, leader_a, login):
    enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)
    mark = last_row()
    client = login(leader_a)
    response = client.get("/api/v1/visits/today")
    assert response.status_code == 200
    assert "follow_ups" not in response.json()
    assert view_rows(mark) == []


def test_grid_worker_without_the_grant_sees_no_key_person_and_no_audit(world, drug_users, enlist, leader_a, login):
    enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)
    mark = last_row()
    page = login(world.grid_worker_a).get("/visits/today/")
    assert page.status_code == 200
    assert "重点人员待稳控" not in page.content.decode()
    assert view_rows(mark) == []


# session, user with place, rules, households due by due class, vulnerable checks due (a count), key persons due
# (a count), the page of key persons due, the audit row
QUERIES_TODAY_WITH_KEY_PERSONS = 8


def test_today_page_row_of_a_due_key_person_at_a_fixed_query_count(
    world, drug_users, enlist, leader_a, login, django_assert_num_queries
):
    person = enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)  # red: every 7 days
    client = login(leader_a)
    mark = last_row()
    with django_assert_num_queries(QUERIES_TODAY_WITH_KEY_PERSONS):
        body = client.get("/visits/today/").content.decode()
    due = timezone.localdate() - dt.timedelta(days=2)
    row = re.search(rf'<tr>\s*<td class="head"><a href="/keypersons/{person.pk}/">.*?</tr>', body, re.S).group(0)
    assert re.sub(r">\n\s*<", "><", row) == (
        f'<tr><td class="head"><a href="/keypersons/{person.pk}/">{world.resident_a.name}</a></td>'
        '<td data-label="类别">吸毒人员</td><td data-label="风险等级"><span class="badge bad">红色</span></td>'
        f'<td data-label="稳控期限">{due:%Y-%m-%d} <span class="badge bad">逾期</span></td>'
        f'<td class="bare"><a class="button secondary" href="/keypersons/{person.pk}/follow-up/">记录稳控</a></td></tr>'
    )
    assert '<a href="?show=follow_ups" aria-current="page">重点人员待稳控 <b>1</b></a>' in body
    assert view_rows(mark) == [("leader_a", "today_plan", [person.pk])]
