"""条条有回音: no closing without feedback to a known reporter; a rejection reopens the matter."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.matters import actions
from gridgov.matters.models import Feedback, Matter
from gridgov.matters.tests.helpers import ANONYMOUS, record


def feedback(verdict="accepted", satisfaction=None, said="满意"):
    return actions.FeedbackInput(
        method="visit", contacted_at=timezone.now(), said=said, verdict=verdict, satisfaction=satisfaction
    )


def resolved(engine, **kw):
    matter = record(engine.grid_worker_a, **kw)
    return actions.resolve_on_spot(engine.grid_worker_a, matter, result="现场化解")


def test_closing_without_feedback_to_a_known_reporter_is_refused(engine):
    matter = resolved(engine)
    with pytest.raises(actions.ActionRefused, match="尚未回访反映人或反映人不认可办理结果，不能结案（条条有回音）"):
        actions.close(engine.grid_worker_a, matter)
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.state, fresh.is_open, fresh.closed_at) == ("resolved", True, None)
    assert list(fresh.events.values_list("action", flat=True)) == ["record", "resolve_on_spot"]


def test_named_outsider_needs_feedback_too(engine):
    outsider = actions.Reporter(type="outsider", name="过路司机", phone="139 0000 2222")
    matter = resolved(engine, reporter=outsider)
    assert (matter.reporter_name, matter.reporter_phone_masked, matter.reveal_reporter_phone()) == (
        "过路司机",
        "139****2222",
        "13900002222",
    )
    assert b"13900002222" not in bytes(matter.reporter_phone_sealed)
    with pytest.raises(actions.ActionRefused):
        actions.close(engine.grid_worker_a, matter)


def test_anonymous_matters_close_without_feedback(engine):
    matter = resolved(engine, reporter=ANONYMOUS)
    actions.close(engine.grid_worker_a, matter)
    assert Matter.objects.get(pk=matter.pk).state == "closed"


def test_accepted_feedback_with_rating_allows_closing(engine):
    matter = resolved(engine)
    actions.record_feedback(engine.grid_worker_a, matter, feedback(satisfaction=4))
    actions.close(engine.grid_worker_a, matter)
    assert Matter.objects.get(pk=matter.pk).state == "closed"
    assert list(Feedback.objects.values_list("method", "said", "satisfaction", "verdict", "recorded_by")) == [
        ("visit", "满意", 4, "accepted", engine.grid_worker_a.pk)
    ]


def test_reporter_rejection_reopens_and_asks_for_new_feedback(engine):
    matter = resolved(engine)
    actions.record_feedback(engine.grid_worker_a, matter, feedback("rejected", satisfaction=1, said="界桩还没埋"))
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.state, fresh.is_open, fresh.resolved_at, fresh.feedback_accepted_at) == (
        "in_progress",
        True,
        None,
        None,
    )
    last = fresh.events.latest("id")
    assert (last.action, last.from_state, last.to_state, last.note, last.data["verdict"]) == (
        "record_feedback",
        "resolved",
        "in_progress",
        "界桩还没埋",
        "rejected",
    )
    with pytest.raises(actions.ActionRefused, match="不能结案"):
        actions.close(engine.grid_worker_a, fresh)

    # Resolved again, an earlier acceptance would not count: a new feedback is needed.
    actions.resolve_on_spot(engine.grid_worker_a, fresh, result="已埋设界桩")
    with pytest.raises(actions.ActionRefused, match="不能结案"):
        actions.close(engine.grid_worker_a, fresh)
    actions.record_feedback(engine.grid_worker_a, fresh, feedback("accepted", satisfaction=5))
    actions.close(engine.grid_worker_a, fresh)
    assert Matter.objects.get(pk=matter.pk).state == "closed"


@pytest.mark.parametrize("bad", [0, 6, True, 3.5])
def test_satisfaction_is_one_to_five(engine, bad):
    matter = resolved(engine)
    with pytest.raises(ValidationError) as exc:
        actions.record_feedback(engine.grid_worker_a, matter, feedback(satisfaction=bad))
    assert exc.value.message_dict == {"satisfaction": ["满意度应为1到5"]}
    assert Feedback.objects.count() == 0


def test_feedback_only_once_resolved(engine):
    matter = record(engine.grid_worker_a)
    with pytest.raises(actions.ActionRefused, match="事项当前为“办理中”，不能回访"):
        actions.record_feedback(engine.grid_worker_a, matter, feedback())


def test_reopen_a_closed_matter_starts_a_new_holding(engine):
    matter = resolved(engine, reporter=ANONYMOUS)
    actions.close(engine.grid_worker_a, matter)
    first_arrival = matter.arrived_at
    actions.reopen(engine.grid_worker_a, matter, reason="问题反弹")
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.state, fresh.is_open, fresh.closed_at, fresh.holder_place) == (
        "in_progress",
        True,
        None,
        engine.grid_a,
    )
    assert fresh.arrived_at > first_arrival
    assert fresh.deadline_at == fresh.arrived_at + dt.timedelta(hours=72)
