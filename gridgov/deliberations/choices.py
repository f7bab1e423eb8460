from django.db import models
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    """议事内容: what villager groups deliberate on ("议事协商到组")."""

    PUBLIC_AFFAIRS = "public_affairs", _("村组公共事务")
    INFRASTRUCTURE = "infrastructure", _("基础设施建设")
    BENEFITS = "benefits", _("惠民政策落实")
    ENVIRONMENT = "environment", _("人居环境整治")
    LAND = "land", _("土地与集体资产")
    INDUSTRY = "industry", _("产业发展")
    DISPUTES = "disputes", _("矛盾纠纷化解")
    SAFETY = "safety", _("平安创建")
    VILLAGE_RULES = "village_rules", _("村规民约")
    OTHER = "other", _("其他")
