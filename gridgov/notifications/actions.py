"""Notices and outbound messages: derived from the matter engine's events, in the same transaction.

`notify_matter_event` and `notify_supervision` run from post_save signals of the matters app
(see `signals.py`), inside the action's ``transaction.atomic()``: the notices and the outbox rows
commit or roll back with the event that caused them. Outbox rows are sent after commit
(``transaction.on_commit``) and, when the receiver is down, retried by `deliver_due` (the periodic
job) with exponential backoff until the receiver acknowledges them.

Delivery is at least once: a row is claimed by one sender at a time (a conditional UPDATE with a
lease), marked sent only on the receiver's errcode 0, and never deleted. Only a receiver that took a
message but whose answer was lost can see it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridgov.matters.choices import CardColor, MatterAction, MatterState, RiskColor
from gridgov.matters.models import Matter, MatterEvent, Supervision
from gridgov.notifications import queries, webhook
from gridgov.notifications.choices import Channel, NoticeKind, OutboundStatus
from gridgov.notifications.models import Notice, OutboundMessage

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
# After a failure, senders after commit leave new messages to the periodic job for a while,
# so that a dead receiver does not slow down every request that issues a message.
COOL_DOWN_SECONDS = 30.0
TEXT_MAX = 500

_last_failure: float | None = None

DONE_STATES = frozenset({MatterState.RESOLVED, MatterState.CLOSED, MatterState.MERGED})


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, 4 min ... at most 1 hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _notify(user_ids: list[int], *, kind: str, text: str, matter_id: int | None) -> list[Notice]:
    if not user_ids:
        return []
    return Notice.objects.bulk_create(
        [Notice(recipient_id=uid, matter_id=matter_id, kind=kind, text=_clip(text)) for uid in user_ids]
    )


# ---------------------------------------------------------------- key-person alerts


KEY_ALERT_SOURCE = "keyalert:{}"


def key_alert_text(alert, today: dt.date) -> str:
    """The notice of one alert: kind, color, dates and the alert's number, never a name or a category.

    The person is read on the alert pages, which check the grant and write the audit row.
    """
    from gridgov.keypersons.choices import AlertKind

    color = alert.get_color_display()
    last = alert.key_person.last_follow_up_on
    if alert.kind == AlertKind.OUT_OF_CONTACT:
        text = f"重点人员失联预警（{color}，预警#{alert.pk}）：自{alert.reference_on:%Y-%m-%d}起失联"
    else:
        late = (today - alert.reference_on).days
        text = (
            f"重点人员稳控逾期预警（{color}，预警#{alert.pk}）：应于{alert.reference_on:%Y-%m-%d}稳控，已逾期{late}天"
        )
    if last is not None:
        text += f"，距最近一次稳控已{(today - last).days}天"
    return text + "。请到“重点人员预警”查看并签收。"


def key_alert_recipients(alerts) -> dict[int, list[int]]:
    """Alert id -> accounts to notify: its responsible person and the town's key-population officers,
    only active business accounts holding the key-population grant (nobody else learns of the alert)."""
    from gridgov.accounts.choices import BUSINESS_ROLES
    from gridgov.accounts.models import User

    holders = User.objects.filter(is_active=True, may_view_key_population=True, role__in=BUSINESS_ROLES)
    towns = {a.town_id for a in alerts if a.town_id}
    officers: dict[int, list[int]] = {}
    for uid, place_id in holders.filter(place_id__in=towns).order_by("id").values_list("id", "place_id"):
        officers.setdefault(place_id, []).append(uid)
    responsible = set(
        holders.filter(pk__in={a.responsible_id for a in alerts if a.responsible_id}).values_list("id", flat=True)
    )
    out = {}
    for alert in alerts:
        ids = [alert.responsible_id] if alert.responsible_id in responsible else []
        ids += [uid for uid in officers.get(alert.town_id, []) if uid not in ids]
        out[alert.pk] = ids
    return out


def notify_key_person_alerts(now: dt.datetime | None = None) -> int:
    """Notices for the open key-person alerts: one per (alert, recipient), ever. Returns how many are new.

    Idempotent: a notice carries its alert as ``source`` (unique per recipient), so the periodic job
    can run this every round; an alert whose responsible person changes reaches the new one too.
    """
    from gridgov.keypersons.models import KeyPersonAlert

    today = timezone.localdate(now or timezone.now())
    alerts = list(
        KeyPersonAlert.objects.filter(closed_at__isnull=True)
        .select_related("key_person")
        .only(
            "id", "kind", "color", "reference_on", "responsible_id", "town_id", "key_person__last_follow_up_on"
        )  # fmt: skip
        .order_by("id")
    )
    if not alerts:
        return 0
    recipients = key_alert_recipients(alerts)
    sources = [KEY_ALERT_SOURCE.format(a.pk) for a in alerts]
    sent = set(Notice.objects.filter(source__in=sources).values_list("recipient_id", "source"))
    rows = []
    for alert in alerts:
        source = KEY_ALERT_SOURCE.format(alert.pk)
        text = None
        for uid in recipients[alert.pk]:
            if (uid, source) in sent:
                continue
            text = text or _clip(key_alert_text(alert, today))
            rows.append(Notice(recipient_id=uid, kind=NoticeKind.KEY_PERSON_ALERT, text=text, source=source))
    with transaction.atomic():
        Notice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# ---------------------------------------------------------------- from the matter engine


def notify_matter_event(event: MatterEvent) -> list[Notice]:
    """A matter arrived at a new holder (recorded, reported up, routed, replied, sent back, returned,
    escalated) or came back to work after being done: notice to the new holder's accounts (not to the
    one who acted). A red matter's arrival also goes to the WeCom group robot."""
    if event.action == MatterAction.SUPERVISE:
        return []  # the supervision card itself is notified (see notify_supervision)
    moved = (event.from_unit_id, event.from_department_id) != (event.to_unit_id, event.to_department_id)
    reopened = event.from_state in DONE_STATES and event.to_state not in DONE_STATES
    if not (moved or reopened):
        return []
    matter = event.matter
    holders = queries.holder_accounts(matter.holder_path, matter.holder_department_id)
    recipients = [uid for uid in holders if uid != event.actor_id]
    kind = NoticeKind.ARRIVAL if moved else NoticeKind.REOPENED
    text = f"{event.get_action_display()}：{matter.reference} {matter.title}（{matter.get_color_display()}）"
    if event.note and event.action != MatterAction.RECORD:
        text += f"。{event.note}"
    notices = _notify(recipients, kind=kind, text=text, matter_id=matter.pk)
    if matter.color == RiskColor.RED and webhook.webhook_url():
        queue_message(key=f"event:{event.pk}", matter_id=matter.pk, payload=red_matter_message(event))
    return notices


def notify_supervision(supervision: Supervision) -> list[Notice]:
    """A yellow or red supervision card (督办): notice to the supervised holder's accounts and to the
    level above (the unit a department works for, or the next unit up); the card goes to the robot."""
    matter = supervision.matter
    same_unit = matter.holder_place_id == supervision.holder_place_id
    code = matter.holder_path if same_unit else supervision.holder_place.code
    department_id = supervision.holder_department_id
    if department_id is not None:
        units = [code]  # the department's liaisons and the unit it works for
    else:
        above = queries.unit_above(code)
        units = [code, above] if above else [code]
    recipients = queries.accounts_for(units, department_id)
    text = f"{supervision.get_color_display()}：{matter.reference} {matter.title}——{supervision.reason}"
    notices = _notify(recipients, kind=NoticeKind.SUPERVISION, text=text, matter_id=matter.pk)
    if webhook.webhook_url():
        payload = supervision_message(supervision)
        queue_message(key=f"supervision:{supervision.pk}", matter_id=matter.pk, payload=payload)
    return notices


def red_matter_message(event: MatterEvent) -> dict:
    """The robot's markdown for a red matter arriving at a holder."""
    matter = Matter.objects.select_related("category", "place", "holder_place", "holder_department").get(
        pk=event.matter_id
    )
    holder = matter.holder_department.name if matter.holder_department_id else matter.holder_place.name
    lines = [
        f'**<font color="warning">红色事项</font> · {event.get_action_display()}**',
        f"> 编号：{matter.reference}",
        f"> 标题：{matter.title}",
        f"> 类型：{matter.get_kind_display()}｜{matter.category.name}",
        f"> 发生地：{matter.place.name}",
        f"> 现由：{holder}办理",
    ]
    if matter.deadline_at:
        lines.append(f"> 办理时限：{_local(matter.deadline_at)}")
    if event.note:
        lines.append(f"> 说明：{event.note}")
    return webhook.markdown("\n".join(lines))


def supervision_message(supervision: Supervision) -> dict:
    """The robot's markdown for a supervision card."""
    matter = supervision.matter
    card = "红牌督办" if supervision.color == CardColor.RED else "黄牌督办"
    lines = [
        f'**<font color="warning">{card}</font>** {matter.reference}',
        f"> 标题：{matter.title}",
        f"> 风险等级：{matter.get_color_display()}",
        f"> 督办事由：{supervision.reason}",
        f"> 督办时间：{_local(supervision.issued_at)}",
    ]
    return webhook.markdown("\n".join(lines))


# ---------------------------------------------------------------- the outbox


def queue_message(*, key: str, payload: dict, matter_id: int | None = None) -> OutboundMessage | None:
    """Write an outbox row in the current transaction (none when the robot is off, or for a key
    already queued) and try to send it once the transaction commits."""
    if not webhook.webhook_url():
        return None
    message, created = OutboundMessage.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "channel": Channel.WECOM,
            "matter_id": matter_id,
            "payload": payload,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(partial(_deliver_after_commit, message.pk))
    return message


def _deliver_after_commit(pk: int) -> None:
    if _last_failure is not None and time.monotonic() - _last_failure < COOL_DOWN_SECONDS:
        return  # the receiver failed a moment ago: the periodic job will retry
    try:
        deliver(pk)
    except Exception:  # never let a notification break the request that caused it
        logger.exception("outbound message %s: delivery after commit failed", pk)


def _within_rate(channel: str, now: dt.datetime) -> int:
    return max(webhook.per_minute() - queries.sent_since(channel, now - dt.timedelta(minutes=1)), 0)


def _claim(pk: int, now: dt.datetime) -> bool:
    lease = now + dt.timedelta(seconds=2 * webhook.timeout() + 30)
    claimed = queries.due_messages(now).filter(pk=pk).update(status=OutboundStatus.SENDING, lease_until=lease)
    return claimed == 1


def deliver(pk: int, now: dt.datetime | None = None) -> bool | None:
    """Try to send one outbox row: True when the receiver took it, False on a failed attempt
    (recorded, next attempt scheduled), None when it is not due, already sent, held by another
    sender, over the robot's rate limit, or the robot is off."""
    global _last_failure
    now = now or timezone.now()
    url = webhook.webhook_url()
    if not url or _within_rate(Channel.WECOM, now) == 0 or not _claim(pk, now):
        return None
    message = OutboundMessage.objects.get(pk=pk)
    try:
        webhook.post(url, message.payload)
    except webhook.DeliveryError as exc:
        _last_failure = time.monotonic()
        attempts = message.attempts + 1
        OutboundMessage.objects.filter(pk=pk).update(
            status=OutboundStatus.PENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + backoff(attempts),
            lease_until=None,
            last_error=str(exc)[:1000],
        )
        logger.warning("outbound message %s: attempt %s failed: %s", pk, attempts, exc)
        return False
    _last_failure = None
    OutboundMessage.objects.filter(pk=pk).update(
        status=OutboundStatus.SENT, attempts=F("attempts") + 1, sent_at=now, lease_until=None, last_error=""
    )
    return True


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    left: int = 0


def deliver_due(now: dt.datetime | None = None) -> DeliveryReport:
    """The outbox job: send what is due, oldest first, within the robot's rate limit. After a failed
    attempt the rest of this run waits as long as the failed one (the receiver is likely down), without
    counting an attempt; they are tried again, in order, when it comes back."""
    now = now or timezone.now()
    report = DeliveryReport()
    if not webhook.webhook_url():
        report.left = queries.due_messages(now).count()
        return report
    budget = _within_rate(Channel.WECOM, now)
    due = list(queries.due_messages(now).values_list("id", flat=True))
    for index, pk in enumerate(due):
        if report.sent >= budget:
            report.left = len(due) - index
            break
        outcome = deliver(pk, now)
        if outcome is True:
            report.sent += 1
        elif outcome is False:
            report.failed += 1
            retry_at = OutboundMessage.objects.values_list("next_attempt_at", flat=True).get(pk=pk)
            rest = due[index + 1 :]
            report.deferred = queries.due_messages(now).filter(pk__in=rest).update(next_attempt_at=retry_at)
            break
    return report


# ---------------------------------------------------------------- the reader


def mark_read(user, notice: Notice) -> Notice:
    """Mark one of ``user``'s notices read (the first reading time is kept)."""
    if notice.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def mark_all_read(user) -> int:
    return Notice.objects.for_recipient(user).unread().update(read_at=timezone.now())
