"""Household and resident detail pages, and revealing a masked value (POST, permission, reason, audit)."""

import pytest

from gridgov.audit.choices import AuditAction
from gridgov.audit.models import AuditLog

ID_A = "520330198005171232"
PHONE_A = "13812348000"
HTMX = {"HTTP_HX_REQUEST": "true"}
# session, user with place, the row (related rows joined), [members]
QUERIES_HOUSEHOLD_DETAIL = 4
QUERIES_RESIDENT_DETAIL = 3


@pytest.fixture
def revealer(world):
    world.town_staff.may_reveal_pii = True
    world.town_staff.save()
    return world.town_staff


def reveal_rows():
    return list(AuditLog.objects.filter(action=AuditAction.REVEAL).values("actor_name", "object_id", "detail"))


def test_household_detail_shows_fields_members_grid_and_cluster(world, login):
    response = login(world.grid_worker_a).get(f"/households/{world.household_a.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("H-A-001", "寨坝镇桂园村一组12号", "王建国", "自建房", "桂园村第1网格", "桂园村第1网格第1联户"):
        assert text in body
    assert "520330********1232" in body and "138****8000" in body
    assert ID_A not in body and PHONE_A not in body


def test_grid_worker_gets_404_for_other_grids_household(world, login):
    client = login(world.grid_worker_a)
    for url in (
        f"/households/{world.household_b.pk}/",
        f"/households/{world.household_b.pk}/residents/new/",
        f"/households/residents/{world.resident_b.pk}/",
        f"/households/residents/{world.resident_b.pk}/phone/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.content.decode()
        assert "李秀英" not in body and "H-B-001" not in body and "永盛村" not in body


def test_household_detail_query_count(world, login, django_assert_num_queries):
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_HOUSEHOLD_DETAIL):
        assert client.get(f"/households/{world.household_a.pk}/").status_code == 200


def test_resident_detail_query_count(world, login, django_assert_num_queries):
    client = login(world.town_staff)
    with django_assert_num_queries(QUERIES_RESIDENT_DETAIL):
        assert client.get(f"/households/residents/{world.resident_a.pk}/").status_code == 200


def test_household_detail_draws_the_point_and_grid(world, login):
    from gridgov.households.models import Household

    Household.objects.filter(pk=world.household_a.pk).update(point={"type": "Point", "coordinates": [106.2, 28.3]})
    body = login(world.town_staff).get(f"/households/{world.household_a.pk}/").content.decode()
    assert "vendor/leaflet/leaflet.js" in body
    assert '"coordinates": [106.2, 28.3]' in body


def test_resident_detail_is_masked_with_a_reveal_form_for_permitted_users(world, login, revealer):
    body = login(revealer).get(f"/households/residents/{world.resident_a.pk}/").content.decode()
    assert "520330********1232" in body and "138****8000" in body
    assert ID_A not in body and PHONE_A not in body
    assert "查看完整信息" in body
    assert f'hx-post="/households/residents/{world.resident_a.pk}/reveal/id_number/"' in body


def test_users_without_permission_see_no_reveal_form(world, login):
    body = login(world.grid_worker_a).get(f"/households/residents/{world.resident_a.pk}/").content.decode()
    assert "无权查看完整信息" in body
    assert "hx-post" not in body
    assert ID_A not in body and PHONE_A not in body


def test_reveal_with_reason_shows_the_value_and_writes_one_audit_row(world, login, revealer):
    client = login(revealer)
    before = AuditLog.objects.count()
    response = client.post(
        f"/households/residents/{world.resident_a.pk}/reveal/id_number/",
        {"id_number-reason": "核实身份办理低保"},
        **HTMX,
    )
    assert response.status_code == 200
    assert ID_A in response.content.decode()
    assert PHONE_A not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditLog.objects.count() == before + 1
    assert reveal_rows() == [
        {
            "actor_name": "town",
            "object_id": str(world.resident_a.pk),
            "detail": {"field": "id_number", "reason": "核实身份办理低保"},
        }
    ]


def test_reveal_phone_without_htmx_renders_the_whole_page(world, login, revealer):
    response = login(revealer).post(
        f"/households/residents/{world.resident_a.pk}/reveal/phone/", {"phone-reason": "联系户主核实情况"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert PHONE_A in body and ID_A not in body
    assert "520330********1232" in body
    assert reveal_rows()[0]["detail"] == {"field": "phone", "reason": "联系户主核实情况"}


def test_reveal_needs_a_reason(world, login, revealer):
    client = login(revealer)
    for reason in ("", "   ", "看看"):
        response = client.post(
            f"/households/residents/{world.resident_a.pk}/reveal/id_number/", {"id_number-reason": reason}, **HTMX
        )
        body = response.content.decode()
        assert response.status_code == 200  # HTMX swaps only 2xx; the partial carries the error
        assert "请说明查看理由（至少4个字）" in body
        assert ID_A not in body
    response = client.post(f"/households/residents/{world.resident_a.pk}/reveal/id_number/", {})
    assert response.status_code == 400
    assert ID_A not in response.content.decode()
    assert reveal_rows() == []


def test_reveal_needs_the_permission(world, login):
    client = login(world.grid_worker_a)
    for headers in (HTMX, {}):
        response = client.post(
            f"/households/residents/{world.resident_a.pk}/reveal/id_number/",
            {"id_number-reason": "核实身份办理低保"},
            **headers,
        )
        body = response.content.decode()
        assert response.status_code == (200 if headers else 403)
        assert "您没有查看完整敏感信息的权限" in body
        assert ID_A not in body and PHONE_A not in body
    assert reveal_rows() == []


def test_reveal_is_never_done_by_get(world, login, revealer):
    response = login(revealer).get(
        f"/households/residents/{world.resident_a.pk}/reveal/id_number/?id_number-reason=核实身份办理低保"
    )
    assert response.status_code == 405
    assert ID_A not in response.content.decode()
    assert reveal_rows() == []


def test_reveal_out_of_scope_is_404(world, login):
    world.grid_worker_a.may_reveal_pii = True
    world.grid_worker_a.save()
    response = login(world.grid_worker_a).post(
        f"/households/residents/{world.resident_b.pk}/reveal/id_number/", {"id_number-reason": "核实身份办理低保"}
    )
    assert response.status_code == 404
    assert "李秀英" not in response.content.decode()
    assert reveal_rows() == []


def test_reveal_of_an_unknown_field_is_404(world, login, revealer):
    response = login(revealer).post(
        f"/households/residents/{world.resident_a.pk}/reveal/name/", {"name-reason": "核实身份办理低保"}
    )
    assert response.status_code == 404
    assert reveal_rows() == []
