"""同步离线记录: one mixed queue from a phone (visits, follow-ups, matters, visit edits, campaign checks).

Every record carries the client id the phone gave it. A `SyncReceipt` names what each id became,
so a retried or repeated upload answers ``existing`` with the same id instead of creating again.
Each record is checked by the owning app's action (its guards, its validation, its scoping);
a refused record is answered ``rejected`` and does not stop the others. An edit made offline on
a copy that changed on the server since is answered ``conflict`` with both copies.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pydantic
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.campaigns import actions as campaign_actions
from gridgov.campaigns import queries as campaign_queries
from gridgov.campaigns.models import Campaign
from gridgov.core.actions import ActionRefused
from gridgov.core.models import scope_prefix
from gridgov.core.schemas import error_body
from gridgov.field.choices import RecordKind, SyncStatus
from gridgov.field.models import SyncReceipt
from gridgov.field.schemas import (
    RECORD_SCHEMAS,
    CampaignCheckRecord,
    FollowUpRecord,
    MatterRecord,
    RecordBase,
    VisitEditRecord,
    VisitRecord,
)
from gridgov.households.models import Household
from gridgov.keypersons import actions as keyperson_actions
from gridgov.keypersons.models import KeyPerson, holds_grant
from gridgov.matters import actions as matter_actions
from gridgov.matters.models import Category, Matter
from gridgov.visits import actions as visit_actions
from gridgov.visits.models import Visit, VulnerableMember

SYNC_MAX = 500
TAKEN = "该记录ID已被其他记录使用"
NO_KEY_PERSON = "重点人员不存在"  # the same answer with or without the grant: no hint that anyone is listed


def _result(raw, **kw) -> dict:
    uid = raw.get("client_uuid") if isinstance(raw, dict) else None
    kind = raw.get("kind") if isinstance(raw, dict) else None
    out = {
        "client_uuid": str(uid) if uid is not None else None,
        "kind": str(kind) if kind is not None else "",
        "status": SyncStatus.REJECTED.value,
        "id": None,
        "detail": "",
        "errors": {},
    }
    out.update(kw)
    return out


def _parse(raw) -> RecordBase | dict:
    if not isinstance(raw, dict):
        return {"detail": "记录格式有误"}
    schema = RECORD_SCHEMAS.get(raw.get("kind"))
    if schema is None:
        return {"detail": "记录类型无效", "errors": {"kind": ["记录类型无效"]}}
    try:
        return schema.model_validate(raw)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            errors.setdefault(".".join(str(p) for p in error["loc"]) or "record", []).append(error["msg"])
        return {"detail": "记录格式有误", "errors": errors}


def visit_copy(visit: Visit) -> dict:
    """The server's copy of a visit as the phone shows it next to its own (a conflict's 'server' side)."""
    return {
        "id": visit.pk,
        "household_id": visit.household_id,
        "visited_at": visit.visited_at.isoformat(),
        "mode": visit.mode,
        "people_met": visit.people_met,
        "findings": visit.findings,
        "companions": visit.companions,
        "updated_at": visit.updated_at.isoformat(),
    }


class Batch:
    """What the new records of one queue refer to, read in one query per kind of thing (all scoped)."""

    def __init__(self, user, fresh: dict[str, list[tuple[int, RecordBase]]]):
        records = [record for items in fresh.values() for _, record in items]

        def ids(kind: str, name: str) -> set[int]:
            return {getattr(r, name) for _, r in fresh.get(kind, []) if getattr(r, name, None)}

        household_ids = {r.household_id for r in records if getattr(r, "household_id", None)}
        self.households = (
            {
                h.pk: h
                for h in Household.objects.for_user(user).select_related("grid", "cluster").filter(pk__in=household_ids)
            }
            if household_ids
            else {}
        )
        category_ids = ids(RecordKind.MATTER, "category_id")
        self.categories = {c.pk: c for c in Category.objects.filter(pk__in=category_ids)} if category_ids else {}
        person_ids = ids(RecordKind.FOLLOW_UP, "key_person_id")
        self.key_persons = (
            {p.pk: p for p in KeyPerson.objects.for_user(user).select_related("category").filter(pk__in=person_ids)}
            if person_ids
            else {}
        )
        campaign_ids = ids(RecordKind.CAMPAIGN_CHECK, "campaign_id")
        campaigns = list(Campaign.objects.for_user(user).filter(pk__in=campaign_ids)) if campaign_ids else []
        campaign_queries.with_scope(campaigns)
        self.campaigns = {c.pk: c for c in campaigns}
        self.targets: dict[int, set[int]] = {}
        for campaign in campaigns:
            wanted = {r.household_id for _, r in fresh[RecordKind.CAMPAIGN_CHECK] if r.campaign_id == campaign.pk}
            targets = campaign_queries.targets(user, campaign).filter(pk__in=wanted).values_list("pk", flat=True)
            self.targets[campaign.pk] = set(targets)
            campaign_actions.questions_of(campaign)


def receipts_for(client_uuids: list[uuid.UUID]) -> dict[uuid.UUID, SyncReceipt]:
    return {r.client_uuid: r for r in SyncReceipt.objects.filter(client_uuid__in=client_uuids)}


def sync(user, raw_records: list) -> list[dict]:
    """Apply an uploaded queue; one result per record, in the order sent."""
    results: list[dict | None] = [None] * len(raw_records)
    first_of: dict[uuid.UUID, int] = {}
    repeats: list[tuple[int, int]] = []
    todo: list[tuple[int, RecordBase]] = []
    for n, raw in enumerate(raw_records):
        record = _parse(raw)
        if isinstance(record, dict):
            results[n] = _result(raw, **record)
        elif record.client_uuid in first_of:
            repeats.append((n, first_of[record.client_uuid]))
        else:
            first_of[record.client_uuid] = n
            todo.append((n, record))

    receipts = receipts_for(list(first_of))
    prefix = scope_prefix(user)
    fresh: dict[str, list[tuple[int, RecordBase]]] = {}
    for n, record in todo:
        raw = raw_records[n]
        receipt = receipts.get(record.client_uuid)
        if receipt is None:
            fresh.setdefault(record.kind, []).append((n, record))
            continue
        mine = receipt.user_id == user.pk or (prefix is not None and receipt.path.startswith(prefix))
        if receipt.kind != record.kind or not mine:
            results[n] = _result(raw, detail=TAKEN)
        elif record.kind == RecordKind.FOLLOW_UP and not holds_grant(user):
            results[n] = _result(raw, detail=NO_KEY_PERSON)
        else:
            results[n] = _result(raw, status=SyncStatus.EXISTING.value, id=receipt.object_id)

    if fresh:
        batch = Batch(user, fresh)
        with transaction.atomic():  # one commit for the queue; each record keeps its own savepoint
            if fresh.get(RecordKind.VISIT):
                for n, answer in _sync_visits(user, fresh[RecordKind.VISIT], batch):
                    results[n] = _result(raw_records[n], **answer)
            for kind, handler in HANDLERS.items():
                for n, record in fresh.get(kind, []):
                    try:
                        answer = handler(user, record, batch)
                    except (ActionRefused, ValidationError) as exc:
                        answer = error_body(exc)
                    results[n] = _result(raw_records[n], **answer)

    for n, first in repeats:  # the same record twice in one queue: answered from its first copy
        answer = dict(results[first])
        if answer["status"] in {SyncStatus.CREATED, SyncStatus.UPDATED}:
            answer["status"] = SyncStatus.EXISTING.value
        results[n] = answer
    _name_matters(user, results)
    return results  # type: ignore[return-value]


def _name_matters(user, results: list) -> None:
    """Matters the phone uploaded get their reference (受理编号, e.g. JF-2026-000123) and who holds them now,
    read in one query: the phone shows them once synced."""
    ids = {r["id"] for r in results if r["kind"] == RecordKind.MATTER and r["id"] is not None}
    if not ids:
        return
    matters = {
        m.pk: m
        for m in Matter.objects.for_user(user)
        .filter(pk__in=ids)
        .select_related("holder_place", "holder_department")
        .only("id", "kind", "created_at", "state", "holder_place__name", "holder_department__name")
    }
    for result in results:
        matter = matters.get(result["id"]) if result["kind"] == RecordKind.MATTER else None
        if matter is not None:
            holder = matter.holder_department or matter.holder_place
            result["reference"] = matter.reference
            result["holder"] = holder.name if holder else ""
            result["state"] = matter.get_state_display()


def _receipt(user, record: RecordBase, object_id: int, path: str) -> SyncReceipt:
    return SyncReceipt(client_uuid=record.client_uuid, kind=record.kind, object_id=object_id, path=path, user=user)


def _sync_visits(user, items: list[tuple[int, VisitRecord]], batch: Batch):
    """All new visits of the queue through the visits ledger's batch action (idempotent by the visit's own id)."""
    records = [record for _, record in items]
    households = batch.households
    member_ids = {r.vulnerable_member_id for r in records if r.vulnerable_member_id}
    members = {m.pk: m for m in VulnerableMember.objects.for_user(user).filter(pk__in=member_ids)} if member_ids else {}
    inputs: list[tuple[int, VisitRecord, visit_actions.VisitInput]] = []
    for n, record in items:
        household = households.get(record.household_id)
        member = members.get(record.vulnerable_member_id) if record.vulnerable_member_id else None
        if household is None:
            yield n, {"detail": "户不存在或不在您的管辖范围内", "errors": {"household_id": ["户不存在"]}}
        elif record.vulnerable_member_id and member is None:
            yield n, {"detail": "关爱对象不存在", "errors": {"vulnerable_member_id": ["关爱对象不存在"]}}
        else:
            data = visit_actions.VisitInput(
                household=household,
                visited_at=record.visited_at,
                mode=record.mode,
                people_met=record.people_met,
                findings=record.findings,
                companions=record.companions,
                visitors=[user],
                vulnerable_member=member,
                client_uuid=record.client_uuid,
            )
            inputs.append((n, record, data))
    if not inputs:
        return
    outcomes = visit_actions.record_visits(user, [data for _, _, data in inputs])
    receipts = []
    for (n, record, _data), outcome in zip(inputs, outcomes, strict=True):
        if outcome.error is not None:
            yield n, error_body(outcome.error)
            continue
        visit = outcome.visit
        receipts.append(_receipt(user, record, visit.pk, visit.path))
        status = SyncStatus.CREATED if outcome.created else SyncStatus.EXISTING
        yield n, {"status": status.value, "id": visit.pk}
    SyncReceipt.objects.bulk_create(receipts, ignore_conflicts=True)


def _sync_follow_up(user, record: FollowUpRecord, batch: Batch) -> dict:
    person = batch.key_persons.get(record.key_person_id)
    if person is None:  # no grant, out of scope, or no such person: one answer for all three
        return {"detail": NO_KEY_PERSON, "errors": {"key_person_id": [NO_KEY_PERSON]}}
    data = keyperson_actions.FollowUpInput(
        followed_up_at=record.followed_up_at,
        whereabouts=record.whereabouts,
        mode=record.mode,
        whereabouts_detail=record.whereabouts_detail,
        state=record.state,
        notes=record.notes,
        color=record.color,
        color_reason=record.color_reason,
        client_uuid=record.client_uuid,
    )
    follow_up, created = keyperson_actions.record_follow_up(user, person, data)
    SyncReceipt.objects.bulk_create([_receipt(user, record, follow_up.pk, follow_up.path)], ignore_conflicts=True)
    return {"status": (SyncStatus.CREATED if created else SyncStatus.EXISTING).value, "id": follow_up.pk}


def _existing(user, record: RecordBase) -> dict | None:
    """After a unique-key clash: the receipt a concurrent upload of the same record wrote."""
    receipt = SyncReceipt.objects.filter(client_uuid=record.client_uuid).first()
    if receipt is None:
        return None
    if receipt.kind != record.kind or receipt.user_id != user.pk:
        return {"detail": TAKEN}
    return {"status": SyncStatus.EXISTING.value, "id": receipt.object_id}


def _sync_matter(user, record: MatterRecord, batch: Batch) -> dict:
    category = batch.categories.get(record.category_id)
    if category is None:
        return {"detail": "分类不存在", "errors": {"category_id": ["分类不存在"]}}
    household = None
    if record.household_id is not None:
        household = batch.households.get(record.household_id)
        if household is None:
            return {"detail": "户不存在或不在您的管辖范围内", "errors": {"household_id": ["户不存在"]}}
    data = matter_actions.MatterInput(
        kind=record.matter_kind,
        category=category,
        title=record.title,
        channel=record.channel,
        color=record.color,
        description=record.description,
        household=household,
        place=None if household is not None else user.place,
    )
    try:
        with transaction.atomic():
            if record.report_up:
                matter = matter_actions.record_and_report_up(user, data, reason=record.report_reason)
            else:
                matter = matter_actions.record_matter(user, data)
            _receipt(user, record, matter.pk, matter.path).save()
    except IntegrityError:  # the same record uploaded concurrently: the other upload's matter stands
        answer = _existing(user, record)
        if answer is None:
            raise
        return answer
    return {"status": SyncStatus.CREATED.value, "id": matter.pk}


def _same(visit: Visit, changes: dict) -> bool:
    return all(getattr(visit, k) == (v.strip() if isinstance(v, str) else v) for k, v in changes.items())


def _sync_visit_edit(user, record: VisitEditRecord, batch: Batch) -> dict:
    visit = Visit.objects.for_user(user).filter(pk=record.visit_id).first()
    if visit is None:
        return {"detail": "走访记录不存在", "errors": {"visit_id": ["走访记录不存在"]}}
    changes = record.changes()
    try:
        with transaction.atomic():
            visit, applied = visit_actions.update_visit(user, visit, changes, base_updated_at=record.base_updated_at)
            if applied:
                _receipt(user, record, visit.pk, visit.path).save()
    except IntegrityError:
        answer = _existing(user, record)
        if answer is None:
            raise
        return answer
    if applied:
        return {"status": SyncStatus.UPDATED.value, "id": visit.pk}
    if _same(visit, changes):  # the server already holds exactly this edit (a concurrent upload of it)
        return {"status": SyncStatus.EXISTING.value, "id": visit.pk}
    return {
        "status": SyncStatus.CONFLICT.value,
        "id": visit.pk,
        "detail": "该走访记录在您离线期间已被修改，请选择保留哪一份",
        "server": visit_copy(visit),
        "mine": {**changes, "base_updated_at": record.base_updated_at.isoformat()},
        "rebase": {"base_updated_at": visit.updated_at.isoformat()},
    }


def check_copy(check) -> dict:
    """The server's copy of a campaign check (a conflict's 'server' side)."""
    return {
        "id": check.pk,
        "household_id": check.household_id,
        "answers": check.answers,
        "notes": check.notes,
        "checked_at": check.checked_at.isoformat(),
        "checker_name": check.checker_name,
        "version": check.version,
    }


def _sync_campaign_check(user, record: CampaignCheckRecord, batch: Batch) -> dict:
    campaign = batch.campaigns.get(record.campaign_id)
    if campaign is None:
        return {"detail": "摸排任务不存在", "errors": {"campaign_id": ["摸排任务不存在"]}}
    in_target = record.household_id in batch.targets.get(campaign.pk, set())
    household = batch.households.get(record.household_id) if in_target else None
    if household is None:
        return {"detail": "该户不在摸排范围或您的管辖范围内", "errors": {"household_id": ["户不存在"]}}
    data = campaign_actions.CheckInput(
        campaign=campaign,
        household=household,
        answers=record.answers,
        notes=record.notes,
        checked_at=record.checked_at,
        client_uuid=record.client_uuid,
        base_version=record.base_version,
    )
    try:
        with transaction.atomic():
            check, status = campaign_actions.record_check(user, data)
    except campaign_actions.CheckConflict as exc:
        return {
            "status": SyncStatus.CONFLICT.value,
            "id": exc.server.pk,
            "detail": str(exc),
            "server": check_copy(exc.server),
            "mine": {"answers": record.answers, "notes": record.notes, "base_version": record.base_version},
            "rebase": {"base_version": exc.server.version},
        }
    SyncReceipt.objects.bulk_create([_receipt(user, record, check.pk, check.path)], ignore_conflicts=True)
    return {"status": status, "id": check.pk}


HANDLERS: dict[str, Callable[..., dict]] = {
    RecordKind.FOLLOW_UP: _sync_follow_up,
    RecordKind.MATTER: _sync_matter,
    RecordKind.VISIT_EDIT: _sync_visit_edit,
    RecordKind.CAMPAIGN_CHECK: _sync_campaign_check,
}
