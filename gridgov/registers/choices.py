from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("校验中")
    WRITING = "writing", _("写入中")
    REJECTED = "rejected", _("已退回")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("出错")


RUNNING = frozenset({ImportStatus.VALIDATING, ImportStatus.WRITING})
