"""/api/v1/chatnotices."""

from ninja import Router

router = Router(tags=["微信群通知"])
