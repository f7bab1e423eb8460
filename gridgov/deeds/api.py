"""/api/v1/deeds."""

from ninja import Router

router = Router(tags=["办实事"])
