"""Reads of chat notices for one user: notices sent from the user's area, deliveries to groups in it, robots.

Every query starts from `Model.objects.for_user(user)`: a notice is read where it was sent from (its
sender's place and below), a delivery where its group is. A grid worker thus sees, for the notices
sent to their groups, the copy-ready text and each of their groups' state, and nothing of other grids.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from gridgov.chatnotices.choices import DeliveryMethod, DeliveryStatus
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.core.models import scope_prefix
from gridgov.personnel.models import ChatGroup
from gridgov.places.choices import PlaceKind
from gridgov.places.models import Place

STATUS_KEYS = [s.value for s in DeliveryStatus]


def _status_counts(prefix: str = "deliveries__") -> dict:
    return {f"n_{s}": Count("deliveries", filter=Q(**{f"{prefix}status": s})) for s in STATUS_KEYS}


def notices_for(user) -> QuerySet[ChatNotice]:
    """Notices sent from within the user's area, newest first, each with its deliveries counted by status."""
    return (
        ChatNotice.objects.for_user(user)
        .select_related("place", "sent_by")
        .annotate(**_status_counts())
        .order_by("-id")
    )


def notice_for(user, pk: int) -> ChatNotice:
    return get_object_or_404(notices_for(user), pk=pk)


@dataclass
class Summary:
    total: int
    robot: int
    sent: int
    pending: int
    failing: int
    awaiting_hand: int
    sent_by_hand: int

    @property
    def done(self) -> int:
        return self.sent + self.sent_by_hand


def summary(user, notice: ChatNotice) -> Summary:
    """The notice's deliveries in the user's area, counted: one aggregate query."""
    counts = deliveries_for(user, notice).aggregate(
        total=Count("id"),
        robot=Count("id", filter=Q(method=DeliveryMethod.ROBOT)),
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        pending=Count("id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])),
        failing=Count("id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING], attempts__gt=0)),
        awaiting_hand=Count("id", filter=Q(status=DeliveryStatus.AWAITING_HAND)),
        sent_by_hand=Count("id", filter=Q(status=DeliveryStatus.SENT_BY_HAND)),
    )
    return Summary(**counts)


def deliveries_for(user, notice: ChatNotice | None = None, status: str = "") -> QuerySet[ChatDelivery]:
    qs = ChatDelivery.objects.for_user(user)
    if notice is not None:
        qs = qs.filter(notice=notice)
    if status == "failing":
        qs = qs.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING], attempts__gt=0)
    elif status in STATUS_KEYS:
        qs = qs.filter(status=status)
    return qs.select_related("group", "group__grid", "sent_by").order_by("path", "id")


def delivery_for(user, pk: int) -> ChatDelivery:
    return get_object_or_404(ChatDelivery.objects.for_user(user).select_related("notice", "group", "sent_by"), pk=pk)


def awaiting_hand_for(user) -> QuerySet[ChatDelivery]:
    """The user's to-do: notices to forward by hand to groups in their area, oldest first."""
    return (
        ChatDelivery.objects.for_user(user)
        .filter(status=DeliveryStatus.AWAITING_HAND)
        .select_related("notice", "group")
        .order_by("id")
    )


def groups_in_scope(user, place: str = "") -> QuerySet[ChatGroup]:
    qs = ChatGroup.objects.for_user(user)
    if place:
        qs = qs.within(place)
    return qs.select_related("grid").defer("webhook_sealed").order_by("path", "id")


def group_for(user, pk: int) -> ChatGroup:
    return get_object_or_404(ChatGroup.objects.for_user(user).select_related("grid"), pk=pk)


def target_places(user) -> QuerySet[Place]:
    """Places a notice may be aimed at: the villages of a town or county user, the grids of anyone below."""
    prefix = scope_prefix(user) or "-"
    kinds = [PlaceKind.VILLAGE] if len(prefix) < 12 else [PlaceKind.GRID]
    return Place.objects.for_user(user).filter(kind__in=kinds).only("id", "code", "name").order_by("code")


def group_counts(user) -> dict[str, int]:
    return ChatGroup.objects.for_user(user).aggregate(
        total=Count("id"), robots=Count("id", filter=~Q(webhook_masked=""))
    )
