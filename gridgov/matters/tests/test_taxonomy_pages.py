"""事项设置: county center staff edit categories (with typed extra fields) and the deadline table; town and
county center staff register departments of their area with liaisons. Everyone else gets 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gridgov.accounts.choices import Role
from gridgov.audit.models import AuditLog
from gridgov.matters import actions
from gridgov.matters.forms import categories_of
from gridgov.matters.models import Category, DeadlineRule, Department, Matter
from gridgov.matters.tests.helpers import record
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place
from gridgov.testing import make_user

SETTINGS_PAGES = ["matters:category_list", "matters:category_create", "matters:deadline_table"]


def category_post(**overrides) -> dict:
    data = {
        "kind": "dispute",
        "code": "dispute.water",
        "name": "用水纠纷",
        "parent": "",
        "selectable": "on",
        "department_kind": "judicial",
        "sort_order": "90",
        "active": "on",
        "xf-TOTAL_FORMS": "2",
        "xf-INITIAL_FORMS": "0",
        "xf-MIN_NUM_FORMS": "0",
        "xf-MAX_NUM_FORMS": "30",
        "xf-0-name": "households",
        "xf-0-label": "涉及户数",
        "xf-0-type": "number",
        "xf-0-required": "on",
        "xf-1-name": "source",
        "xf-1-label": "水源",
        "xf-1-type": "single",
        "xf-1-options": "井水\n自来水、山泉水",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- who


@pytest.mark.parametrize(
    "role", ["town_staff", "village_committee", "grid_worker_a", "department_liaison", "auditor", "system_admin"]
)
def test_only_county_center_staff_reach_categories_and_deadlines(engine, login, role):
    client = login(engine.user(role))
    for name in SETTINGS_PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    before = Category.objects.count()
    assert client.post(reverse("matters:category_create"), category_post()).status_code == 404
    assert Category.objects.count() == before


def test_town_staff_see_departments_but_not_the_shared_tables(engine, login):
    page = login(engine.town_staff).get(reverse("matters:settings")).content.decode()
    assert reverse("matters:department_list") in page
    assert reverse("matters:category_list") not in page
    county = login(engine.county_staff).get(reverse("matters:settings")).content.decode()
    assert reverse("matters:category_list") in county and reverse("matters:deadline_table") in county


# ---------------------------------------------------------------- categories


def test_county_staff_add_a_category_with_typed_extra_fields_used_at_intake(engine, login):
    client = login(engine.county_staff)
    response = client.post(reverse("matters:category_create"), category_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    category = Category.objects.get(code="dispute.water")
    assert (category.name, category.kind, category.department_kind, category.extra_fields) == (
        "用水纠纷",
        "dispute",
        "judicial",
        [
            {"name": "households", "label": "涉及户数", "type": "number", "required": True},
            {"name": "source", "label": "水源", "type": "single", "options": ["井水", "自来水", "山泉水"]},
        ],
    )
    assert category in categories_of("dispute")
    assert AuditLog.objects.filter(object_type="matters.category", object_id=str(category.pk)).count() == 1
    matter = record(engine.grid_worker_a, code="dispute.water", extra={"households": "3", "source": "井水"})
    assert matter.extra == {"households": 3, "source": "井水"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "Dispute Water"}, "code", "代码应为小写英文"),
        ({"code": "dispute.land_forest"}, "code", "代码 dispute.land_forest 已被使用"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"xf-1-options": ""}, "xf-1-options", "单选、多选须填写选项"),
        ({"xf-1-name": "households"}, None, "附加字段标识重复：households"),
        ({"xf-0-name": "1st"}, "xf-0-name", "标识应为小写英文字母开头"),
    ],
)
def test_category_validation_says_what_is_wrong_and_saves_nothing(engine, login, overrides, field, message):
    before = Category.objects.count()
    response = login(engine.county_staff).post(reverse("matters:category_create"), category_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Category.objects.count() == before


def test_rename_and_deactivate_keeps_old_matters(engine, login):
    matter = record(engine.grid_worker_a)  # dispute.land_forest
    category = Category.objects.get(code="dispute.land_forest")
    client = login(engine.county_staff)
    url = reverse("matters:category_edit", args=[category.pk])
    assert client.get(url).status_code == 200
    post = category_post(code=None, kind=None, name="土地山林权属纠纷", active=None, **{"xf-TOTAL_FORMS": "0"})
    post["parent"] = category.parent_id or ""
    post["sort_order"] = str(category.sort_order)
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    category.refresh_from_db()
    assert (category.name, category.active, category.code, category.extra_fields) == (
        "土地山林权属纠纷",
        False,
        "dispute.land_forest",
        [],
    )
    assert category not in categories_of("dispute")
    assert Matter.objects.get(pk=matter.pk).category == category
    listing = client.get(reverse("matters:category_list")).content.decode()
    assert "土地山林权属纠纷" in listing


def test_a_category_in_use_cannot_become_a_group(engine):
    record(engine.grid_worker_a)
    category = Category.objects.get(code="dispute.land_forest")
    with pytest.raises(ValidationError) as refused:
        actions.save_category(
            engine.county_staff,
            category,
            actions.CategoryInput(kind="dispute", code=category.code, name=category.name, selectable=False),
        )
    assert refused.value.message_dict == {"selectable": ["已有事项使用该分类，不能改为分组"]}


def test_category_list_query_count_is_fixed(engine, login, django_assert_num_queries):
    client = login(engine.county_staff)
    client.get(reverse("matters:category_list"))
    with django_assert_num_queries(3):  # session, user with place, categories with parent and matter counts
        assert client.get(reverse("matters:category_list")).status_code == 200


# ---------------------------------------------------------------- the deadline table


def test_county_staff_edit_the_deadline_table(engine, login):
    client = login(engine.county_staff)
    page = client.get(reverse("matters:deadline_table"))
    assert page.status_code == 200
    data = {}
    for rule in DeadlineRule.objects.all():
        key = f"{rule.kind}-{rule.color}-{rule.level}"
        data[f"h-{key}"] = str(rule.hours)
        if rule.auto_escalate:
            data[f"a-{key}"] = "1"
    before = DeadlineRule.objects.count()
    data["h-dispute-red-grid"] = "12"
    data["a-dispute-red-grid"] = "1"
    data["h-hazard-blue-village"] = ""
    response = client.post(reverse("matters:deadline_table"), data)
    assert response.status_code == 302
    red = DeadlineRule.objects.get(kind="dispute", color="red", level="grid")
    assert (red.hours, red.auto_escalate) == (12, True)
    assert not DeadlineRule.objects.filter(kind="hazard", color="blue", level="village").exists()
    assert DeadlineRule.objects.count() == before - 1
    matter = record(engine.grid_worker_a, color="red")
    assert (matter.deadline_at - matter.arrived_at).total_seconds() == 12 * 3600


def table() -> list[tuple]:
    return list(DeadlineRule.objects.order_by("id").values_list("kind", "color", "level", "hours", "auto_escalate"))


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("h-dispute-red-grid", "abc", "时限应为整数小时"),
        ("h-dispute-red-grid", "0", "时限应为1到8760小时"),
        ("a-dispute-red-county", "1", "县级和职能部门没有上一级，不能自动上报"),
    ],
)
def test_deadline_errors_are_shown_and_nothing_changes(engine, login, cell, value, message):
    rows = table()
    data = {f"h-{k}-{c}-{lv}": str(h) for k, c, lv, h, _a in rows}
    data[cell] = value
    response = login(engine.county_staff).post(reverse("matters:deadline_table"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (
        list(DeadlineRule.objects.order_by("id").values_list("kind", "color", "level", "hours", "auto_escalate"))
        == rows
    )


# ---------------------------------------------------------------- departments


def test_town_staff_register_a_department_with_a_liaison(engine, login):
    liaison = make_user("natres", Role.DEPARTMENT_LIAISON, engine.town, display_name="自然资源所联络人")
    client = login(engine.town_staff)
    response = client.post(
        reverse("matters:department_create"),
        {
            "place": engine.town.pk,
            "kind": "natural_resources",
            "name": "寨坝镇自然资源所",
            "phone": "0851-1234567",
            "liaisons": [liaison.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dept = Department.objects.get(name="寨坝镇自然资源所")
    assert (dept.path, dept.kind, list(dept.liaisons.all())) == (engine.town.code, "natural_resources", [liaison])
    listing = client.get(reverse("matters:department_list")).content.decode()
    assert "寨坝镇自然资源所" in listing and "自然资源所联络人" in listing
    assert "习水县应急管理局" not in listing  # a county department: not the town's to manage


def test_liaisons_must_be_liaison_accounts_of_the_place(engine, login):
    other_town = Place.objects.create(code="520330114", name="东皇镇", kind=PlaceKind.TOWN, parent=engine.county)
    stranger = make_user("stranger", Role.DEPARTMENT_LIAISON, other_town)
    with pytest.raises(ValidationError) as refused:
        actions.save_department(
            engine.county_staff,
            None,
            actions.DepartmentInput(place=engine.town, kind="police", name="寨坝二所", liaisons=[stranger]),
        )
    assert refused.value.message_dict == {"liaisons": ["stranger不是本地的部门联络人账号"]}
    with pytest.raises(actions.ActionRefused, match="东皇镇 不在您的管辖范围内"):
        actions.save_department(
            engine.town_staff, None, actions.DepartmentInput(place=other_town, kind="police", name="东皇派出所")
        )
    assert not Department.objects.filter(name__in=["寨坝二所", "东皇派出所"]).exists()


def test_town_staff_cannot_open_a_county_department_and_others_cannot_manage(engine, login):
    url = reverse("matters:department_edit", args=[engine.county_emergency.pk])
    assert login(engine.town_staff).get(url).status_code == 404
    assert login(engine.county_staff).get(url).status_code == 200
    for role in ("village_committee", "grid_worker_a", "department_liaison", "auditor"):
        assert login(engine.user(role)).get(reverse("matters:department_list")).status_code == 404


def test_deactivated_department_no_longer_takes_matters(engine, login):
    client = login(engine.town_staff)
    judicial = engine.judicial
    response = client.post(
        reverse("matters:department_edit", args=[judicial.pk]),
        {
            "place": engine.town.pk,
            "kind": "judicial",
            "name": judicial.name,
            "liaisons": [engine.department_liaison.pk],
        },
    )
    assert response.status_code == 302
    judicial.refresh_from_db()
    assert judicial.active is False
    matter = record(engine.grid_worker_a)
    actions.report_up(engine.grid_worker_a, matter, reason="x", to_level=None)
    actions.accept(engine.village_committee, matter)
    actions.report_up(engine.village_committee, matter, reason="x")
    actions.accept(engine.town_staff, matter)
    with pytest.raises(actions.ActionRefused, match="不能交办"):
        actions.route_to_department(engine.town_staff, matter, judicial)


def test_department_list_query_count_is_fixed(engine, login, django_assert_num_queries):
    client = login(engine.county_staff)
    client.get(reverse("matters:department_list"))
    with django_assert_num_queries(4):  # session, user with place, departments with place, their liaisons
        assert client.get(reverse("matters:department_list")).status_code == 200
