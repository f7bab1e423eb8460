from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerKind(models.TextChoices):
    """The four e-ledgers of the articles (四本电子台账) and the two activity logs kept beside them."""

    VISIT = "visit", _("走访信息台账")
    KEY_PERSON = "key_person", _("重点人群台账")
    DISPUTE = "dispute", _("矛盾纠纷台账")
    HAZARD = "hazard", _("安全隐患台账")
    PATROL = "patrol", _("巡逻日志")
    PUBLICITY = "publicity", _("宣讲台账")


class ExportStatus(models.TextChoices):
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("出错")
