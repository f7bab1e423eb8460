"""The pieces the demo builder is made of (no database)."""

import random

import pytest

from gridgov.demo.build import apportion, share_out, short_village_name
from gridgov.demo.geometry import Cell, tile
from gridgov.demo.names import chinese_number


@pytest.mark.parametrize(
    ("full", "short"),
    [("桂园村村民委员会", "桂园村"), ("两路社区居民委员会", "两路社区"), ("天生社区居民委会员", "天生社区")],
)
def test_village_names_lose_the_committee_suffix(full, short):
    assert short_village_name(full) == short


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")])
def test_chinese_numbers_for_villager_groups(n, text):
    assert chinese_number(n) == text


def test_apportion_hits_the_total_within_bounds():
    rng = random.Random(1)
    counts = apportion(rng, 498, [rng.uniform(0.8, 1.2) for _ in range(114)], 3, 7)
    assert sum(counts) == 498 and min(counts) >= 3 and max(counts) <= 7


def test_fewer_people_than_grids_share_neighbouring_grids_of_one_village():
    villages = [list(range(0, 8)), list(range(8, 15)), list(range(15, 20))]
    people = share_out(random.Random(3), villages, 14)
    assert len(people) == 14
    assert sorted(g for grids in people for g in grids) == list(range(20))
    for grids in people:
        if len(grids) == 2:
            assert grids[1] == grids[0] + 1 and any(set(grids) <= set(v) for v in villages)


def test_more_people_than_grids_give_some_grids_two():
    people = share_out(random.Random(3), [list(range(10))], 12)
    assert len(people) == 12 and {g for grids in people for g in grids} == set(range(10))


def test_tiles_cover_the_cell_exactly():
    cell = Cell(28.45, 28.40, 106.20, 106.26, 106.21, 106.25)
    parts = tile(cell, 9, random.Random(5))

    def area(c):
        return (c.y_top - c.y_bottom) * ((c.right_top - c.left_top) + (c.right_bottom - c.left_bottom)) / 2

    assert len(parts) == 9
    assert sum(area(p) for p in parts) == pytest.approx(area(cell), rel=1e-12)
