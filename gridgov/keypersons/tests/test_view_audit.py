"""Every page that shows key-population records writes an audit row, the visits 'today' plan included."""

from gridgov.audit.models import AuditLog


def reveals(after: int):
    rows = AuditLog.objects.filter(action="reveal", pk__gt=after).order_by("id")
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
    assert reveals(mark) == [("leader_a", "today_plan", [person.pk])]


def test_today_api_shows_no_key_persons_and_writes_no_audit_row(world, drug_users, enlist, leader_a, login):
    enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)
    mark = last_row()
    client = login(leader_a)
    response = client.get("/api/v1/visits/today")
    assert response.status_code == 200
    assert "follow_ups" not in response.json()
    assert reveals(mark) == []


def test_grid_worker_without_the_grant_sees_no_key_person_and_no_audit(world, drug_users, enlist, leader_a, login):
    enlist(world.resident_a, drug_users, "red", responsible=leader_a, days_ago_=9)
    mark = last_row()
    page = login(world.grid_worker_a).get("/visits/today/")
    assert page.status_code == 200
    assert "重点人员待稳控" not in page.content.decode()
    assert reveals(mark) == []
