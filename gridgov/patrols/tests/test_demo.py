"""The demo town's patrols: 726 night patrols since 2021, deterministic, idempotent, figures from the records."""

import datetime as dt

import pytest

from gridgov.demo.tests.conftest import zhaiba  # noqa: F401  (the seeded demo town, built once per module)
from gridgov.patrols import demo
from gridgov.patrols.models import Patrol, PatrolMatter
from gridgov.stats import reports

pytestmark = pytest.mark.django_db


def test_demo_town_gets_726_night_patrols_shaped_like_the_report(zhaiba):  # noqa: F811
    made = demo.seed(seed=1, today=dt.date(2026, 11, 23))
    assert made["night_patrols"] == 726 and made["day_patrols"] == 180
    figures = dict(reports.patrol_figures("520330113"))
    assert figures["夜间巡逻"] == 726 and figures["白天巡逻"] == 180
    assert figures["巡逻发现问题"] == made["patrol_findings"] > 100
    assert figures["巡逻发现转为事项"] == made["patrol_matters"] == PatrolMatter.objects.count() > 0
    first = Patrol.objects.order_by("date").first()
    assert first.date >= dt.date(2021, 1, 1) and first.route.count() >= 1 and first.headcount >= 1
    linked = PatrolMatter.objects.select_related("patrol", "matter").first()
    assert linked.matter.channel == "patrol" and linked.patrol.findings == linked.matter.title
    assert linked.matter.path.startswith(Patrol.objects.get(pk=linked.patrol_id).path)
    assert demo.seed(seed=1) == {}  # idempotent
    assert Patrol.objects.count() == 906


def test_demo_patrols_are_deterministic_for_a_seed(zhaiba):  # noqa: F811
    def rows():
        return list(
            Patrol.objects.order_by("date", "team_id", "shift", "path", "findings", "duration_minutes").values_list(
                "date", "team_id", "shift", "path", "duration_minutes", "headcount", "findings"
            )
        )

    demo.seed(seed=7, today=dt.date(2026, 11, 23))
    first = rows()
    Patrol.objects.all().delete()
    demo.seed(seed=7, today=dt.date(2026, 11, 23))
    assert rows() == first
