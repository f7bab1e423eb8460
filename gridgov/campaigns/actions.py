"""State changes of campaigns: create and edit a campaign and its checklist, open and close it, record checks.

Each function checks its guard (`ActionRefused`), validates its input (`ValidationError` with
messages per field) and writes inside ``transaction.atomic()``. A household has one check per
campaign: a re-check updates it and bumps ``version``; an upload made against an older version
than the server's raises `CheckConflict` carrying the server copy, so nothing is overwritten unseen.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.choices import BUSINESS_ROLES, Role
from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.campaigns.answers import clean_answers
from gridgov.campaigns.choices import CHOICE_KINDS, MAX_OPTIONS, MAX_QUESTIONS, CampaignStatus, QuestionKind
from gridgov.campaigns.models import Campaign, CampaignPlace, CampaignQuestion, HouseholdCheck
from gridgov.core.actions import ActionRefused
from gridgov.core.models import in_scope, scope_prefix
from gridgov.households.models import Household
from gridgov.places.choices import CODE_LENGTH, PlaceKind
from gridgov.places.models import Place

CLOCK_SKEW = dt.timedelta(minutes=10)
MANAGER_PLACE_KINDS = frozenset({PlaceKind.PROVINCE, PlaceKind.CITY, PlaceKind.COUNTY, PlaceKind.TOWN})
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_PLACES = 200
TRANSITIONS = {
    CampaignStatus.DRAFT: {CampaignStatus.RUNNING},
    CampaignStatus.RUNNING: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: {CampaignStatus.RUNNING},
}


class CheckConflict(Exception):
    """The upload was made on an older copy of the check than the server's; ``server`` is the current copy."""

    def __init__(self, server: HouseholdCheck):
        super().__init__(_("该户的摸排记录已被他人或在其他设备上修改，请对照后选择保留哪一份"))
        self.server = server


# ---------------------------------------------------------------- guards


def can_manage(user) -> bool:
    """Governance-center staff of a town or above set up campaigns."""
    return (
        scope_prefix(user) is not None
        and user.role == Role.CENTER_STAFF
        and Place.kind_of_code(user.place.code) in MANAGER_PLACE_KINDS
    )


def may_edit(user, campaign: Campaign) -> bool:
    return can_manage(user) and in_scope(user, campaign.path)


def can_edit(user, campaign: Campaign) -> None:
    if not can_manage(user):
        raise ActionRefused(_("只有县、乡镇综治中心可以发起和修改摸排"))
    if not in_scope(user, campaign.path):
        raise ActionRefused(_("该摸排不是您的管辖范围内发起的"))


def can_check(user, campaign: Campaign, household: Household) -> None:
    if scope_prefix(user) is None or user.role not in BUSINESS_ROLES:
        raise ActionRefused(_("您的账号不能登记摸排"))
    if not in_scope(user, household.path):
        raise ActionRefused(_("该户不在您的管辖范围内"))
    if campaign.status != CampaignStatus.RUNNING:
        raise ActionRefused(_("该摸排不在进行中（%(status)s），不能登记") % {"status": campaign.get_status_display()})
    if not any(household.path.startswith(code) for code in scope_codes(campaign)):
        raise ActionRefused(_("该户不在本次摸排范围内"))


# ---------------------------------------------------------------- campaigns and checklists


@dataclass
class CampaignInput:
    title: str
    places: Sequence[Place]
    starts_on: dt.date
    ends_on: dt.date
    description: str = ""


@dataclass
class QuestionInput:
    text: str
    kind: str = QuestionKind.TEXT
    required: bool = False
    options: list[str] = field(default_factory=list)
    key: str = ""
    help_text: str = ""


def scope_codes(campaign: Campaign) -> list[str]:
    codes = getattr(campaign, "_scope_codes", None)
    if codes is None:
        codes = list(CampaignPlace.objects.filter(campaign=campaign).values_list("path", flat=True))
        campaign._scope_codes = codes
    return codes


def common_path(codes: Iterable[str]) -> str:
    """The code of the lowest place above (or equal to) every code given."""
    codes = list(codes)
    prefix = codes[0]
    for code in codes[1:]:
        n = 0
        while n < min(len(prefix), len(code)) and prefix[n] == code[n]:
            n += 1
        prefix = prefix[:n]
    lengths = sorted({n for n in CODE_LENGTH.values() if n <= len(prefix)}, reverse=True)
    return prefix[: lengths[0]] if lengths else ""


def _validate_campaign(user, data: CampaignInput) -> list[Place]:
    errors: dict[str, list[str]] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = [_("请填写名称")]
    elif len(title) > 100:
        errors["title"] = [_("名称不能超过100字")]
    places = list({p.pk: p for p in data.places}.values())
    if not places:
        errors["places"] = [_("请选择摸排范围（至少一个地域）")]
    elif len(places) > MAX_PLACES:
        errors["places"] = [_("摸排范围最多 %(n)s 个地域") % {"n": MAX_PLACES}]
    outside = [p.name for p in places if not in_scope(user, p.code)]
    if outside:
        errors["places"] = [_("不在您的管辖范围内：%(names)s") % {"names": "、".join(outside)}]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期")]
    if len(data.description) > 5000:
        errors["description"] = [_("说明不能超过5000字")]
    if errors:
        raise ValidationError(errors)
    # a place inside another chosen place adds nothing
    codes = sorted(p.code for p in places)
    return [p for p in places if not any(p.code != c and p.code.startswith(c) for c in codes)]


def _write_scope(campaign: Campaign, places: list[Place]) -> None:
    CampaignPlace.objects.filter(campaign=campaign).delete()
    CampaignPlace.objects.bulk_create([CampaignPlace(campaign=campaign, place=p, path=p.code) for p in places])
    campaign._scope_codes = [p.code for p in places]


def create_campaign(user, data: CampaignInput, questions: Sequence[QuestionInput] = ()) -> Campaign:
    """发起摸排: a draft with its scope and (optionally) its checklist."""
    if not can_manage(user):
        raise ActionRefused(_("只有县、乡镇综治中心可以发起和修改摸排"))
    places = _validate_campaign(user, data)
    cleaned = _validate_questions(questions)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            path=common_path(p.code for p in places),
            title=data.title.strip(),
            description=data.description.strip(),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            created_by=user,
        )
        _write_scope(campaign, places)
        _write_questions(campaign, cleaned)
    return campaign


def update_campaign(user, campaign: Campaign, data: CampaignInput) -> Campaign:
    """修改摸排: title, description and period at any time; the scope only while it is a draft."""
    can_edit(user, campaign)
    places = _validate_campaign(user, data)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        new_codes = sorted(p.code for p in places)
        if new_codes != sorted(scope_codes(campaign)):
            if not campaign.is_draft:
                raise ValidationError({"places": [_("摸排开始后不能修改范围")]})
            _write_scope(campaign, places)
            campaign.path = common_path(new_codes)
        campaign.title = data.title.strip()
        campaign.description = data.description.strip()
        campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on
        campaign.save(update_fields=["path", "title", "description", "starts_on", "ends_on", "updated_at"])
    return campaign


def _validate_questions(questions: Sequence[QuestionInput]) -> list[QuestionInput]:
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": [_("摸排项最多 %(n)s 个") % {"n": MAX_QUESTIONS}]})
    errors: dict[str, list[str]] = {}
    cleaned: list[QuestionInput] = []
    keys: set[str] = set()
    for n, q in enumerate(questions, start=1):
        where = f"questions.{n}"
        text = q.text.strip()
        problems = []
        if not text:
            problems.append(_("第%(n)s项：请填写问题") % {"n": n})
        elif len(text) > 200:
            problems.append(_("第%(n)s项：问题不能超过200字") % {"n": n})
        if q.kind not in QuestionKind.values:
            problems.append(_("第%(n)s项：题型无效") % {"n": n})
        options = [str(o).strip() for o in (q.options or []) if str(o).strip()]
        options = list(dict.fromkeys(options))
        if q.kind in CHOICE_KINDS:
            if len(options) < 2:
                problems.append(_("第%(n)s项：单选、多选题至少要有两个选项") % {"n": n})
            elif len(options) > MAX_OPTIONS or any(len(o) > 50 for o in options):
                problems.append(_("第%(n)s项：最多 %(max)s 个选项，每个不超过50字") % {"n": n, "max": MAX_OPTIONS})
        else:
            options = []
        key = (q.key or "").strip().lower() or f"q{n}"
        if not KEY_RE.match(key):
            problems.append(_("第%(n)s项：标识只能用小写字母、数字和下划线，以字母开头") % {"n": n})
        elif key in keys:
            problems.append(_("第%(n)s项：标识“%(key)s”重复") % {"n": n, "key": key})
        keys.add(key)
        if problems:
            errors[where] = problems
        cleaned.append(QuestionInput(text, q.kind, bool(q.required), options, key, (q.help_text or "").strip()[:200]))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _write_questions(campaign: Campaign, questions: list[QuestionInput]) -> None:
    CampaignQuestion.objects.filter(campaign=campaign).delete()
    CampaignQuestion.objects.bulk_create(
        [
            CampaignQuestion(
                campaign=campaign,
                order=n,
                key=q.key,
                text=q.text.strip(),
                kind=q.kind,
                required=q.required,
                options=q.options,
                help_text=q.help_text,
            )
            for n, q in enumerate(questions, start=1)
        ]
    )


def set_checklist(user, campaign: Campaign, questions: Sequence[QuestionInput]) -> list[CampaignQuestion]:
    """设置摸排项: replaces the checklist; only while the campaign is a draft (answers depend on it)."""
    can_edit(user, campaign)
    cleaned = _validate_questions(questions)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_draft:
            raise ActionRefused(_("摸排开始后不能修改摸排项"))
        _write_questions(campaign, cleaned)
        campaign.save(update_fields=["updated_at"])
        record(
            AuditAction.UPDATE,
            campaign,
            detail={"checklist": [{"key": q.key, "text": q.text, "kind": q.kind} for q in cleaned]},
        )
    return list(campaign.questions.all())


def set_status(user, campaign: Campaign, status: str) -> Campaign:
    """开始 / 结束 / 重新开启摸排."""
    can_edit(user, campaign)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if status not in TRANSITIONS.get(campaign.status, set()):
            raise ActionRefused(
                _("摸排当前为“%(status)s”，不能改为“%(new)s”")
                % {"status": campaign.get_status_display(), "new": CampaignStatus(status).label}
                if status in CampaignStatus.values
                else _("状态无效")
            )
        if status == CampaignStatus.RUNNING and not campaign.questions.exists():
            raise ActionRefused(_("请先设置摸排项再开始"))
        campaign.status = status
        campaign.save(update_fields=["status", "updated_at"])
    return campaign


# ---------------------------------------------------------------- checks


@dataclass
class CheckInput:
    campaign: Campaign
    household: Household
    answers: dict
    notes: str = ""
    checked_at: dt.datetime | None = None
    client_uuid: uuid.UUID | None = None
    base_version: int | None = None


@dataclass
class CheckOutcome:
    check: HouseholdCheck | None
    status: str  # created | updated | existing | conflict | rejected
    error: Exception | None = None


def questions_of(campaign: Campaign) -> list[CampaignQuestion]:
    questions = getattr(campaign, "_questions", None)
    if questions is None:
        questions = list(campaign.questions.all())
        campaign._questions = questions
    return questions


def _validate_check(user, data: CheckInput, now: dt.datetime) -> tuple[dict, str, dt.datetime]:
    can_check(user, data.campaign, data.household)
    answers, errors = clean_answers(questions_of(data.campaign), data.answers)
    checked_at = data.checked_at or now
    if timezone.is_naive(checked_at):
        errors.setdefault("checked_at", []).append(_("摸排时间须带时区"))
    else:
        day = timezone.localdate(checked_at)
        if checked_at > now + CLOCK_SKEW:
            errors.setdefault("checked_at", []).append(_("摸排时间不能晚于现在"))
        elif not data.campaign.starts_on <= day <= data.campaign.ends_on:
            errors.setdefault("checked_at", []).append(
                _("摸排时间应在摸排期间（%(start)s 至 %(end)s）")
                % {"start": data.campaign.starts_on, "end": data.campaign.ends_on}
            )
    notes = (data.notes or "").strip()
    if len(notes) > 1000:
        errors["notes"] = [_("备注不能超过1000字")]
    if errors:
        raise ValidationError(errors)
    return answers, notes, checked_at


_UNKNOWN = object()


def record_check(user, data: CheckInput, *, known=_UNKNOWN) -> tuple[HouseholdCheck, str]:
    """登记摸排: returns (check, "created" | "updated" | "existing").

    Idempotent: the same content uploaded again (same ``client_uuid`` or same answers) changes
    nothing ("existing"). A household already checked is updated only when ``base_version`` names
    the server's current version; otherwise `CheckConflict` carries the server copy.

    ``known`` is a batch's prefetched answer to "which check does this household have": None (none,
    and the client_uuid is free) or the check; a wrong guess is caught by the unique constraints.
    """
    answers, notes, checked_at = _validate_check(user, data, timezone.now())
    refusal: Exception | None = None
    with transaction.atomic(savepoint=False):
        try:
            return _record(user, data, known, answers, notes, checked_at)
        except (CheckConflict, ValidationError) as exc:
            # raised before anything was written: leave the atomic block cleanly (no savepoint to
            # roll back to), so a batch's transaction goes on with the next record
            refusal = exc
    raise refusal


def _record(user, data: CheckInput, known, answers, notes, checked_at) -> tuple[HouseholdCheck, str]:
    if known is not _UNKNOWN and known is not None and known.answers == answers and known.notes == notes:
        return known, "existing"  # a replay: nothing to lock
    current = None if known is None else _locked(data)
    if current is not None:
        return _against(user, data, answers, notes, checked_at, current)
    if known is _UNKNOWN and data.client_uuid is not None:
        if HouseholdCheck.objects.filter(client_uuid=data.client_uuid).exists():
            raise ValidationError({"client_uuid": [_("该记录ID已被其他记录使用")]})
    check = HouseholdCheck(
        path=data.household.path,
        campaign=data.campaign,
        household=data.household,
        checked_by=user,
        checker_name=(user.display_name or user.username)[:50],
        checked_at=checked_at,
        answers=answers,
        notes=notes,
        client_uuid=data.client_uuid,
    )
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:
        # checked concurrently (decide against the copy that won), or the client_uuid is taken
        won = _locked(data)
        if won is None:
            raise ValidationError({"client_uuid": [_("该记录ID已被其他记录使用")]}) from None
        return _against(user, data, answers, notes, checked_at, won)
    return check, "created"


def _locked(data: CheckInput) -> HouseholdCheck | None:
    return HouseholdCheck.objects.select_for_update().filter(campaign=data.campaign, household=data.household).first()


def _against(user, data: CheckInput, answers, notes, checked_at, current: HouseholdCheck) -> tuple[HouseholdCheck, str]:
    if current.answers == answers and current.notes == notes:
        return current, "existing"  # a replay, or the same findings twice
    if data.client_uuid is not None and current.client_uuid != data.client_uuid:
        if HouseholdCheck.objects.filter(client_uuid=data.client_uuid).exclude(pk=current.pk).exists():
            raise ValidationError({"client_uuid": [_("该记录ID已被其他记录使用")]})
    if data.base_version != current.version:
        raise CheckConflict(current)
    # the row is locked (select_for_update above), so the version read here is the one we replace
    current.answers, current.notes, current.checked_at = answers, notes, checked_at
    current.checked_by, current.checker_name = user, (user.display_name or user.username)[:50]
    current.version += 1
    current.save(
        update_fields=["answers", "notes", "checked_at", "checked_by", "checker_name", "version", "updated_at"]
    )
    return current, "updated"


def record_checks(user, items: Sequence[CheckInput]) -> list[CheckOutcome]:
    """登记一批离线摸排: each record as `record_check`, in one transaction (one commit for the queue);
    a record refused or in conflict stops no other. The households' current checks and the client ids
    already taken are read once for the whole queue, so a new record costs its insert and its audit row.
    """
    pairs = {(d.campaign.pk, d.household.pk) for d in items}
    keys = {d.client_uuid for d in items if d.client_uuid is not None}
    existing: dict[tuple[int, int], HouseholdCheck] = {}
    taken: set = set()
    if items:
        campaign_ids = {c for c, _h in pairs}
        for check in HouseholdCheck.objects.filter(
            campaign_id__in=campaign_ids, household_id__in={h for _c, h in pairs}
        ):
            if (check.campaign_id, check.household_id) in pairs:
                existing[(check.campaign_id, check.household_id)] = check
        taken = set(HouseholdCheck.objects.filter(client_uuid__in=keys).values_list("client_uuid", flat=True))
    outcomes = []
    with transaction.atomic():
        for data in items:
            pair = (data.campaign.pk, data.household.pk)
            known = existing.get(pair)
            if known is None and data.client_uuid in taken:
                known = _UNKNOWN  # the id belongs to some other record: let record_check say so
            try:
                check, status = record_check(user, data, known=known)
            except CheckConflict as exc:
                outcomes.append(CheckOutcome(exc.server, "conflict", exc))
            except (ActionRefused, ValidationError) as exc:
                outcomes.append(CheckOutcome(None, "rejected", exc))
            else:
                outcomes.append(CheckOutcome(check, status))
                existing[pair] = check
                if check.client_uuid is not None:
                    taken.add(check.client_uuid)
    return outcomes


def households_in_campaign(campaign: Campaign) -> Q:
    """The filter on `Household` that selects a campaign's target (combine with `for_user`)."""
    q = Q(pk__in=[])
    for code in scope_codes(campaign):
        q |= Q(path__within=code)
    return q
