"""A day's work with distinctive business content, for the tests that prove the auditor never reads it."""

import pytest
from django.utils import timezone

from gridgov.accounts.choices import Role
from gridgov.core.context import ActorContext, _current
from gridgov.households.models import Resident
from gridgov.keypersons import actions as kp
from gridgov.keypersons.models import KeyPersonCategory
from gridgov.matters.tests.helpers import record as record_matter
from gridgov.testing import make_user
from gridgov.visits import actions as visits
from gridgov.visits.tests.conftest import days_ago

TITLE = "标题留痕甲乙丙"
SECRETS = {
    "matter description": "描述秘文子丑寅",
    "matter result": "结果秘文卯辰巳",
    "visit finding": "走访发现午未申",
    "people met": "见到的人酉戌亥",
    "resident name (new)": "改名某甲乙",
    "resident name (old)": "王建国",
    "household address": "寨坝镇桂园村一组12号",
    "key-person notes": "稳控备注天地玄",
    "key-person whereabouts detail": "去向细节宇宙洪",
    "key-person color reason": "变色理由日月盈",
    "key-person control measures": "每周见面一次",
    "key-person category": "吸毒人员",
    "key-person whereabouts": "外出（去向明确）",
    "key-person state": "需关注",
    "key-person color": "红色",
    "key-person list filter": "color=red",
}


@pytest.fixture
def history(world):
    """A day's work recorded from 10.20.30.40: a matter, its result, a visit, a renamed resident, a key person
    enlisted, followed up (turned red, away) and listed by color."""
    officer = make_user("kp_officer", Role.CENTER_STAFF, world.town, may_view_key_population=True)
    token = _current.set(ActorContext(ip="10.20.30.40", request_id="req-audit-1", source="web"))
    try:
        _current.get().user_id, _current.get().username = world.grid_worker_a.pk, world.grid_worker_a.username
        description = SECRETS["matter description"]
        matter = record_matter(world.grid_worker_a, title=TITLE, description=description, color="blue")
        matter.result = SECRETS["matter result"]
        matter.save()
        visit, _ = visits.record_visit(
            world.grid_worker_a,
            visits.VisitInput(
                household=world.household_a,
                visited_at=days_ago(1),
                findings=SECRETS["visit finding"],
                people_met=SECRETS["people met"],
            ),
        )
        resident = Resident.objects.get(pk=world.resident_a.pk)
        resident.name = SECRETS["resident name (new)"]
        resident.save()
        _current.get().user_id, _current.get().username = officer.pk, officer.username
        person = kp.enlist(
            officer,
            kp.EnlistInput(
                resident=resident,
                category=KeyPersonCategory.objects.get(code="drug_user"),
                color="yellow",
                control_measures=SECRETS["key-person control measures"],
            ),
        )
        kp.record_follow_up(
            officer,
            person,
            kp.FollowUpInput(
                followed_up_at=timezone.now(),
                whereabouts="away_known",
                whereabouts_detail=SECRETS["key-person whereabouts detail"],
                state="watch",
                notes=SECRETS["key-person notes"],
                color="red",
                color_reason=SECRETS["key-person color reason"],
            ),
        )
        from gridgov.keypersons.views import audit_view

        audit_view("key_person_list", ids=[person.pk], filters={"color": "red", "category": "1"})
    finally:
        _current.reset(token)
    return matter, visit, person
