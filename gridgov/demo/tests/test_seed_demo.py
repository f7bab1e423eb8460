"""`seed_demo` builds 寨坝镇 with the reported figures, real places, valid and sealed personal data."""

import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from gridgov.audit.models import AuditLog
from gridgov.demo.build import REFERENCE_DATE
from gridgov.demo.names import ETHNICITIES, FLOATING_REGIONS, WORK_AWAY_PLACES
from gridgov.households.models import Household, Resident
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.divisions import known_region_codes, xishui_divisions
from gridgov.places.models import Place
from gridgov.stats.reports import place_figures
from gridgov.utils.idnumber import MOBILE_RE, parse_id_number

TOWN = "520330113"
pytestmark = pytest.mark.usefixtures("zhaiba")


def figures(code=TOWN):
    return {f.key: f.value for f in place_figures(code)}


def test_demo_town_has_exactly_the_reported_figures(db):
    # The first nine are the 2022 report's; households and residents are what seed 1 draws (about 5,000 / 18,000).
    assert figures() == {
        "villages": 15,
        "groups": 68,
        "grids": 114,
        "clusters": 498,
        "party_groups": 32,
        "grid_leaders": 84,
        "grid_workers": 115,
        "cluster_leaders": 498,
        "chat_groups": 120,
        "patrol_teams": 13,
        "patrol_members": 98,
        "households": 4979,
        "residents": 18168,
    }


def test_demo_figures_command_states_them_in_the_reports_words(db):
    out = StringIO()
    call_command("demo_figures", stdout=out)
    text = out.getvalue()
    assert text.startswith("寨坝镇（520330113）\n")
    assert (
        "寨坝镇共划分网格114个，组建网格党小组32个，选配网格长84名、网格员115名、联户长498名，"
        "建立“好邻居”微信群120个，组建治安巡逻队13支；覆盖4,979户、18,168人。"
    ) in text
    assert re.search(r"^网格\s+114\s+个$", text, re.M)


def test_demo_figures_for_a_village(db):
    out = StringIO()
    call_command("demo_figures", "--place", "520330113201", stdout=out)
    assert out.getvalue().startswith("桂园村（520330113201）\n")
    assert figures("520330113201")["villages"] == 1


def test_places_are_the_real_nbs_divisions_with_their_ancestors(db):
    chain = list(Place.objects.filter(code__in=["52", "5203", "520330", TOWN]).values_list("code", "name", "kind"))
    assert chain == [
        ("52", "贵州省", "province"),
        ("5203", "遵义市", "city"),
        ("520330", "习水县", "county"),
        (TOWN, "寨坝镇", "town"),
    ]
    villages = list(Place.objects.filter(parent__code=TOWN).order_by("code").values_list("code", "name"))
    fixture = [d for d in xishui_divisions() if d.parent == TOWN]
    assert [code for code, _ in villages] == [d.code for d in fixture]
    assert ("520330113201", "桂园村") in villages and ("520330113002", "两路社区") in villages
    for full, (_, short) in zip(fixture, villages, strict=True):
        assert full.name.startswith(short)


def test_codes_and_names_follow_the_tree(db):
    rows = Place.objects.within(TOWN).values_list("code", "name", "kind", "parent__code", "parent__name")
    lengths = {"town": 9, "village": 12, "group": 14, "grid": 16, "cluster": 18}
    for code, name, kind, parent_code, parent_name in rows:
        assert len(code) == lengths[kind] and code.startswith(parent_code)
        if kind == "group":
            assert re.fullmatch(re.escape(parent_name) + "[一二三四五六七八九十]+组", name), name
        elif kind == "grid":
            assert re.fullmatch(r"\w+?第\d+网格", name), name
        elif kind == "cluster":
            assert re.fullmatch(re.escape(parent_name) + r"第\d+联户", name), name


def _area(ring):
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))) / 2


def _inside(point, ring):
    """Inside a convex counter-clockwise ring."""
    x, y = point
    return all(
        (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0) >= -1e-12
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)
    )


def test_grids_tile_their_village_and_households_lie_in_their_grid(db):
    shapes = {
        code: (kind, boundary, centre)
        for code, kind, boundary, centre in Place.objects.within(TOWN).values_list("code", "kind", "boundary", "centre")
    }
    grids_of = defaultdict(list)
    for code, (kind, boundary, _) in shapes.items():
        if kind == "grid":
            assert boundary["type"] == "Polygon"
            grids_of[code[:12]].append(code)
    for village, grids in grids_of.items():
        ring = shapes[village][1]["coordinates"][0]
        rings = [shapes[g][1]["coordinates"][0] for g in grids]
        assert sum(_area(r) for r in rings) == pytest.approx(_area(ring), rel=1e-4)
        for g in grids:
            centre = shapes[g][2]["coordinates"]
            assert 105.7 < centre[0] < 106.9 and 28.0 < centre[1] < 28.8
            assert [_inside(centre, r) for r in rings].count(True) == 1  # no grid overlaps another
    for grid_code, point in Household.objects.within(TOWN).values_list("grid__code", "point"):
        assert _inside(point["coordinates"], shapes[grid_code][1]["coordinates"][0])


def test_every_grid_has_a_leader_and_a_worker_and_every_cluster_one_leader(db):
    appointed = Appointment.objects.within(TOWN).filter(status="appointed")
    grids = set(Place.objects.within(TOWN).filter(kind="grid").values_list("code", flat=True))
    for role in ("grid_leader", "grid_worker"):
        assert set(appointed.filter(role=role).values_list("place__code", flat=True)) == grids
    per_cluster = Counter(appointed.filter(role="cluster_leader").values_list("place__code", flat=True))
    assert len(per_cluster) == 498 and set(per_cluster.values()) == {1}
    # A cluster leader lives in the cluster they lead.
    assert appointed.filter(role="cluster_leader").exclude(resident__path=F("place__code")).count() == 0


def test_thirty_grid_leaders_lead_two_neighbouring_grids_of_their_village(db):
    grids_by_person = defaultdict(list)
    rows = Appointment.objects.within(TOWN).filter(role="grid_leader").values_list("resident_id", "place__code")
    for resident_id, code in rows:
        grids_by_person[resident_id].append(code)
    two = [sorted(codes) for codes in grids_by_person.values() if len(codes) == 2]
    assert len(grids_by_person) == 84 and len(two) == 30
    assert all(a[:12] == b[:12] for a, b in two)
    assert max(len(codes) for codes in grids_by_person.values()) == 2


def test_each_person_holds_one_role_through_the_whole_nomination_workflow(db):
    appointed = Appointment.objects.within(TOWN)
    roles_per_person = appointed.values("resident").annotate(n=Count("role", distinct=True))
    assert {row["n"] for row in roles_per_person} == {1}
    assert set(appointed.values_list("status", flat=True)) == {"appointed"}
    for nominated, reviewed, start, end in appointed.values_list(
        "nominated_on", "reviewed_on", "term_start", "term_end"
    ):
        assert nominated < reviewed <= start < end
    # The person's name on the appointment is the resident's.
    assert appointed.exclude(person_name=F("resident__name")).count() == 0


def test_party_groups_cover_every_grid_once_within_their_village(db):
    through = PartyGroup.grids.through.objects.filter(partygroup__path__startswith=TOWN)
    grid_codes = list(through.values_list("place__code", flat=True))
    assert len(grid_codes) == len(set(grid_codes)) == 114
    assert through.exclude(place__parent__parent=F("partygroup__village")).count() == 0
    sizes = Counter(through.values_list("partygroup_id", flat=True))
    assert len(sizes) == 32 and min(sizes.values()) >= 1
    assert PartyGroup.objects.within(TOWN).filter(leader_name="").count() == 0


def test_chat_groups_one_or_two_per_grid_and_patrol_teams_have_members(db):
    per_grid = Counter(ChatGroup.objects.within(TOWN).values_list("grid__code", flat=True))
    assert len(per_grid) == 114 and Counter(per_grid.values()) == {1: 108, 2: 6}
    teams = PatrolTeam.objects.within(TOWN).annotate(n=Count("members"), g=Count("grids", distinct=True))
    assert teams.count() == 13
    assert all(t.n >= 6 and t.g >= 1 for t in teams)
    assert teams.filter(place__code=TOWN).get().name == "寨坝镇场镇治安巡逻队"


def test_households_have_a_householder_and_consistent_member_counts(db):
    households = Household.objects.within(TOWN)
    assert households.exclude(householder__relation="householder").count() == 0
    assert households.exclude(householder__household=F("pk")).count() == 0
    assert households.annotate(n=Count("members")).exclude(member_count=F("n")).count() == 0
    types = Counter(households.values_list("house_type", flat=True))
    assert types.most_common(1)[0][0] == "self_built" and types["self_built"] / sum(types.values()) > 0.7


def test_families_have_plausible_ages(db):
    members = defaultdict(list)
    for household_id, relation, birth in Resident.objects.within(TOWN).values_list(
        "household", "relation", "birth_date"
    ):
        members[household_id].append((relation, birth))
    relations = Counter()
    for household_id, people in members.items():
        if household_id is None:
            continue
        head = next(birth for relation, birth in people if relation == "householder")
        for relation, birth in people:
            relations[relation] += 1
            if relation in ("child", "grandchild"):
                assert birth > head
            elif relation == "parent":
                assert birth < head
    assert {"spouse", "child", "parent", "grandchild", "child_in_law"} <= set(relations)


def test_addresses_are_built_from_the_real_place_names(db):
    villages = dict(Place.objects.within(TOWN).filter(kind="village").values_list("code", "name"))
    for path, address in Household.objects.within(TOWN).values_list("path", "address"):
        assert re.fullmatch(
            "贵州省习水县寨坝镇" + re.escape(villages[path[:12]]) + r"[一二三四五六七八九十]+组\S+号", address
        ), address


def test_residents_look_like_people_of_xishui(db):
    rows = list(
        Resident.objects.within(TOWN).values_list(
            "name", "ethnicity", "is_party_member", "residence_type", "works_away", "works_away_place"
        )
    )
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", row[0]) for row in rows)
    total = len(rows)
    ethnicity = Counter(row[1] for row in rows)
    assert set(ethnicity) <= {name for name, _ in ETHNICITIES}
    assert ethnicity["汉族"] / total > 0.85 and ethnicity["仡佬族"] > 0 and ethnicity["苗族"] > 0
    assert 0.04 < sum(row[2] for row in rows) / total < 0.07
    assert 0 < sum(row[3] == "floating" for row in rows) / total < 0.1
    away = [row[5] for row in rows if row[4]]
    assert 0.05 < len(away) / total < 0.3
    assert set(away) <= {place for place, _ in WORK_AWAY_PLACES}
    surnames = Counter(row[0][0] for row in rows)
    assert len(surnames) > 40


def test_id_numbers_are_valid_and_agree_with_birth_date_and_sex(db):
    regions = known_region_codes()
    sample = Resident.objects.within(TOWN).order_by("id_number_index")[:300]
    for resident in sample:
        value = resident.reveal_id_number()
        parsed = parse_id_number(value, regions, today=REFERENCE_DATE)
        assert parsed.warnings == ()
        assert (parsed.birth_date, parsed.sex) == (resident.birth_date, resident.sex)
        if resident.residence_type == "registered":
            assert value[:6] == "520330"
        else:
            assert value[:6] in FLOATING_REGIONS
        assert resident.id_number_masked == value[:6] + "********" + value[-4:]
        phone = resident.reveal_phone()
        if phone:
            assert MOBILE_RE.match(phone) and resident.phone_masked == phone[:3] + "****" + phone[-4:]


def test_sealed_columns_hold_no_clear_id_number_or_phone(db):
    sample = list(Resident.objects.within(TOWN).order_by("id_number_index")[:200])
    ids = [r.pk for r in sample]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM households_resident WHERE id IN (%s)" % ",".join(["%s"] * len(ids)),  # noqa: UP031
            ids,
        )
        raw_rows = {row[0]: row for row in cursor.fetchall()}
    for resident in sample:
        number, phone = resident.reveal_id_number(), resident.reveal_phone()
        # Sealed exactly as Resident.set_id_number / set_phone would: same index and masks.
        check = Resident()
        check.set_id_number(number)
        check.set_phone(phone)
        assert (check.id_number_index, check.id_number_masked) == (resident.id_number_index, resident.id_number_masked)
        assert (check.phone_index, check.phone_masked) == (resident.phone_index, resident.phone_masked)
        for value in raw_rows[resident.pk]:
            blob = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
            assert number.encode() not in blob
            assert not phone or phone.encode() not in blob


def test_coverage_gaps_exist_on_purpose(db):
    loose = Household.objects.within(TOWN).filter(cluster__isnull=True)
    assert loose.count() == 3
    assert loose.exclude(path=F("grid__code")).count() == 0
    homeless = Resident.objects.within(TOWN).filter(household__isnull=True)
    assert homeless.count() == 2 and set(homeless.values_list("place__kind", flat=True)) == {"grid"}
    sizes = Counter(Household.objects.within(TOWN).exclude(cluster=None).values_list("cluster_id", flat=True))
    assert sorted(size for size in sizes.values() if size > 15) == [16]
    assert min(sizes.values()) >= 7


def test_the_seed_is_one_audit_event_not_a_row_per_record(db):
    event = AuditLog.objects.get(action="import")
    assert (event.actor_name, event.source) == ("seed_demo", "command")
    assert event.detail["towns"] == ["寨坝镇"]
    assert (event.detail["households"], event.detail["residents"]) == (4979, 18168)
    business = ["places.place", "households.household", "households.resident", "personnel.partygroup"]
    assert not AuditLog.objects.filter(object_type__in=business).exists()
