"""The masking policy: one declared table decides, per model and field, what the auditor reads; anything not
declared that could carry content is masked."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from gridgov.audit import policy
from gridgov.audit.models import AuditLog
from gridgov.core.models import BaseModel

TEXT_KINDS = (models.CharField, models.TextField, models.JSONField, models.FileField, models.FloatField)


def audited_models():
    return [m for m in apps.get_models() if issubclass(m, BaseModel)]


def test_every_text_field_of_every_audited_model_is_masked_unless_the_policy_lists_it():
    shown = []
    for model in audited_models():
        label = model._meta.label_lower
        rule = policy.rule_for(label)
        if rule.summary:  # key populations: no value is shown at all
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_KINDS) and not field.choices:
                kind = policy.kind_of(label, field.attname)
                listed = field.attname in rule.show or field.attname in policy.ALWAYS_SHOWN
                assert kind == (policy.SHOW if listed else policy.MASK), (label, field.attname)
                if kind == policy.SHOW:
                    shown.append(f"{label}.{field.attname}")
    assert len(audited_models()) > 35
    assert "matters.matter.title" in shown and "matters.matter.description" not in shown


@pytest.mark.parametrize(
    "object_type,key",
    [
        ("households.resident", "name"),
        ("households.resident", "birth_date"),
        ("households.resident", "id_number_masked"),
        ("households.resident", "phone_masked"),
        ("households.resident", "sex"),
        ("households.household", "address"),
        ("households.household", "point"),
        ("matters.matter", "description"),
        ("matters.matter", "result"),
        ("matters.matter", "reporter_name"),
        ("matters.matter", "extra"),
        ("matters.matterevent", "note"),
        ("matters.feedback", "said"),
        ("visits.visit", "findings"),
        ("visits.visit", "people_met"),
        ("visits.vulnerablemember", "category"),
        ("open311.servicerequest", "lat"),
        ("open311.servicerequest", "account_id"),
        ("personnel.appointment", "person_name"),
        ("deeds.deed", "beneficiary"),
        ("keypersons.keyperson", "color"),
        ("keypersons.followup", "whereabouts"),
        ("keypersons.keyperson", "category_id"),
        ("matters.matter", "no_such_field"),  # a key the model does not have
        ("newapp.newmodel", "title"),  # a model the policy has never heard of
    ],
)
def test_personal_and_free_text_values_are_masked(object_type, key):
    assert policy.kind_of(object_type, key) == policy.MASK or policy.rule_for(object_type).summary
    assert policy.value_text(object_type, key, "x") == "（已隐去）" or policy.rule_for(object_type).summary


def test_a_change_reads_as_field_names_and_labels_old_to_new():
    with translation.override("zh-hans"):
        row = AuditLog(
            object_type="matters.matter", object_id="12", object_repr="JF-2026-000012 地界纠纷", action="update",
            before={"state": "pending", "description": "旧的描述", "holder_place_id": 3, "overdue": False},
            after={"state": "in_progress", "description": "新的描述", "holder_place_id": 4, "overdue": True},
        )  # fmt: skip
        shown = policy.present(row)
    assert shown.object_label == "事项 #12 JF-2026-000012 地界纠纷"
    assert [line.text() for line in shown.lines] == [
        "状态：待受理 → 办理中",
        "情况描述：已修改（内容已隐去）",
        "承办单位：#3 → #4",
        "已超期：否 → 是",
    ]


def test_a_key_person_change_is_one_sentence_and_names_nobody():
    row = AuditLog(
        object_type="keypersons.followup", object_id="5", object_repr="稳控记录#5", action="create",
        after={"whereabouts": "away_known", "color_after": "red", "key_person_id": 3, "state": "watch"},
    )  # fmt: skip
    shown = policy.present(row)
    assert (shown.object_label, shown.summary, shown.lines) == ("稳控记录 #5", "重点人员记录已变更", [])


def test_event_details_show_audit_metadata_and_mask_the_rest():
    row = AuditLog(
        object_type="households.resident", object_id="9", object_repr="王建国", action="reveal",
        detail={"field": "phone", "reason": "回访核实", "free": "某某的秘密"},
    )  # fmt: skip
    shown = policy.present(row)
    assert shown.object_label == "居民 #9"  # the name is not shown
    assert [line.text() for line in shown.lines] == ["字段：phone", "理由：回访核实", "free：（已隐去）"]
    view = AuditLog(action="view", detail={"view": "key_person_list", "ids": [1, 2], "filters": {"color": "red"}})
    assert [line.text() for line in policy.present(view).lines] == [
        "页面：key_person_list", "记录：#1、#2", "筛选条件：（已隐去）",
    ]  # fmt: skip
