from django.db import models


class RecordKind(models.TextChoices):
    """The kinds of record an offline phone queues and uploads through one sync endpoint."""

    VISIT = "visit", "走访"
    FOLLOW_UP = "follow_up", "重点人员稳控"
    MATTER = "matter", "事项"
    CAMPAIGN_CHECK = "campaign_check", "摸排"
    VISIT_EDIT = "visit_edit", "修改走访"


class SyncStatus(models.TextChoices):
    """What became of one uploaded record (not stored: the answer of the sync endpoint)."""

    CREATED = "created", "已新建"
    UPDATED = "updated", "已修改"
    EXISTING = "existing", "此前已上传"
    CONFLICT = "conflict", "与服务器上的修改冲突"
    REJECTED = "rejected", "未接受"
