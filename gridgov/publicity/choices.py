from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.places.choices import PlaceKind

# Where an event is held: a village (community), a villager group or a grid.
EVENT_PLACE_KINDS = (PlaceKind.VILLAGE, PlaceKind.GROUP, PlaceKind.GRID)


class Topic(models.TextChoices):
    """宣讲内容 (开展小宣讲: 理论政策、惠民举措、村规民约、权益保障、移风易俗、文明新风 ...)."""

    POLICY = "policy", _("理论政策")
    BENEFITS = "benefits", _("惠民举措")
    VILLAGE_RULES = "village_rules", _("村规民约")
    RIGHTS = "rights", _("权益保障")
    CUSTOMS = "customs", _("移风易俗")
    CIVILITY = "civility", _("文明新风")
    ANTI_FRAUD = "anti_fraud", _("反诈防骗")
    SAFETY = "safety", _("安全防范")
    LAW = "law", _("法律法规")
    EPIDEMIC = "epidemic", _("疫情防控")
    VILLAGE_AFFAIRS = "village_affairs", _("村重大事务")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    """宣讲方式 (乡村喇叭、网络平台、村口板凳会、发放宣传册和倡议书、群众会、第一书记群众会)."""

    LOUDSPEAKER = "loudspeaker", _("乡村喇叭")
    ONLINE = "online", _("网络平台")
    BENCH_MEETING = "bench_meeting", _("村口板凳会")
    BROCHURES = "brochures", _("发放宣传册和倡议书")
    MASS_MEETING = "mass_meeting", _("群众会")
    FIRST_SECRETARY = "first_secretary", _("第一书记群众会")


# Channels that reach people without counting heads (broadcast, online): attendance may be 0.
UNCOUNTED_CHANNELS = frozenset({Channel.LOUDSPEAKER, Channel.ONLINE})
