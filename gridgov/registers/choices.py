from django.db import models


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", "校验中"
    REJECTED = "rejected", "已退回"
    IMPORTED = "imported", "已导入"
    FAILED = "failed", "出错"
