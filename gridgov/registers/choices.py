from django.db import models


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", "校验中"
    WRITING = "writing", "写入中"
    REJECTED = "rejected", "已退回"
    IMPORTED = "imported", "已导入"
    FAILED = "failed", "出错"


RUNNING = frozenset({ImportStatus.VALIDATING, ImportStatus.WRITING})
