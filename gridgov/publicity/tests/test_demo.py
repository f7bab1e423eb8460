"""The demo town's publicity events, deliberation meetings, deeds and clean-ups since 2021: shaped like the
articles, deterministic, idempotent, and the figures computed from the records."""

import datetime as dt

import pytest

from gridgov.cleanups import demo as cleanups_demo
from gridgov.cleanups.models import CleanupProblem, CleanupRound, ResponsibilityArea
from gridgov.deeds import demo as deeds_demo
from gridgov.deeds.models import Deed
from gridgov.deliberations import demo as deliberations_demo
from gridgov.deliberations.models import Deliberation, DeliberationMatter
from gridgov.demo.tests.conftest import zhaiba  # noqa: F401  (the seeded demo town, built once per module)
from gridgov.publicity import demo as publicity_demo
from gridgov.publicity.models import PublicityEvent
from gridgov.stats import reports

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
SINCE = dt.date(2021, 1, 1)


def test_publicity_events_since_2021_with_their_audience(zhaiba):  # noqa: F811
    made = publicity_demo.seed(seed=1, today=TODAY)
    figures = dict(reports.publicity_figures("520330113"))
    assert figures == {"开展小宣讲（场）": made["publicity_events"], "宣讲受众（人次）": made["publicity_attendance"]}
    years = (TODAY - SINCE).days / 365.25
    assert 15 * 2.0 * 12 * years < made["publicity_events"] < 15 * 3.4 * 12 * years  # ~half of 吴寨居's 67 a year
    events = PublicityEvent.objects.all()
    assert events.order_by("held_on").first().held_on >= SINCE and events.order_by("held_on").last().held_on <= TODAY
    assert set(events.values_list("place__kind", flat=True)) == {"village", "group", "grid"}
    assert events.filter(channel="loudspeaker").exclude(attendance=0).count() == 0
    first = events.order_by("held_on", "id").first()
    assert first.created_at.date() == first.held_on  # dated on the day, not at seeding time
    assert publicity_demo.seed(seed=1, today=TODAY) == {}  # idempotent


def test_deliberations_in_every_group_with_follow_up_matters(zhaiba):  # noqa: F811
    made = deliberations_demo.seed(seed=1, today=TODAY)
    figures = dict(reports.deliberation_figures("520330113"))
    assert figures["议事协商（次）"] == made["deliberations"] == Deliberation.objects.count()
    assert figures["议定事项转办（件）"] == made["deliberation_matters"] > 20
    assert Deliberation.objects.values("path").distinct().count() == 68  # every villager group
    link = DeliberationMatter.objects.select_related("deliberation", "matter").first()
    assert link.matter.path.startswith(link.deliberation.path)
    assert link.deliberation.held_on <= link.matter.created_at.date()
    assert deliberations_demo.seed(seed=1, today=TODAY) == {}


def test_exactly_308_deeds_as_reported(zhaiba):  # noqa: F811
    made = deeds_demo.seed(seed=1, today=TODAY)
    figures = dict(reports.deed_figures("520330113"))
    assert figures["为群众办实事（件）"] == made["deeds"] == 308
    assert figures["办实事受益户（户）"] > 150
    deed = Deed.objects.filter(household__isnull=False).select_related("household", "resident").first()
    assert deed.path == deed.household.path and deed.resident.household_id == deed.household_id
    assert deed.resident.name in deed.title
    assert deeds_demo.seed(seed=1, today=TODAY) == {}


def test_monthly_clean_ups_in_every_village_with_problems_as_matters(zhaiba):  # noqa: F811
    made = cleanups_demo.seed(seed=1, today=TODAY)
    months = (TODAY.year - 2021) * 12 + TODAY.month
    assert made["cleanup_areas"] == 15 and made["cleanup_rounds"] == 15 * months
    figures = dict(reports.cleanup_figures("520330113"))
    assert figures["环境整治（轮）"] == CleanupRound.objects.count() == 15 * months
    assert figures["整治发现问题（处）"] == made["cleanup_problems"] == CleanupProblem.objects.count()
    assert (
        sum(figures[k] for k in ("一次性解决（处）", "常态化整治（处）", "需上级帮助（处）"))
        == made["cleanup_problems"]
    )
    linked = CleanupProblem.objects.exclude(matter=None).select_related("matter", "round")
    assert linked.count() == made["cleanup_matters"] > 0
    assert all(p.matter.kind == "environment" and p.matter.path.startswith(p.round.path) for p in linked)
    first_matter = min(p.matter.created_at.date() for p in linked)
    assert not CleanupProblem.objects.filter(matter=None, round__held_on__gte=first_matter).exists()
    assert ResponsibilityArea.objects.first().covers.count() >= 1
    assert cleanups_demo.seed(seed=1, today=TODAY) == {}


def test_demo_activity_is_deterministic_for_a_seed(zhaiba):  # noqa: F811
    def rows():
        return (
            list(PublicityEvent.objects.order_by("held_on", "path", "title", "attendance").values_list(
                "held_on", "path", "topic", "channel", "speaker", "attendance")),
            list(Deed.objects.order_by("done_on", "path", "title").values_list("done_on", "path", "title", "done_by")),
        )  # fmt: skip

    publicity_demo.seed(seed=5, today=TODAY)
    deeds_demo.seed(seed=5, today=TODAY)
    first = rows()
    PublicityEvent.objects.all().delete()
    Deed.objects.all().delete()
    publicity_demo.seed(seed=5, today=TODAY)
    deeds_demo.seed(seed=5, today=TODAY)
    assert rows() == first
