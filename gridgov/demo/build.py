"""Build one town of demo data in memory: places, households, residents, personnel.

Pure Python (no database): `gridgov.demo.seed` writes what this returns. Everything is drawn
from one `random.Random` seeded by (seed, town code), so a town comes out the same every time
and whatever other towns are built with it.

寨坝镇 gets the exact figures of the 2022 report (`ZHAIBA`); other towns get figures in the
same proportions, sized by their own villages.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from gridgov.demo import geometry
from gridgov.demo.names import FLOATING_REGIONS, MOBILE_PREFIXES, NameMaker, WeightedChoice, chinese_number
from gridgov.places.divisions import Division
from gridgov.utils.idnumber import make_id_number

DEMO_TOWN = "520330113"  # 寨坝镇
COUNTY = "520330"
PROVINCE_NAME, COUNTY_NAME = "贵州省", "习水县"
# Ages are counted at this date, so a seed gives the same people whatever the day it runs.
REFERENCE_DATE = dt.date(2025, 6, 30)
TERM_START = dt.date(2024, 3, 15)
TERM_END = dt.date(2027, 3, 14)


@dataclass(frozen=True)
class Targets:
    """The headline figures of a town."""

    grids: int
    clusters: int
    party_groups: int
    grid_leaders: int
    grid_workers: int
    chat_groups: int
    patrol_teams: int


# 寨坝镇, as reported: 114 grids, 32 grid party groups, 84 grid leaders, 115 grid workers,
# 498 household-cluster leaders (one per cluster), 120 "good neighbour" groups, 13 patrol teams.
ZHAIBA = Targets(
    grids=114, clusters=498, party_groups=32, grid_leaders=84, grid_workers=115, chat_groups=120, patrol_teams=13
)

# Deliberate coverage gaps per town, so the coverage checks have something to show.
HOUSEHOLDS_WITHOUT_CLUSTER = 3
RESIDENTS_WITHOUT_HOUSEHOLD = 2
OVERSIZED_CLUSTER_HOUSEHOLDS = 16  # one cluster above the default maximum of 15


# ---------------------------------------------------------------- records built in memory


class Person:
    """A resident before it is written; ``index`` is its position in the town's list."""

    __slots__ = (
        "index", "name", "sex", "birth", "id_number", "phone", "relation", "ethnicity", "party",
        "floating", "away_place", "household", "place_code", "role",
    )  # fmt: skip

    def __init__(self, index, name, sex, birth, relation, ethnicity, floating):
        self.index = index
        self.name = name
        self.sex = sex
        self.birth = birth
        self.id_number = ""
        self.phone = ""
        self.relation = relation
        self.ethnicity = ethnicity
        self.party = False
        self.floating = floating
        self.away_place = ""
        self.household: int | None = None
        self.place_code = ""
        self.role = ""  # the personnel role this person already holds, if any

    @property
    def age(self) -> int:
        return _age(self.birth)


class HouseholdRec:
    __slots__ = ("index", "number", "grid_code", "cluster_code", "address", "house_type", "point", "members")

    def __init__(self, index, number, grid_code, cluster_code, address, house_type, point):
        self.index = index
        self.number = number
        self.grid_code = grid_code
        self.cluster_code = cluster_code
        self.address = address
        self.house_type = house_type
        self.point = point
        self.members: list[Person] = []


@dataclass
class PlaceRec:
    code: str
    name: str
    kind: str
    parent_code: str
    boundary: dict | None = None
    centre: dict | None = None


@dataclass
class AppointmentRec:
    role: str
    place_code: str
    person: Person
    nominated_by: str
    nominated_on: dt.date
    review_note: str
    reviewed_on: dt.date
    term_start: dt.date
    term_end: dt.date
    patrol_team: int | None = None  # index into TownData.patrol_teams


@dataclass
class PartyGroupRec:
    village_code: str
    name: str
    leader_name: str
    grid_codes: list[str]


@dataclass
class ChatGroupRec:
    grid_code: str
    name: str
    owner_name: str
    member_count: int


@dataclass
class PatrolTeamRec:
    place_code: str
    name: str
    grid_codes: list[str]


@dataclass
class TownData:
    code: str
    name: str
    places: list[PlaceRec] = field(default_factory=list)
    households: list[HouseholdRec] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    appointments: list[AppointmentRec] = field(default_factory=list)
    party_groups: list[PartyGroupRec] = field(default_factory=list)
    chat_groups: list[ChatGroupRec] = field(default_factory=list)
    patrol_teams: list[PatrolTeamRec] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "places": len(self.places),
            "grids": sum(1 for p in self.places if p.kind == "grid"),
            "households": len(self.households),
            "residents": len(self.people),
            "appointments": len(self.appointments),
            "party_groups": len(self.party_groups),
            "chat_groups": len(self.chat_groups),
            "patrol_teams": len(self.patrol_teams),
        }


# ---------------------------------------------------------------- small helpers


def _age(birth: dt.date) -> int:
    ref = REFERENCE_DATE
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def short_village_name(full: str) -> str:
    """桂园村村民委员会 -> 桂园村, 两路社区居民委员会 -> 两路社区 (and the source's 居民委会员 typo)."""
    for suffix in ("村民委员会", "居民委员会", "居民委会员", "村委会", "居委会"):
        if full.endswith(suffix) and len(full) > len(suffix):
            return full[: -len(suffix)]
    return full


def is_community(code: str) -> bool:
    """NBS urban-rural codes: 001-199 are residents' committees (社区), 200+ villages."""
    return code[9:12] < "200"


def apportion(rng: random.Random, total: int, weights: list[float], lo: int, hi: int | list[int]) -> list[int]:
    """Split ``total`` into len(weights) counts in [lo, hi], at random in proportion to the weights."""
    n = len(weights)
    his = hi if isinstance(hi, list) else [hi] * n
    if not n * lo <= total <= sum(his):
        raise ValueError(f"cannot split {total} into {n} parts of {lo}..{his}")
    counts = [lo] * n
    cumulative = list(accumulate(weights))
    for _ in range(total - n * lo):
        while True:
            i = bisect(cumulative, rng.random() * cumulative[-1])
            if counts[i] < his[i]:
                counts[i] += 1
                break
    return counts


def disjoint_pairs(rng: random.Random, n: int, k: int) -> list[int]:
    """Starts of ``k`` disjoint adjacent pairs (i, i+1) among positions 0..n-1, uniformly at random."""
    starts = sorted(rng.sample(range(n - k), k))
    return [s + j for j, s in enumerate(starts)]


def share_out(rng: random.Random, grids_by_village: list[list[int]], people: int) -> list[list[int]]:
    """Give ``people`` persons grids so that every grid has at least one person.

    With fewer people than grids, some lead two neighbouring grids of their village;
    with more, some grids get a second person. Returns each person's grids.
    """
    every = [g for village in grids_by_village for g in village]
    if people >= len(every):
        extra = sorted(rng.sample(every, people - len(every)))
        return [[g] for g in every] + [[g] for g in extra]
    capacity = [len(v) // 2 for v in grids_by_village]
    per_village = apportion(rng, len(every) - people, [c or 0.0001 for c in capacity], 0, capacity)
    out: list[list[int]] = []
    for village, pairs in zip(grids_by_village, per_village, strict=True):
        starts = set(disjoint_pairs(rng, len(village), pairs))
        i = 0
        while i < len(village):
            if i in starts:
                out.append([village[i], village[i + 1]])
                i += 2
            else:
                out.append([village[i]])
                i += 1
    return out


def targets_for(code: str, grids: int, villages: int) -> Targets:
    """Other towns: the demo town's proportions applied to their own number of grids."""
    if code == DEMO_TOWN:
        return ZHAIBA
    return Targets(
        grids=grids,
        clusters=round(grids * ZHAIBA.clusters / ZHAIBA.grids),
        party_groups=min(grids, max(villages, round(grids * ZHAIBA.party_groups / ZHAIBA.grids))),
        grid_leaders=round(grids * ZHAIBA.grid_leaders / ZHAIBA.grids),
        grid_workers=grids + max(1, round(grids * (ZHAIBA.grid_workers - ZHAIBA.grids) / ZHAIBA.grids)),
        chat_groups=grids + max(1, round(grids * (ZHAIBA.chat_groups - ZHAIBA.grids) / ZHAIBA.grids)),
        patrol_teams=villages,
    )


# ---------------------------------------------------------------- families

_HOUSE_TYPES_VILLAGE = WeightedChoice(
    [("self_built", 0.88), ("resettlement", 0.07), ("commercial", 0.02), ("public_rental", 0.01), ("other", 0.02)]
)
_HOUSE_TYPES_COMMUNITY = WeightedChoice(
    [("self_built", 0.45), ("commercial", 0.30), ("resettlement", 0.15), ("public_rental", 0.04), ("other", 0.06)]
)
_HOUSE_TYPES_FLOATING = WeightedChoice([("rented", 0.75), ("commercial", 0.15), ("other", 0.10)])
_FAMILIES = WeightedChoice(
    [
        ("single_elder", 0.05),
        ("single_adult", 0.03),
        ("elder_couple", 0.11),
        ("young_couple", 0.03),
        ("nuclear", 0.36),
        ("three_generations", 0.18),
        ("stem", 0.10),
        ("skipped_generation", 0.08),
        ("single_parent", 0.06),
    ]
)
_KIDS = WeightedChoice([("1", 0.30), ("2", 0.45), ("3", 0.25)])
_NOMINATED_BY = WeightedChoice(
    [("群众推荐", 0.45), ("村民小组会议推荐", 0.25), ("村党支部推荐", 0.20), ("个人自荐", 0.10)]
)
_REVIEW_NOTES = ("经村两委评议，同意任用", "两委会议评议通过", "经评议，群众认可度高，同意任用")


def _family(rng: random.Random) -> list[tuple[str, str, float, str]]:
    """Members as (relation, sex, age, line); line 'S' takes the family surname, 'H' the householder's
    own (a woman heading the household keeps hers), 'O' a surname of their own (married in)."""
    kind = _FAMILIES(rng)
    out: list[tuple[str, str, float, str]] = []

    def couple(lo: float, hi: float, male_share: float) -> tuple[str, float, float]:
        sex = "M" if rng.random() < male_share else "F"
        age = rng.uniform(lo, hi)
        spouse_age = max(lo - 3, age + (rng.uniform(-6, 2) if sex == "M" else rng.uniform(-2, 6)))
        out.append(("householder", sex, age, "S" if sex == "M" else "H"))
        out.append(("spouse", "F" if sex == "M" else "M", spouse_age, "O" if sex == "M" else "S"))
        return sex, age, spouse_age

    def kids(mother_age: float, relation: str, count: int) -> None:
        for _ in range(count):
            age = max(0.2, mother_age - rng.uniform(20, 36))
            out.append((relation, "M" if rng.random() < 0.52 else "F", age, "S"))

    if kind == "single_elder":
        sex = "M" if rng.random() < 0.45 else "F"
        out.append(("householder", sex, rng.uniform(62, 92), "S" if sex == "M" else "H"))
    elif kind == "single_adult":
        sex = "M" if rng.random() < 0.75 else "F"
        out.append(("householder", sex, rng.uniform(25, 60), "S" if sex == "M" else "H"))
    elif kind == "elder_couple":
        couple(58, 88, 0.88)
    elif kind == "young_couple":
        couple(22, 35, 0.85)
    elif kind == "nuclear":
        sex, age, spouse_age = couple(26, 55, 0.85)
        kids(spouse_age if sex == "M" else age, "child", int(_KIDS(rng)))
    elif kind == "three_generations":
        sex, age, spouse_age = couple(30, 55, 0.85)
        kids(spouse_age if sex == "M" else age, "child", 1 + (rng.random() < 0.5))
        father, mother = rng.random() < 0.7, rng.random() < 0.85
        if not (father or mother):
            mother = True
        if father:
            out.append(("parent", "M", min(95, age + rng.uniform(22, 32)), "S" if sex == "M" else "H"))
        if mother:
            out.append(("parent", "F", min(95, age + rng.uniform(20, 30)), "O"))
    elif kind == "stem":
        sex, age, spouse_age = couple(52, 75, 0.90)
        son_age = max(22.0, (spouse_age if sex == "M" else age) - rng.uniform(22, 32))
        out.append(("child", "M", son_age, "S"))
        wife_age = max(20.0, son_age + rng.uniform(-5, 1))
        out.append(("child_in_law", "F", wife_age, "O"))
        kids(wife_age, "grandchild", 1 + (rng.random() < 0.55))
    elif kind == "skipped_generation":
        if rng.random() < 0.8:
            couple(55, 75, 0.70)
        else:
            sex = "M" if rng.random() < 0.4 else "F"
            out.append(("householder", sex, rng.uniform(55, 78), "S" if sex == "M" else "H"))
        for _ in range(1 + (rng.random() < 0.5)):
            out.append(("grandchild", "M" if rng.random() < 0.52 else "F", rng.uniform(1, 15), "S"))
    else:  # single_parent
        sex = "M" if rng.random() < 0.4 else "F"
        age = rng.uniform(30, 55)
        out.append(("householder", sex, age, "S" if sex == "M" else "H"))
        kids(age if sex == "F" else age - rng.uniform(0, 4), "child", 1 + (rng.random() < 0.4))
    return out


# ---------------------------------------------------------------- the town builder


class TownBuilder:
    def __init__(
        self,
        seed: int,
        town: Division,
        villages: list[Division],
        ordinal: int,
        anchor_ordinal: int,
        taken_id_index=None,
    ):
        self.rng = random.Random(f"gridgov-demo:{seed}:{town.code}")
        self.town = town
        self.villages = villages
        self.ordinal = ordinal
        self.anchor_ordinal = anchor_ordinal
        # Two digits of the ID sequence number identify the local police station: give each town its own.
        self.id_blocks = [10 + 3 * ordinal + k for k in range(3)]
        self.taken_id_index = taken_id_index  # optional callable: True if an ID number exists already
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.data = TownData(code=town.code, name=town.name)
        self.grid_numbers: list[int] = []  # each grid's number within its village (第n网格)
        self.village_names: list[str] = []

    # -- people

    def birth_for(self, age: float) -> dt.date:
        days = int(age * 365.2425) + self.rng.randrange(-150, 150)
        if days < 30:  # babies: spread over their first two years
            days = self.rng.randrange(30, 730)
        return dt.date.fromordinal(REFERENCE_DATE.toordinal() - days)

    def id_number(self, region: str, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        """A free ID number for this birth date, or (rarely, when the day is full) for a day earlier."""
        rng = self.rng
        parity = 1 if sex == "M" else 0
        for attempt in range(200):
            day = birth if attempt < 40 else birth - dt.timedelta(days=attempt - 39)
            block = rng.choice(self.id_blocks)
            seq = block * 10 + 2 * rng.randrange(5) + parity
            value = make_id_number(region, day, seq)
            if value in self.used_ids or (self.taken_id_index and self.taken_id_index(value)):
                continue
            self.used_ids.add(value)
            return value, day
        raise RuntimeError("no free ID number sequence left")  # pragma: no cover

    def phone(self) -> str:
        rng = self.rng
        while True:
            value = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    def person(
        self,
        names: NameMaker,
        relation: str,
        sex: str,
        age: float,
        surname: str,
        ethnicity: str,
        floating: bool,
        region: str,
    ) -> Person:
        rng = self.rng
        birth = self.birth_for(age)
        p = Person(
            len(self.data.people),
            surname + names.given(rng, sex, birth.year),
            sex,
            birth,
            relation,
            ethnicity,
            floating,
        )
        p.id_number, p.birth = self.id_number(region, birth, sex)
        years = p.age
        share = 0.0 if years < 14 else 0.3 if years < 18 else 0.92 if years < 66 else 0.65 if years < 76 else 0.3
        if rng.random() < share:
            p.phone = self.phone()
        if years >= 20 and rng.random() < (0.075 if sex == "M" else 0.04):
            p.party = True
        if not floating and 18 <= years <= 55 and relation != "parent":
            away = 0.25 if years <= 22 else 0.32 if years <= 45 else 0.18
            if rng.random() < away:
                p.away_place = names.work_away_place(rng)
        self.data.people.append(p)
        return p

    def household(
        self, names: NameMaker, number: str, grid: PlaceRec, cluster_code: str | None, address_prefix: str,
        house_no: int, cell: geometry.Cell, community: bool,
    ) -> HouseholdRec:  # fmt: skip
        rng = self.rng
        floating = rng.random() < (0.12 if community else 0.015)
        if floating:
            house_type = _HOUSE_TYPES_FLOATING(rng)
        else:
            house_type = (_HOUSE_TYPES_COMMUNITY if community else _HOUSE_TYPES_VILLAGE)(rng)
        if house_type in ("commercial", "resettlement", "public_rental"):
            prefix = "易地扶贫搬迁安置点" if house_type == "resettlement" else ""
            address = (
                f"{address_prefix}{prefix}{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元"
                f"{rng.randint(1, 7)}{rng.randint(1, 4):02d}号"
            )
        else:
            address = f"{address_prefix}{house_no}号"
        h = HouseholdRec(
            len(self.data.households), number, grid.code, cluster_code, address, house_type, cell.random_point(rng)
        )
        self.data.households.append(h)
        family_surname = names.surname(rng)
        own_surname = names.surname(rng)
        ethnicity = names.ethnicity(rng)
        region = rng.choice(FLOATING_REGIONS) if floating else COUNTY
        place_code = cluster_code or grid.code
        for relation, sex, age, line in _family(rng):
            if line == "S":
                surname, eth = family_surname, ethnicity
            elif line == "H":
                surname, eth = own_surname, ethnicity
            else:
                surname = names.surname(rng)
                eth = ethnicity if rng.random() < 0.85 else names.ethnicity(rng)
            p = self.person(names, relation, sex, age, surname, eth, floating, region)
            p.household = h.index
            p.place_code = place_code
            h.members.append(p)
        return h

    # -- places

    def build(self) -> TownData:
        rng = self.rng
        data = self.data
        town, villages = self.town, self.villages
        community_flags = [is_community(v.code) for v in villages]
        if town.code == DEMO_TOWN:
            targets = ZHAIBA
            weights = [rng.uniform(1.2, 1.5) if c else rng.uniform(0.7, 1.3) for c in community_flags]
            grids_per_village = apportion(rng, targets.grids, weights, 5, 12)
        else:
            grids_per_village = [rng.randint(14, 22) if c else rng.randint(9, 15) for c in community_flags]
            targets = targets_for(town.code, sum(grids_per_village), len(villages))
        town_cell = geometry.town_cell(self.ordinal, self.anchor_ordinal)
        data.places.append(PlaceRec(town.code, town.name, "town", COUNTY, town_cell.polygon(), town_cell.centre()))
        village_cells = geometry.tile(town_cell, len(villages), rng)
        clusters_per_grid = apportion(
            rng, targets.clusters, [rng.uniform(0.8, 1.2) for _ in range(targets.grids)], 3, 7
        )
        oversized = rng.randrange(targets.clusters)
        gap_grids = set(rng.sample(range(targets.grids), HOUSEHOLDS_WITHOUT_CLUSTER))
        loose_grids = rng.sample(range(targets.grids), RESIDENTS_WITHOUT_HOUSEHOLD)

        grids: list[PlaceRec] = []  # town-wide grid order
        grid_cells: list[geometry.Cell] = []
        grids_by_village: list[list[int]] = []
        cluster_members: list[list[HouseholdRec]] = []  # per cluster, town-wide order
        grid_clusters: list[list[int]] = []
        cluster_codes: list[str] = []
        address_town = f"{PROVINCE_NAME}{COUNTY_NAME}{town.name}"
        cluster_no = 0

        for vi, (village, cell, n_grids) in enumerate(zip(villages, village_cells, grids_per_village, strict=True)):
            names = NameMaker(rng)
            vname = short_village_name(village.name)
            self.village_names.append(vname)
            data.places.append(PlaceRec(village.code, vname, "village", town.code, cell.polygon(), cell.centre()))
            n_groups = max(1, min(n_grids, round(n_grids * rng.uniform(0.5, 0.75))))
            grids_per_group = apportion(rng, n_grids, [1.0] * n_groups, 1, 4)
            cells = geometry.tile(cell, n_grids, rng)
            grids_by_village.append([])
            grid_no = 0
            for gi, count in enumerate(grids_per_group, start=1):
                group_code = f"{village.code}{gi:02d}"
                group_short = f"{chinese_number(gi)}组"
                group_cells = cells[grid_no : grid_no + count]
                centre = geometry.point(
                    sum(c.centre()["coordinates"][0] for c in group_cells) / count,
                    sum(c.centre()["coordinates"][1] for c in group_cells) / count,
                )
                data.places.append(PlaceRec(group_code, vname + group_short, "group", village.code, None, centre))
                house_no = 0
                for k in range(1, count + 1):
                    grid_no += 1
                    g_index = len(grids)
                    gcell = cells[grid_no - 1]
                    grid = PlaceRec(
                        f"{group_code}{k:02d}", f"{vname}第{grid_no}网格", "grid", group_code,
                        gcell.polygon(), gcell.centre(),
                    )  # fmt: skip
                    data.places.append(grid)
                    grids.append(grid)
                    grid_cells.append(gcell)
                    self.grid_numbers.append(grid_no)
                    grids_by_village[-1].append(g_index)
                    grid_clusters.append([])
                    prefix = f"{address_town}{vname}{group_short}"
                    seq = 0
                    for c in range(1, clusters_per_grid[g_index] + 1):
                        code = f"{grid.code}{c:02d}"
                        place = PlaceRec(code, f"{grid.name}第{c}联户", "cluster", grid.code)
                        data.places.append(place)
                        size = OVERSIZED_CLUSTER_HOUSEHOLDS if cluster_no == oversized else rng.randint(7, 13)
                        members = []
                        for _ in range(size):
                            seq += 1
                            house_no += rng.randint(1, 3)
                            members.append(
                                self.household(
                                    names, f"{grid.code}{seq:03d}", grid, code, prefix, house_no, gcell,
                                    community_flags[vi],
                                )
                            )  # fmt: skip
                        xs = [h.point["coordinates"][0] for h in members]
                        ys = [h.point["coordinates"][1] for h in members]
                        place.centre = geometry.point(sum(xs) / len(xs), sum(ys) / len(ys))
                        grid_clusters[g_index].append(cluster_no)
                        cluster_members.append(members)
                        cluster_codes.append(code)
                        cluster_no += 1
                    if g_index in gap_grids:  # a household nobody put into a cluster yet
                        seq += 1
                        house_no += 1
                        self.household(
                            names, f"{grid.code}{seq:03d}", grid, None, prefix, house_no, gcell, community_flags[vi]
                        )
            for g_index in grids_by_village[-1]:
                if g_index in loose_grids:  # registered at the grid, not yet in any household
                    p = self.person(
                        names, "other", "M" if rng.random() < 0.6 else "F", rng.uniform(20, 50),
                        names.surname(rng), "汉族", True, rng.choice(FLOATING_REGIONS),
                    )  # fmt: skip
                    p.place_code = grids[g_index].code

        self.personnel(targets, grids, grids_by_village, grid_clusters, cluster_members, cluster_codes)
        data.places.sort(key=lambda p: p.code)
        return data

    # -- personnel

    def _pick(self, people: list[Person], tests) -> Person:
        """A person not yet holding a role, by the first test that anyone passes."""
        rng = self.rng
        free = [p for p in people if not p.role]
        for test in tests:
            matches = [p for p in free if test(p)]
            if matches:
                return rng.choice(matches)
        return rng.choice(free)

    def _appoint(self, role: str, place_code: str, person: Person, patrol_team: int | None = None) -> None:
        rng = self.rng
        nominated = TERM_START - dt.timedelta(days=rng.randint(20, 45))
        reviewed = nominated + dt.timedelta(days=rng.randint(5, 15))
        self.data.appointments.append(
            AppointmentRec(
                role=role,
                place_code=place_code,
                person=person,
                nominated_by=_NOMINATED_BY(rng),
                nominated_on=nominated,
                review_note=rng.choice(_REVIEW_NOTES),
                reviewed_on=reviewed,
                term_start=TERM_START,
                term_end=TERM_END,
                patrol_team=patrol_team,
            )
        )

    def personnel(self, targets, grids, grids_by_village, grid_clusters, cluster_members, cluster_codes) -> None:
        rng, data, villages = self.rng, self.data, self.villages
        clustered = [
            [p for c in grid_clusters[g] for h in cluster_members[c] for p in h.members] for g in range(len(grids))
        ]

        def at_home(p: Person) -> bool:
            return not p.away_place

        # Grid leaders: some lead two neighbouring grids of their village.
        leader_of: dict[int, Person] = {}
        for grid_list in share_out(rng, grids_by_village, targets.grid_leaders):
            p = self._pick(
                clustered[grid_list[0]],
                [lambda p: at_home(p) and 35 <= p.age <= 58 and p.relation in ("householder", "spouse"),
                 lambda p: at_home(p) and 28 <= p.age <= 65],
            )  # fmt: skip
            p.role = "grid_leader"
            p.party = p.party or rng.random() < 0.85
            self._ensure_phone(p)
            for g in grid_list:
                leader_of.setdefault(g, p)
                self._appoint("grid_leader", grids[g].code, p)

        # Grid workers: one per grid, a few grids have two.
        worker_of: dict[int, Person] = {}
        for grid_list in share_out(rng, grids_by_village, targets.grid_workers):
            p = self._pick(
                clustered[grid_list[0]],
                [lambda p: at_home(p) and 24 <= p.age <= 50, lambda p: at_home(p) and 20 <= p.age <= 60],
            )
            p.role = "grid_worker"
            p.party = p.party or rng.random() < 0.5
            self._ensure_phone(p)
            for g in grid_list:
                worker_of.setdefault(g, p)
                self._appoint("grid_worker", grids[g].code, p)

        # Household-cluster leaders: one per cluster, from its own households.
        for c, households in enumerate(cluster_members):
            members = [p for h in households for p in h.members]
            p = self._pick(
                members,
                [lambda p: at_home(p) and 30 <= p.age <= 70 and p.relation == "householder",
                 lambda p: at_home(p) and 25 <= p.age <= 75, lambda p: p.age >= 18],
            )  # fmt: skip
            p.role = "cluster_leader"
            p.away_place = ""
            self._ensure_phone(p)
            self._appoint("cluster_leader", cluster_codes[c], p)

        # Grid party groups: each covers a run of neighbouring grids of one village.
        extra = apportion(
            rng, targets.party_groups - len(villages), [float(len(v)) for v in grids_by_village], 0,
            [len(v) - 1 for v in grids_by_village],
        )  # fmt: skip
        group_leaders: set[int] = set()
        for vi, (village_grids, more) in enumerate(zip(grids_by_village, extra, strict=True)):
            cuts = sorted(rng.sample(range(1, len(village_grids)), more))
            bounds = [0, *cuts, len(village_grids)]
            for a, b in zip(bounds, bounds[1:], strict=False):
                run = village_grids[a:b]
                first, last = self.grid_numbers[run[0]], self.grid_numbers[run[-1]]
                label = f"第{first}网格" if len(run) == 1 else f"第{first}-{last}网格"
                # The group leader: a grid leader of these grids (a party member), one group each.
                candidates = [leader_of[g] for g in run if id(leader_of[g]) not in group_leaders] or [leader_of[run[0]]]
                leader = next((p for p in candidates if p.party), candidates[0])
                leader.party = True
                group_leaders.add(id(leader))
                data.party_groups.append(
                    PartyGroupRec(
                        villages[vi].code,
                        f"{self.village_names[vi]}{label}党小组",
                        leader.name,
                        [grids[g].code for g in run],
                    )  # fmt: skip
                )

        # "Good neighbour" chat groups: one per grid, a few grids have a second.
        second = set(rng.sample(range(len(grids)), targets.chat_groups - len(grids)))
        for g, grid in enumerate(grids):
            reachable = sum(1 for p in clustered[g] if p.phone)
            for k in range(2 if g in second else 1):
                data.chat_groups.append(
                    ChatGroupRec(
                        grid.code,
                        f"{grid.name}好邻居{'二' if k else ''}群",
                        worker_of[g].name if k == 0 else leader_of[g].name,
                        max(10, int(reachable * rng.uniform(0.55, 0.9) / (2 if g in second else 1))),
                    )
                )

        # Patrol teams: one per village; the communities share a town team, then the smallest
        # neighbouring villages share one until the town's number is reached.
        teams: list[list[int]] = [[vi] for vi in range(len(villages))]
        communities = [vi for vi, v in enumerate(villages) if is_community(v.code)]
        fixed = 0
        if len(teams) > targets.patrol_teams and len(communities) > 1:
            teams = [communities] + [[vi] for vi in range(len(villages)) if vi not in communities]
            fixed = 1
        while len(teams) > targets.patrol_teams:
            sizes = [sum(len(grids_by_village[v]) for v in t) for t in teams]
            i = min(range(fixed, len(teams) - 1), key=lambda k: sizes[k] + sizes[k + 1])
            teams[i : i + 2] = [teams[i] + teams[i + 1]]
        for team in teams:
            vnames = [self.village_names[v] for v in team]
            if len(team) > 1 and all(v in communities for v in team):
                place_code, name = self.town.code, f"{self.town.name}场镇治安巡逻队"
            elif len(team) > 1:
                place_code, name = villages[team[0]].code, f"{''.join(vnames)}联防巡逻队"
            else:
                place_code, name = villages[team[0]].code, f"{vnames[0]}治安巡逻队"
            team_grids = [g for v in team for g in grids_by_village[v]]
            index = len(data.patrol_teams)
            data.patrol_teams.append(PatrolTeamRec(place_code, name, [grids[g].code for g in team_grids]))
            pool = [p for g in team_grids for p in clustered[g]]
            for _ in range(rng.randint(6, 10)):
                p = self._pick(pool, [lambda p: at_home(p) and p.sex == "M" and 20 <= p.age <= 60,
                                      lambda p: at_home(p) and 20 <= p.age <= 65])  # fmt: skip
                p.role = "patrol_member"
                self._ensure_phone(p)
                self._appoint("patrol_member", place_code, p, patrol_team=index)

    def _ensure_phone(self, p: Person) -> None:
        if not p.phone:
            p.phone = self.phone()


def build_town(
    seed: int, town: Division, villages: list[Division], ordinal: int, anchor_ordinal: int, taken_id_index=None
) -> TownData:
    return TownBuilder(seed, town, villages, ordinal, anchor_ordinal, taken_id_index).build()
