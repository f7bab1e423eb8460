from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    """A campaign is drafted (checklist editable), then running (checks accepted), then closed."""

    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("进行中")
    CLOSED = "closed", _("已结束")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    YES_NO = "yes_no", _("是/否")
    SINGLE = "single", _("单选")
    MULTI = "multi", _("多选")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTI})
MAX_QUESTIONS = 50
MAX_OPTIONS = 30
MAX_TEXT_ANSWER = 500
