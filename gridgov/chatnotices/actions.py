"""Notices to chat groups: compose once, deliver per group, record every group's result.

`send_notice` writes the notice and one `ChatDelivery` per selected group in one transaction, so no
group can be forgotten. Groups with a WeCom group robot get the notice through the robot's webhook
(the real message format of `gridgov.notifications.webhook`) after commit; a robot that does not
answer ``errcode 0`` is retried by `deliver_due` (the periodic job) with exponential backoff until it
does, until someone forwards the notice by hand, or for ``ROBOT_MAX_ATTEMPTS`` attempts (about a day),
after which the delivery waits to be forwarded by hand like one to a group without a robot. Groups
without a robot get a copy-ready text and wait until a user marks them forwarded by hand.

Delivery is at least once: a row is claimed by one sender at a time (a conditional UPDATE with a
lease), marked sent only on the robot's errcode 0, and never deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.accounts.choices import Role
from gridgov.chatnotices.choices import DONE_STATUSES, DeliveryMethod, DeliveryStatus, NoticeFormat
from gridgov.chatnotices.models import ChatDelivery, ChatNotice
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.notifications import webhook
from gridgov.notifications.actions import backoff
from gridgov.personnel.models import ChatGroup
from gridgov.places.models import Place

logger = logging.getLogger(__name__)

# Who sends notices and keeps the groups' robots: the governance center, the village committee,
# grid leaders and grid workers (the owners of most groups).
SENDING_ROLES = frozenset({Role.CENTER_STAFF, Role.VILLAGE_COMMITTEE, Role.GRID_LEADER, Role.GRID_WORKER})
TITLE_MAX = 100
# Seconds spent sending right after the notice is saved; what is left goes to the periodic job.
AFTER_COMMIT_BUDGET = 5.0
# The periodic job stops after this long and leaves the rest to its next round.
ROUND_BUDGET = 50.0
# Robot attempts before a delivery is handed to people: with the notifications backoff (30 s doubling to
# at most 1 h) the 30th attempt comes about 23 hours after the first.
ROBOT_MAX_ATTEMPTS = 30
WECOM_HOST = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def can_send(user) -> None:
    if scope_prefix(user) is None or user.role not in SENDING_ROLES:
        raise ActionRefused(gettext("您的账号不能发布群通知"))


def can_handle_delivery(user, delivery: ChatDelivery) -> None:
    can_send(user)
    if not in_scope(user, delivery.path):
        raise ActionRefused(gettext("该微信群不在您的管辖范围内"))


# ---------------------------------------------------------------- group robots


def webhook_origins() -> tuple[str, ...]:
    """Where robot webhooks may point (scheme://host[:port]): WeCom's robot service unless settings say more.

    The server POSTs to these URLs and shows their answers, so a user-pasted URL must never reach
    another host (an internal service, a cloud metadata address)."""
    return tuple(getattr(settings, "GRIDGOV_CHAT_WEBHOOK_ORIGINS", ("https://qyapi.weixin.qq.com",)))


def webhook_allowed(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() in {o.lower() for o in webhook_origins()}


def normalize_webhook(raw: str) -> str:
    """The robot's webhook URL from what a user pasted: the full URL, or only its key."""
    raw = raw.strip()
    if KEY_RE.match(raw):
        return f"{WECOM_HOST}?key={raw}"
    parts = urllib.parse.urlsplit(raw)
    key = dict(urllib.parse.parse_qsl(parts.query)).get("key", "")
    if parts.scheme not in ("http", "https") or not webhook_allowed(raw) or not key or len(raw) > 500:
        raise ValidationError(
            {
                "webhook": gettext(
                    "请粘贴群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）"
                )
            }
        )
    return raw


def set_group_webhook(user, group: ChatGroup, raw: str) -> ChatGroup:
    """设置群机器人: store the webhook sealed (empty removes it). The audit log records the redacted form."""
    can_send(user)
    if not in_scope(user, group.path):
        raise ActionRefused(gettext("该微信群不在您的管辖范围内"))
    url = normalize_webhook(raw) if raw.strip() else ""
    with transaction.atomic():
        group = ChatGroup.objects.select_for_update().get(pk=group.pk)
        group.set_webhook(url)
        group.save(update_fields=["webhook_sealed", "webhook_masked", "updated_at"])
    return group


# ---------------------------------------------------------------- composing


@dataclass
class NoticeInput:
    title: str
    body: str
    format: str = NoticeFormat.MARKDOWN
    places: list[Place] = field(default_factory=list)  # empty: every group in the sender's area
    client_uuid: uuid.UUID | None = None


def groups_for(user, places: Iterable[Place] = ()) -> list[ChatGroup]:
    """The chat groups a notice goes to: every group in the user's area, or those under the selected places."""
    qs = ChatGroup.objects.for_user(user)
    codes = sorted({p.code for p in places})
    if codes:
        where = Q()
        for code in codes:
            where |= Q(path__within=code)
        qs = qs.filter(where)
    return list(qs.only("id", "path", "name", "webhook_masked").order_by("path", "id"))


def content_of(fmt: str, title: str, body: str, sender: str) -> str:
    """The message text: markdown with a bold title and a grey signature, or plain text."""
    if fmt == NoticeFormat.MARKDOWN:
        return f'**{title}**\n{body}\n<font color="comment">——{sender}</font>'
    return copy_text(title, body, sender)


def build_payload(fmt: str, title: str, body: str, sender: str) -> dict:
    """The robot's message body (WeCom group robot format)."""
    content = content_of(fmt, title, body, sender)
    return webhook.markdown(content) if fmt == NoticeFormat.MARKDOWN else webhook.text(content)


def copy_text(title: str, body: str, sender: str) -> str:
    """What a group owner pastes into a group without a robot."""
    return f"【{title}】\n{body}\n——{sender}"


def _sender_name(user) -> str:
    place = user.place
    suffix = {"county": "综治中心", "town": "综治中心", "village": "村（居）委会"}.get(place.kind, "")
    return f"{place.name}{suffix}"


def _validate(data: NoticeInput, sender: str) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = gettext("请填写标题")
    elif len(data.title.strip()) > TITLE_MAX:
        errors["title"] = gettext("标题不能超过100字")
    if not data.body.strip():
        errors["body"] = gettext("请填写正文")
    if data.format not in NoticeFormat.values:
        errors["format"] = gettext("格式无效")
    else:
        content = content_of(data.format, data.title.strip(), data.body.strip(), sender)
        limit = webhook.MARKDOWN_MAX_BYTES if data.format == NoticeFormat.MARKDOWN else webhook.TEXT_MAX_BYTES
        if len(content.encode("utf-8")) > limit:
            errors["body"] = gettext("正文过长：群机器人一条消息最多 %(n)s 字节（约 %(c)s 个汉字）") % {
                "n": limit,
                "c": limit // 3,
            }
    if errors:
        raise ValidationError(errors)


def send_notice(user, data: NoticeInput) -> tuple[ChatNotice, bool]:
    """发布群通知. Returns (notice, created); a ``client_uuid`` seen before returns the first notice."""
    if data.client_uuid is not None:
        existing = ChatNotice.objects.filter(client_uuid=data.client_uuid).first()
        if existing is not None:
            if not in_scope(user, existing.path):
                raise ActionRefused(gettext("该记录ID已被其他记录使用"))
            return existing, False
    can_send(user)
    for place in data.places:
        if not in_scope(user, place.code):
            raise ActionRefused(gettext("%(name)s 不在您的管辖范围内") % {"name": place.name})
    title, body = data.title.strip(), data.body.strip()
    sender = _sender_name(user)
    _validate(data, sender)
    groups = groups_for(user, data.places)
    if not groups:
        raise ValidationError({"places": gettext("所选范围内没有登记的微信群")})
    now = timezone.now()
    notice = ChatNotice(
        path=user.place.code,
        place=user.place,
        title=title,
        body=body,
        format=data.format,
        payload=build_payload(data.format, title, body, sender),
        copy_text=copy_text(title, body, sender),
        group_count=len(groups),
        sent_by=user,
        client_uuid=data.client_uuid,
    )
    try:
        with transaction.atomic():
            notice.save()
            ChatDelivery.objects.bulk_create(
                [
                    ChatDelivery(
                        path=g.path,
                        notice=notice,
                        group=g,
                        method=DeliveryMethod.ROBOT if g.has_webhook else DeliveryMethod.HAND,
                        status=DeliveryStatus.PENDING if g.has_webhook else DeliveryStatus.AWAITING_HAND,
                        next_attempt_at=now if g.has_webhook else None,
                    )
                    for g in groups
                ]
            )
            if any(g.has_webhook for g in groups):
                transaction.on_commit(partial(_deliver_after_commit, notice.pk))
    except IntegrityError:
        existing = ChatNotice.objects.filter(client_uuid=data.client_uuid).first() if data.client_uuid else None
        if existing is None:
            raise
        return existing, False
    return notice, True


# ---------------------------------------------------------------- robot delivery


def robot_max_attempts() -> int:
    return getattr(settings, "GRIDGOV_CHAT_ROBOT_MAX_ATTEMPTS", ROBOT_MAX_ATTEMPTS)


def due_deliveries(now: dt.datetime):
    """Robot deliveries to try now: pending and due, or held by a sender whose lease ran out."""
    return ChatDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, lease_until__lt=now),
        method=DeliveryMethod.ROBOT,
    )


def deliver(pk: int, now: dt.datetime | None = None) -> bool | None:
    """Try one robot delivery: True when the robot took it, False on a failed attempt (recorded, next
    attempt scheduled), None when it is not due, already done, or held by another sender."""
    now = now or timezone.now()
    lease = now + dt.timedelta(seconds=2 * webhook.timeout() + 30)
    if due_deliveries(now).filter(pk=pk).update(status=DeliveryStatus.SENDING, lease_until=lease) != 1:
        return None
    delivery = ChatDelivery.objects.select_related("notice", "group").get(pk=pk)
    try:
        url = delivery.group.webhook_url()
        if not url:
            raise webhook.DeliveryError(gettext("该群已取消群机器人，请手工转发"))
        if not webhook_allowed(url):  # stored before the origin rule, or the rule narrowed since
            raise webhook.DeliveryError(gettext("群机器人地址不是企业微信的地址，请重新设置或手工转发"))
        webhook.post(url, delivery.notice.payload)
    except webhook.DeliveryError as exc:
        attempts = delivery.attempts + 1
        # After the last attempt the robot is given up: the delivery waits, like a group without a robot,
        # for a person to forward it (it shows in their to-do with the last error), instead of being
        # retried forever unseen.
        give_up = attempts >= robot_max_attempts()
        # Only a row still held by this sender is changed: one forwarded by hand meanwhile stays so.
        ChatDelivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.AWAITING_HAND if give_up else DeliveryStatus.PENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=None if give_up else now + backoff(attempts),
            lease_until=None,
            last_error=str(exc)[:1000],
        )
        if give_up:
            logger.error("chat notice delivery %s: attempt %s failed, left to forward by hand: %s", pk, attempts, exc)
        else:
            logger.warning("chat notice delivery %s: attempt %s failed: %s", pk, attempts, exc)
        return False
    ChatDelivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, attempts=F("attempts") + 1, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return True


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    left: int = 0


def deliver_due(
    now: dt.datetime | None = None, *, notice_id: int | None = None, budget: float = ROUND_BUDGET
) -> DeliveryReport:
    """The delivery job: try every due robot delivery (of one notice, or all), oldest first, for at most
    ``budget`` seconds. Each group has its own robot, so one failing robot does not hold up the others."""
    now = now or timezone.now()
    report = DeliveryReport()
    due = due_deliveries(now)
    if notice_id is not None:
        due = due.filter(notice_id=notice_id)
    ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True))
    started = time.monotonic()
    for index, pk in enumerate(ids):
        if time.monotonic() - started > budget:
            report.left = len(ids) - index
            break
        outcome = deliver(pk, now)
        if outcome is True:
            report.sent += 1
        elif outcome is False:
            report.failed += 1
    return report


def _deliver_after_commit(notice_pk: int) -> None:
    try:
        deliver_due(notice_id=notice_pk, budget=AFTER_COMMIT_BUDGET)
    except Exception:  # never let a delivery break the request that sent the notice
        logger.exception("chat notice %s: delivery after commit failed", notice_pk)


def retry_now(user, notice: ChatNotice) -> int:
    """立即重试: the notice's robot deliveries in the user's area that wait for a retry become due now."""
    can_send(user)
    prefix = scope_prefix(user)
    with transaction.atomic():
        count = ChatDelivery.objects.filter(
            notice=notice, method=DeliveryMethod.ROBOT, status=DeliveryStatus.PENDING, path__within=prefix
        ).update(next_attempt_at=timezone.now())
        if count:
            transaction.on_commit(partial(_deliver_after_commit, notice.pk))
    return count


# ---------------------------------------------------------------- by hand


def mark_sent_by_hand(user, delivery: ChatDelivery) -> ChatDelivery:
    """已手工转发: a group without a robot (or whose robot keeps failing) got the notice from a person."""
    can_handle_delivery(user, delivery)
    with transaction.atomic():
        current = ChatDelivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status in DONE_STATUSES:
            raise ActionRefused(gettext("该群已送达，无需再转发"))
        if current.status == DeliveryStatus.SENDING and current.lease_until and current.lease_until > timezone.now():
            raise ActionRefused(gettext("群机器人正在发送，请稍后再试"))
        current.status = DeliveryStatus.SENT_BY_HAND
        current.sent_at = timezone.now()
        current.sent_by = user
        current.lease_until = None
        current.next_attempt_at = None
        current.save(update_fields=["status", "sent_at", "sent_by", "lease_until", "next_attempt_at", "updated_at"])
    return current
