from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentRole(models.TextChoices):
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    CLUSTER_LEADER = "cluster_leader", _("联户长")
    RED_STEWARD = "red_steward", _("红管家")
    FIVE_ELDERS = "five_elders", _("五老")
    MEDIATOR = "mediator", _("调解员")
    VOLUNTEER = "volunteer", _("志愿者")
    PATROL_MEMBER = "patrol_member", _("巡逻队员")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络人")
    CENTER_STAFF = "center_staff", _("综治中心工作人员")
    VILLAGE_COMMITTEE = "village_committee", _("村（居）委会成员")


class AppointmentStatus(models.TextChoices):
    """群众提、两委评: nominated, then reviewed by the village committee, then appointed or rejected."""

    NOMINATED = "nominated", _("已提名")
    REVIEWED = "reviewed", _("两委已评议")
    APPOINTED = "appointed", _("在任")
    REJECTED = "rejected", _("未通过")
    ENDED = "ended", _("已离任")


# The place level each appointment role attaches to.
ROLE_PLACE_KINDS = {
    AppointmentRole.GRID_LEADER: {"grid"},
    AppointmentRole.GRID_WORKER: {"grid"},
    AppointmentRole.CLUSTER_LEADER: {"cluster"},
    AppointmentRole.RED_STEWARD: {"village", "group", "grid"},
    AppointmentRole.FIVE_ELDERS: {"village", "group"},
    AppointmentRole.MEDIATOR: {"town", "village"},
    AppointmentRole.VOLUNTEER: {"village", "group", "grid"},
    AppointmentRole.PATROL_MEMBER: {"town", "village"},
    AppointmentRole.DEPARTMENT_LIAISON: {"county", "town"},
    AppointmentRole.CENTER_STAFF: {"county", "town"},
    AppointmentRole.VILLAGE_COMMITTEE: {"village"},
}
