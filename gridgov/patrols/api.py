"""/api/v1/patrols."""

from ninja import Router

router = Router(tags=["巡逻日志"])
