"""`error_body`: the one `ErrorOut` body every API and the field sync build from a refusal or invalid input."""

from django.core.exceptions import ValidationError

from gridgov.core.actions import ActionRefused
from gridgov.core.schemas import error_body


def test_field_errors_are_listed_per_field_and_joined_in_detail():
    exc = ValidationError({"title": ["请填写主题"], "held_on": ["日期不能晚于今天", "日期过早"]})
    assert error_body(exc) == {
        "detail": "请填写主题；日期不能晚于今天；日期过早",
        "errors": {"title": ["请填写主题"], "held_on": ["日期不能晚于今天", "日期过早"]},
    }


def test_errors_without_a_field_and_refusals_have_only_a_detail():
    assert error_body(ValidationError(["一", "二"])) == {"detail": "一；二", "errors": {}}
    assert error_body(ValidationError("%(n)s 张", params={"n": 9})) == {"detail": "9 张", "errors": {}}
    assert error_body(ActionRefused("不在您的管辖范围内")) == {"detail": "不在您的管辖范围内", "errors": {}}
