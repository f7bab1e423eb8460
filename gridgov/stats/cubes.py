"""The rollups: which source each table counts, by which dimensions, at which depths of the place tree.

Narrow tables, one per panel, chosen by measurement (`bench/stats_bench.py` prints both): at village
level a wide table with every matter dimension (kind, category, state, color, channel, level,
lateness, feedback, overdue) has almost one row per matter, so a county read sums tens of thousands
of rows; the narrow tables below hold a few dozen rows per place and month, and a county's 12-month
panel reads a few hundred. Each table is kept at the depths listed (province 2 ... village 12):
places below a village (groups, grids) hold so few records that they are counted from the records.

A *family* is what one change marks for recounting: every table of the family is recounted from the
same raw read of its bucket (`gridgov.stats.actions.refresh`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gridgov.stats import sources
from gridgov.stats.sources import Source

DEPTHS = (2, 4, 6, 9, 12)
UNIT_DEPTHS = (2, 4, 6, 9, 12, 16)  # open matters: held by grids too


@dataclass(frozen=True)
class Cube:
    name: str
    family: str
    source: Source
    model: str  # app_label.ModelName of the rollup table
    dims: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    depths: tuple[int, ...] = DEPTHS

    @property
    def table(self):
        from django.apps import apps

        return apps.get_model(*self.model.split("."))

    @property
    def dated(self) -> bool:
        return self.source.date is not None

    @property
    def bottom(self) -> int:
        return self.depths[-1]

    def stored_depth(self, code: str) -> int | None:
        """The deepest depth kept at or above ``code``'s own (None: above every kept depth)."""
        kept = [d for d in self.depths if d <= len(code)]
        return kept[-1] if kept else None

    def keeps(self, code: str) -> bool:
        return len(code) in self.depths

    def parent(self, code: str) -> str:
        above = [d for d in self.depths if d < len(code)]
        return code[: above[-1]] if above else ""

    def child_depth(self, code: str) -> int | None:
        below = [d for d in self.depths if d > len(code)]
        return below[0] if below else None

    def covers(self, dims, sums=()) -> bool:
        return set(dims) <= set(self.dims) and set(sums) <= set(self.sums)


CUBES: tuple[Cube, ...] = (
    Cube("matter_kpi", "matters", sources.MATTERS, "stats.MatterKpi", ("done", "late", "in_village", "feedback")),
    Cube("matter_kind_state", "matters", sources.MATTERS, "stats.MatterKindState", ("kind", "state", "overdue")),
    Cube("matter_color", "matters", sources.MATTERS, "stats.MatterColorState", ("kind", "color", "state")),
    Cube("matter_channel", "matters", sources.MATTERS, "stats.MatterChannelState", ("kind", "channel", "state")),
    Cube("matter_category", "matters", sources.MATTERS, "stats.MatterCategoryState", ("category", "state")),
    Cube(
        "matter_outcome",
        "matters",
        sources.MATTERS,
        "stats.MatterOutcome",
        ("state", "level", "late", "feedback", "overdue"),
    ),
    Cube(
        "open_matters",
        "open_matters",
        sources.OPEN_MATTERS,
        "stats.OpenMatter",
        ("level", "color", "overdue", "card"),
        depths=UNIT_DEPTHS,
    ),
    Cube("open_places", "open_places", sources.OPEN_PLACES, "stats.OpenByPlace", ("overdue", "color")),
    Cube("visit_mode", "visits", sources.VISITS, "stats.VisitMode", ("mode",)),
    Cube("visit_worker", "visits", sources.VISITORS, "stats.VisitWorker", ("user",), depths=(9, 12)),
    Cube("household_count", "households", sources.HOUSEHOLDS, "stats.HouseholdCount"),
    Cube("household_recency", "households", sources.HOUSEHOLDS, "stats.HouseholdRecency", ("last_day",)),
    Cube("staff_posts", "staff", sources.STAFF, "stats.StaffPosts", ("role",)),
    Cube("key_persons", "key_persons", sources.KEY_PERSONS, "stats.KeyPersonMix", ("category", "color", "status")),
    Cube("patrols", "patrols", sources.PATROLS, "stats.PatrolShift", ("shift",), ("headcount",)),
    Cube("publicity", "publicity", sources.PUBLICITY, "stats.PublicityMix", ("topic", "channel"), ("attendance",)),
    Cube("deeds", "deeds", sources.DEEDS, "stats.DeedCategoryRollup", ("category",)),
    Cube("cleanup_rounds", "cleanups", sources.CLEANUP_ROUNDS, "stats.CleanupRoundRollup", (), ("participants",)),
    Cube("cleanup_problems", "cleanups", sources.CLEANUP_PROBLEMS, "stats.CleanupProblemRollup", ("recurrence",)),
    Cube("checks", "checks", sources.CHECKS, "stats.CheckRollup", ("campaign",)),
)
FAMILIES: dict[str, list[Cube]] = {}
for _cube in CUBES:
    FAMILIES.setdefault(_cube.family, []).append(_cube)


def family_sources(family: str) -> list[Source]:
    """The distinct sources of a family, in table order."""
    out: list[Source] = []
    for cube in FAMILIES[family]:
        if cube.source not in out:
            out.append(cube.source)
    return out


def cube_for(source: str, dims=(), sums=()) -> Cube | None:
    """The first (narrowest) table of ``source`` that has every dimension and sum asked for."""
    for cube in CUBES:
        if cube.source.name == source and cube.covers(dims, sums):
            return cube
    return None
