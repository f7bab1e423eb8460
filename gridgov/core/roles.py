"""The account roles: what each account may do is decided by its one role (and where, by its place).

They live in core because core's scoping primitive (`core.models.scope_prefix`) and access markers
(`core.access`) read them, and every app builds on core; `gridgov.accounts.choices` re-exports them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """An account's role. The last three are the separated administrators (三员分立)."""

    CENTER_STAFF = "center_staff", _("综治中心工作人员")
    VILLAGE_COMMITTEE = "village_committee", _("村（居）委会成员")
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    CLUSTER_LEADER = "cluster_leader", _("联户长")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络人")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


# Roles that read business data within their place's subtree.
BUSINESS_ROLES = frozenset(
    {Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER, Role.CLUSTER_LEADER}
)
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
