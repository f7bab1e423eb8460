"""`--towns N` adds real towns of 习水县 after 寨坝镇, for benchmarks."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from gridgov.demo.build import short_village_name
from gridgov.demo.seed import SeedError, seed_demo, towns_in_seed_order
from gridgov.households.models import Resident
from gridgov.places.divisions import xishui_divisions
from gridgov.places.models import Place
from gridgov.stats.reports import place_figures


def test_towns_2_adds_the_next_real_town_with_its_real_villages(db):
    out = StringIO()
    call_command("seed_demo", "--towns", "2", "--no-accounts", stdout=out)
    assert re.search(r"^民化镇：网格 \d+ 个", out.getvalue(), re.M)
    town = Place.objects.select_related("parent").get(code="520330114")
    assert (town.name, town.kind, town.parent.code) == ("民化镇", "town", "520330")
    villages = list(Place.objects.filter(parent=town).order_by("code").values_list("code", "name"))
    assert villages == [(d.code, short_village_name(d.name)) for d in xishui_divisions() if d.parent == "520330114"]
    zhaiba = {f.key: f.value for f in place_figures("520330113")}
    assert (zhaiba["grids"], zhaiba["grid_leaders"], zhaiba["grid_workers"]) == (114, 84, 115)
    minhua = {f.key: f.value for f in place_figures("520330114")}
    assert minhua["grid_workers"] > minhua["grids"] > minhua["grid_leaders"] > 0
    assert minhua["cluster_leaders"] == minhua["clusters"] > 0
    assert minhua["residents"] > 10_000
    # Each town draws ID numbers from its own sequence block (two digits for the local police station).
    blocks = {
        code: {
            r.reveal_id_number()[14:16] for r in Resident.objects.within(code).filter(residence_type="registered")[:200]
        }
        for code in ("520330113", "520330114")
    }
    assert blocks["520330113"].isdisjoint(blocks["520330114"])


def test_towns_follow_the_demo_town_in_code_order_round_the_county():
    names = [t.name for t in towns_in_seed_order(26)]
    assert names[:3] == ["寨坝镇", "民化镇", "二郎镇"]
    assert names[-1] == "官店镇" and len(set(names)) == 26


@pytest.mark.parametrize("count", [0, 27])
def test_a_town_count_outside_the_county_is_refused(count):
    with pytest.raises(SeedError, match="1 到 26"):
        seed_demo(towns=count)
