"""/api/v1/campaigns."""

from ninja import Router

router = Router(tags=["摸排"])
