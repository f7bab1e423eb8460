from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    """The kinds of record an offline phone queues and uploads through one sync endpoint."""

    VISIT = "visit", _("走访")
    FOLLOW_UP = "follow_up", _("重点人员稳控")
    MATTER = "matter", _("事项")
    CAMPAIGN_CHECK = "campaign_check", _("摸排")
    VISIT_EDIT = "visit_edit", _("修改走访")


class SyncStatus(models.TextChoices):
    """What became of one uploaded record (not stored: the answer of the sync endpoint)."""

    CREATED = "created", _("已新建")
    UPDATED = "updated", _("已修改")
    EXISTING = "existing", _("此前已上传")
    CONFLICT = "conflict", _("与服务器上的修改冲突")
    REJECTED = "rejected", _("未接受")
