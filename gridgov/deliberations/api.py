"""/api/v1/deliberations."""

from ninja import Router

router = Router(tags=["议事协商"])
