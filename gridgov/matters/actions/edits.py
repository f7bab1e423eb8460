"""Changes to what a matter holds: attachments and corrections (修改事项), each a timeline row."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gridgov.matters import files
from gridgov.matters.actions.engine import (
    _before,
    _event,
    _lock,
    _save,
    _text,
)
from gridgov.matters.choices import (
    MatterAction,
    RiskColor,
)
from gridgov.matters.models import (
    Attachment,
    Category,
    DeadlineRule,
    Matter,
    private_storage,
)
from gridgov.matters.policy import (
    can_add_attachment,
    can_edit_matter,
)


def add_attachment(user, matter: Matter, upload, *, caption: str = "") -> Attachment:
    """添加附件: a photo or document, checked by content and size, stored privately under the matter."""
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": "说明不能超过200字"})
    with transaction.atomic():
        _lock(matter)
        can_add_attachment(user, matter)
        checked = files.check_upload(upload)
        storage = private_storage()
        name = storage.save(
            f"matters/{matter.path[:6]}/{matter.pk}/{uuid.uuid4().hex}.{checked.type.extension}", upload
        )
        try:
            attachment = Attachment.objects.create(
                path=matter.path,
                matter=matter,
                file=name,
                kind=checked.type.kind,
                content_type=checked.type.content_type,
                original_name=checked.original_name,
                size=checked.size,
                sha256=checked.sha256,
                caption=caption,
                uploaded_by=user,
            )
            before = _before(matter)
            _event(
                user,
                matter,
                before,
                MatterAction.ADD_ATTACHMENT,
                note=" ".join(filter(None, [checked.original_name, caption])),
                data={"attachment": attachment.pk, "kind": checked.type.kind, "size": checked.size},
            )
        except BaseException:
            storage.delete(name)
            raise
    return attachment


@dataclass
class MatterEdit:
    """What the holder may correct: title, description, risk color (with a reason), category and its extra fields.

    ``extra=None`` keeps the current values when the category stays, and starts empty when it changes.
    """

    title: str
    description: str
    color: str
    category: Category
    extra: dict[str, Any] | None = None
    reason: str = ""


def _edit_view(matter: Matter, category_name: str) -> dict[str, Any]:
    return {
        "title": matter.title,
        "description": matter.description,
        "color": matter.color,
        "category": category_name,
        "extra": matter.extra or {},
    }


def edit_matter(user, matter: Matter, data: MatterEdit) -> Matter:
    """修改事项: the timeline keeps what changed, before and after; a new color resets this holding's time limit
    from when it arrived."""
    title = _text(data.title, "title", "标题")
    if len(title) > 200:
        raise ValidationError({"title": "标题不能超过200字"})
    if data.color not in RiskColor.values:
        raise ValidationError({"color": "风险等级无效"})
    with transaction.atomic():
        _lock(matter)
        can_edit_matter(user, matter)
        category_changed = data.category.pk != matter.category_id
        if category_changed and (
            data.category.kind != matter.kind or not data.category.selectable or not data.category.active
        ):
            raise ValidationError({"category": "请选择该类事项下可用的分类"})
        if data.extra is None and not category_changed:
            extra = matter.extra or {}
        else:
            extra = data.category.clean_extra(data.extra or {})
        reason = (data.reason or "").strip()
        color_changed = data.color != matter.color
        if color_changed and not reason:
            raise ValidationError({"reason": "修改风险等级须说明理由"})
        old_category = Category.objects.only("name").get(pk=matter.category_id).name
        before_values = _edit_view(matter, old_category)
        before = _before(matter)
        matter.title = title
        matter.description = (data.description or "").strip()
        matter.color = data.color
        matter.category = data.category
        matter.extra = extra
        after_values = _edit_view(matter, data.category.name)
        changed = [k for k in before_values if before_values[k] != after_values[k]]
        if not changed:
            raise ValidationError("没有修改任何内容")
        fields = ["title", "description", "color", "category", "extra", "search_text"]
        matter.refresh_search_text()
        if color_changed and matter.arrived_at is not None:
            rule = DeadlineRule.objects.filter(
                kind=matter.kind, color=matter.color, level=matter.deadline_level
            ).first()
            if rule is None:
                matter.deadline_at = matter.red_card_at = None
            else:
                matter.deadline_at = matter.arrived_at + dt.timedelta(hours=rule.hours)
                matter.red_card_at = matter.arrived_at + dt.timedelta(hours=2 * rule.hours)
            fields += ["deadline_at", "red_card_at"]
        _save(matter, fields)
        _event(
            user,
            matter,
            before,
            MatterAction.EDIT_MATTER,
            note=reason or "修改：" + "、".join(EDIT_LABELS[k] for k in changed),
            data={
                "changed": changed,
                "before": {k: before_values[k] for k in changed},
                "after": {k: after_values[k] for k in changed},
            },
        )
    return matter


EDIT_LABELS = {"title": "标题", "description": "情况描述", "color": "风险等级", "category": "分类", "extra": "附加信息"}
