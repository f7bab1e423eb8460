from django.db import models


class AppointmentRole(models.TextChoices):
    GRID_LEADER = "grid_leader", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    CLUSTER_LEADER = "cluster_leader", "联户长"
    RED_STEWARD = "red_steward", "红管家"
    FIVE_ELDERS = "five_elders", "五老"
    MEDIATOR = "mediator", "调解员"
    VOLUNTEER = "volunteer", "志愿者"
    PATROL_MEMBER = "patrol_member", "巡逻队员"
    DEPARTMENT_LIAISON = "department_liaison", "部门联络人"
    CENTER_STAFF = "center_staff", "综治中心工作人员"
    VILLAGE_COMMITTEE = "village_committee", "村（居）委会成员"


class AppointmentStatus(models.TextChoices):
    """群众提、两委评: nominated, then reviewed by the village committee, then appointed or rejected."""

    NOMINATED = "nominated", "已提名"
    REVIEWED = "reviewed", "两委已评议"
    APPOINTED = "appointed", "在任"
    REJECTED = "rejected", "未通过"
    ENDED = "ended", "已离任"


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
