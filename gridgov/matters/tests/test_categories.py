"""The seeded, administrator-editable category taxonomy and its typed extra fields."""

import pytest
from django.core.exceptions import ValidationError

from gridgov.matters.models import Category, clean_extra_values


def names(**filters):
    return list(Category.objects.filter(**filters).order_by("sort_order").values_list("name", flat=True))


def test_disputes_follow_peoples_mediation_statistics(db):
    assert names(kind="dispute") == [
        "婚姻家庭纠纷",
        "邻里纠纷",
        "房屋宅基地纠纷",
        "合同纠纷",
        "山林土地纠纷",
        "损害赔偿纠纷",
        "劳动争议纠纷",
        "道路交通事故纠纷",
        "征地拆迁纠纷",
        "其他纠纷",
    ]


def test_hazards_split_into_safety_and_public_security(db):
    assert names(kind="hazard", parent__isnull=True) == ["安全隐患", "治安隐患"]
    assert Category.objects.filter(kind="hazard", parent__isnull=True, selectable=True).count() == 0
    assert names(parent__code="hazard.safety") == [
        "自建房安全",
        "用电用气安全",
        "道路交通安全",
        "防溺水",
        "多合一场所",
        "企业安全生产",
    ]
    assert names(parent__code="hazard.public_security") == ["非法宗教活动", "邪教", "非法集资", "电信网络诈骗", "赌博"]


def test_every_kind_is_seeded_and_every_hardship_asks_the_group_concerned(db):
    counts = {
        k: Category.objects.filter(kind=k, selectable=True).count() for k in ("appeal", "environment", "hardship")
    }
    assert counts == {"appeal": 10, "environment": 9, "hardship": 8}
    for cat in Category.objects.filter(kind="hardship"):
        group = next(f for f in cat.extra_fields if f["name"] == "group")
        assert group["required"] is True
        assert {"困难党员", "独居老人", "困境儿童", "流浪乞讨人员"} <= set(group["options"])
    for cat in Category.objects.all():
        cat.full_clean()  # the seeded schemas are valid


SCHEMA = [
    {"name": "note", "label": "说明", "type": "text", "required": False},
    {"name": "amount", "label": "金额", "type": "number", "required": True},
    {"name": "day", "label": "日期", "type": "date", "required": False},
    {"name": "one", "label": "单选", "type": "single", "required": False, "options": ["甲", "乙"]},
    {"name": "many", "label": "多选", "type": "multi", "required": False, "options": ["甲", "乙", "丙"]},
]


def test_extra_values_are_typed():
    assert clean_extra_values(
        SCHEMA, {"note": " 说明 ", "amount": "12.50", "day": "2026-04-01", "many": ["丙", "甲", "甲"]}
    ) == {
        "note": "说明",
        "amount": 12.5,
        "day": "2026-04-01",
        "many": ["甲", "丙"],
    }
    assert clean_extra_values(SCHEMA, {"amount": "3"}) == {"amount": 3}


@pytest.mark.parametrize(
    "values, errors",
    [
        ({}, {"amount": ["请填写“金额”"]}),
        ({"amount": True}, {"amount": ["“金额”应为数字"]}),
        ({"amount": "NaN"}, {"amount": ["“金额”应为数字"]}),
        ({"amount": 1, "day": "2026-13-01"}, {"day": ["“日期”应为日期（年-月-日）"]}),
        ({"amount": 1, "one": "丙"}, {"one": ["“单选”不是可选的选项"]}),
        ({"amount": 1, "many": "甲"}, {"many": ["“多选”应为选项列表"]}),
        ({"amount": 1, "many": ["丁"]}, {"many": ["“多选”包含不可选的选项：丁"]}),
        ({"amount": 1, "note": "字" * 501}, {"note": ["“说明”不能超过500字"]}),
    ],
)
def test_bad_extra_values_are_refused_in_chinese(values, errors):
    with pytest.raises(ValidationError) as exc:
        clean_extra_values(SCHEMA, values)
    assert exc.value.message_dict == errors


@pytest.mark.parametrize(
    "schema, message",
    [
        ({}, "附加字段应为列表"),
        ([{"name": "X", "label": "x", "type": "text"}], "第1个附加字段的标识应为小写字母开头的英文标识"),
        (
            [{"name": "a", "label": "a", "type": "text"}, {"name": "a", "label": "b", "type": "text"}],
            "附加字段标识重复：a",
        ),
        ([{"name": "a", "label": "a", "type": "colour"}], "附加字段 a 的类型无效"),
        ([{"name": "a", "label": "a", "type": "single", "options": []}], "附加字段 a 需要选项列表"),
        ([{"name": "a", "type": "text"}], "附加字段 a 缺少名称"),
    ],
)
def test_administrators_cannot_save_a_broken_schema(db, schema, message):
    cat = Category(kind="appeal", code="appeal.test", name="测试", extra_fields=schema)
    with pytest.raises(ValidationError) as exc:
        cat.full_clean()
    assert exc.value.message_dict == {"extra_fields": [message]}
