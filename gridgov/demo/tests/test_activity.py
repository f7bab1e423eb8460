"""The demo town's activity since 2021: `seed_demo` runs every field app's demo, `demo_activity` states the figures."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from gridgov.accounts.models import User
from gridgov.demo.activity import ACTIVITY_APPS, activity_modules, load
from gridgov.keypersons import demo as keypersons_demo
from gridgov.keypersons.models import KeyPerson, KeyPersonAlert
from gridgov.matters.models import Matter
from gridgov.personnel.models import Appointment
from gridgov.stats import reports
from gridgov.visits import demo as visits_demo
from gridgov.visits.models import HouseholdVisitState, Visit, VisitMatter

TOWN = "520330113"
pytestmark = pytest.mark.usefixtures("zhaiba_activity")


def test_visits_are_the_reports_8700_and_more_by_the_grid_staff(db):
    figures = dict(reports.visit_figures(TOWN))
    assert figures["入户走访（次）"] == 8736
    assert figures["其中上门入户（次）"] + figures["电话、视频走访（次）"] == 8736
    assert Visit.objects.filter(visitors=None).count() == 0
    roles = set(User.objects.filter(visits_made__isnull=False).values_list("role", flat=True).distinct())
    assert roles == {"grid_worker", "grid_leader"}
    assert Visit.objects.aggregate(first=Max("visited_at"))["first"] is not None
    assert not Visit.objects.filter(visited_at__year__lt=2021).exists()


def test_every_visit_matter_of_the_year_is_linked_to_the_visit_that_found_it(db):
    found = Matter.objects.filter(path__startswith=TOWN, channel="visit", household__isnull=False)
    links = list(VisitMatter.objects.select_related("visit", "matter"))
    assert sorted(link.matter_id for link in links) == sorted(found.values_list("id", flat=True))
    assert len(links) > 100
    for link in links:
        assert link.visit.household_id == link.matter.household_id
        assert link.visit.visited_at < link.matter.created_at
        assert link.matter.title in link.visit.findings
    assert dict(reports.visit_figures(TOWN))["走访发现转为事项（件）"] == len(links)


def test_household_visit_states_agree_with_the_ledger(db):
    ledger = {
        r["household_id"]: (r["n"], r["last"])
        for r in Visit.objects.values("household_id").annotate(n=Count("id"), last=Max("visited_at")).order_by()
    }
    states = {s.household_id: s for s in HouseholdVisitState.objects.all()}
    assert {pk for pk, s in states.items() if s.visit_count} == set(ledger)
    for pk, (n, last) in ledger.items():
        state = states[pk]
        assert (state.visit_count, state.last_visited_at) == (n, last)
        assert Visit.objects.get(pk=state.last_visit_id).visited_at == last
    keyed = set(
        KeyPerson.objects.filter(status__in=KeyPerson.ACTIVE_STATUSES).values_list("resident__household_id", flat=True)
    )
    assert {pk for pk, s in states.items() if s.has_key_person} == keyed
    # Without key persons counted, a household is due every 90 days; with them, every 30.
    for state in states.values():
        if state.last_visited_at is None:
            continue
        assert (state.key_due_on - state.due_on).days == (-60 if state.has_key_person else 0)


def test_key_persons_are_706_across_the_13_categories(db):
    figures = reports.key_person_figures(TOWN)
    assert figures[:2] == [("摸排稳控重点人员（人）", 706), ("涉及类别（类）", 13)]
    assert figures[2:15] == [
        ("\u3000刑满释放人员（人）", 118),
        ("\u3000社区矫正对象（人）", 42),
        ("\u3000吸毒人员（人）", 96),
        ("\u3000严重精神障碍患者（人）", 152),
        ("\u3000艾滋病危险人员（人）", 11),
        ("\u3000重点青少年（人）", 63),
        ("\u3000重点信访人员（人）", 47),
        ("\u3000涉邪教人员（人）", 14),
        ("\u3000易肇事肇祸人员（人）", 39),
        ("\u3000个人极端暴力风险人员（人）", 9),
        ("\u3000矛盾纠纷易激化当事人（人）", 58),
        ("\u3000涉黑涉恶人员（人）", 12),
        ("\u3000涉电信网络诈骗重点人员（人）", 45),
    ]
    assert dict(figures)["其中失联（人）"] == 9
    assert KeyPerson.objects.filter(status="out_of_contact").count() == 9
    assert KeyPerson.objects.values("resident").distinct().count() == 706


def test_key_persons_have_grant_holding_responsible_persons_and_their_alerts(db):
    persons = KeyPerson.objects.select_related("responsible")
    assert persons.filter(responsible=None).count() == 0
    assert {p.responsible.may_view_key_population for p in persons} == {True}
    assert all(p.path.startswith(p.responsible.place.code) for p in persons)
    lost = set(KeyPerson.objects.filter(status="out_of_contact").values_list("pk", flat=True))
    assert set(KeyPersonAlert.objects.filter(kind="out_of_contact").values_list("key_person", flat=True)) == lost
    assert KeyPersonAlert.objects.filter(kind="overdue").count() > 0


def test_field_accounts_cannot_log_in_until_given_a_password(db):
    field = User.objects.filter(username__regex=r"^g[lw]\d+$")
    assert field.count() == 84 + 113  # 84 grid leaders; the 115 grid workers but the two demo logins (grid1, grid2)
    assert not any(u.has_usable_password() for u in field)
    assert Appointment.objects.filter(role__in=["grid_worker", "grid_leader"], user=None).count() == 0


def test_seeding_again_adds_nothing(db):
    before = (Visit.objects.count(), KeyPerson.objects.count(), User.objects.count())
    assert visits_demo.seed(1) == {}
    assert keypersons_demo.seed(1) == {}
    call_command("seed_demo", stdout=StringIO())
    assert (Visit.objects.count(), KeyPerson.objects.count(), User.objects.count()) == before


def test_demo_activity_command_states_the_figures_since_2021(db):
    out = StringIO()
    call_command("demo_activity", stdout=out)
    text = out.getvalue()
    assert text.startswith("寨坝镇（520330113）2021年以来\n")
    assert re.search(r"^入户走访（次）\s+8,736$", text, re.M)
    assert re.search(r"^摸排稳控重点人员（人）\s+706$", text, re.M)
    assert re.search(r"^\u3000严重精神障碍患者（人）\s+152$", text, re.M)
    present = [label for app, label in ACTIVITY_APPS if load(app) is not None]
    assert [label for label, _ in activity_modules()] == present
    assert {"走访", "重点人员"} <= set(present)
    sections = reports.activity(TOWN)
    assert [label for label, _ in sections] == [label for _, label in ACTIVITY_APPS]
    for label, figures in sections:  # every section printed, its figures labelled counts
        assert f"【{label}】" in text
        assert all(isinstance(name, str) and isinstance(value, int) for name, value in figures)


def test_seed_demo_reports_each_apps_activity(zhaiba_activity):
    assert "演示走访：visits 8,736" in zhaiba_activity
    assert "演示重点人员：key_persons 706" in zhaiba_activity
