# The roles are defined in core (its scoping and access markers read them); re-exported here for the apps.
from gridgov.core.roles import ADMIN_ROLES, BUSINESS_ROLES, Role

__all__ = ["ADMIN_ROLES", "BUSINESS_ROLES", "ROLE_PLACE_KINDS", "Role"]

# Which place levels each business role may be bound to.
ROLE_PLACE_KINDS = {
    Role.CENTER_STAFF: {"province", "city", "county", "town"},
    Role.VILLAGE_COMMITTEE: {"village"},
    Role.GRID_LEADER: {"grid", "village"},
    Role.GRID_WORKER: {"grid"},
    Role.CLUSTER_LEADER: {"cluster"},
    Role.DEPARTMENT_LIAISON: {"county", "town"},
}
