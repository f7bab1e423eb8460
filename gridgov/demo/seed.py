"""Write demo towns into the database fast: raw multi-row inserts, one transaction per town.

Django's `bulk_create` spends its time in per-value Python work (~11k rows/s); this writes
prepared tuples with `executemany` (SQLite, ~100k rows/s) or COPY (PostgreSQL). Row ids are
allocated here, so households, residents and places can point at each other without a second
pass. Bulk rows bypass the audit signals: the run records one `import` event instead.

ID numbers and phones are sealed exactly as `Resident.set_id_number` / `set_phone` do
(same sealer, contexts and masks); the clear values never reach the database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gridgov.audit.actions import record
from gridgov.audit.choices import AuditAction
from gridgov.core.bulk import insert_rows
from gridgov.core.context import acting
from gridgov.core.pii import sealer
from gridgov.demo import geometry
from gridgov.demo.build import DEMO_TOWN, TownData, build_town
from gridgov.households.choices import ResidenceType
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Household, Resident
from gridgov.personnel.choices import AppointmentStatus
from gridgov.personnel.models import Appointment, ChatGroup, PartyGroup, PatrolTeam
from gridgov.places.divisions import Division, xishui_divisions
from gridgov.places.models import Place
from gridgov.utils.masking import mask_id_number, mask_phone

ANCESTORS = (("52", "贵州省", "province", ""), ("5203", "遵义市", "city", "52"), ("520330", "习水县", "county", "5203"))


class SeedError(Exception):
    """The demo cannot be built as asked (message for the operator)."""


# ---------------------------------------------------------------- raw tables


class Table:
    """A model's table and the columns we fill, in order. Refuses to leave a NOT NULL column out."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        self.columns = [meta.get_field(f).column for f in fields]
        given = set(fields)
        for f in meta.concrete_fields:
            if f.name in given or f.null or (f.primary_key and f.name not in given):
                continue
            raise SeedError(f"{self.name}.{f.column} is NOT NULL but the demo seeder does not fill it")


def through(model: type[models.Model], attr: str) -> Table:
    m2m = model._meta.get_field(attr)
    return Table(m2m.remote_field.through, [m2m.m2m_field_name(), m2m.m2m_reverse_field_name()])


def write(table: Table, rows: Iterable[tuple]) -> None:
    """Insert rows: COPY on PostgreSQL, executemany elsewhere (both inside the caller's transaction)."""
    insert_rows(table.name, table.columns, rows)


def adapters():
    """(datetime, date) to the values the backend stores, for raw rows (Django's adapters minus their cost)."""
    if connection.vendor != "sqlite":
        return (lambda value: value), (lambda value: value)
    utc = dt.UTC

    def adt(value):
        return None if value is None else str(value.astimezone(utc).replace(tzinfo=None))

    def adate(value):
        return None if value is None else value.isoformat()

    return adt, adate


ID_TABLES: tuple[type[models.Model], ...] = (Place, Household, Resident, PartyGroup, PatrolTeam)


def next_ids() -> dict[type[models.Model], int]:
    """First free id of each table whose ids we hand out ourselves (tables locked on PostgreSQL)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(quote(m._meta.db_table) for m in ID_TABLES)
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
        out = {}
        for model in ID_TABLES:
            cursor.execute(f"SELECT COALESCE(MAX({quote('id')}), 0) FROM {quote(model._meta.db_table)}")
            out[model] = cursor.fetchone()[0] + 1
    return out


def reset_sequences() -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(ID_TABLES))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---------------------------------------------------------------- towns


def xishui_towns() -> list[Division]:
    return [d for d in xishui_divisions() if d.level == "town"]


def towns_in_seed_order(count: int) -> list[Division]:
    """寨坝镇 first, then the towns after it in code order, wrapping round the county."""
    towns = xishui_towns()
    if not 1 <= count <= len(towns):
        raise SeedError(f"--towns 应在 1 到 {len(towns)} 之间（习水县共有 {len(towns)} 个乡镇、街道）")
    start = next(i for i, t in enumerate(towns) if t.code == DEMO_TOWN)
    return [towns[(start + k) % len(towns)] for k in range(count)]


def villages_of(town_code: str) -> list[Division]:
    return [d for d in xishui_divisions() if d.parent == town_code and d.level == "village"]


@dataclass
class SeedResult:
    towns: list[tuple[str, dict[str, int], float]] = field(default_factory=list)  # (name, counts, seconds)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, key: str) -> int:
        return sum(counts[key] for _, counts, _ in self.towns)


def ensure_ancestors(now) -> dict[str, int]:
    """贵州省 > 遵义市 > 习水县, created if missing; returns code -> id."""
    existing = dict(Place.objects.filter(code__in=[a[0] for a in ANCESTORS]).values_list("code", "id"))
    missing = [a for a in ANCESTORS if a[0] not in existing]
    if missing:
        towns = xishui_towns()
        anchor = next(i for i, t in enumerate(towns) if t.code == DEMO_TOWN)
        first, last = geometry.town_cell(0, anchor), geometry.town_cell(len(towns) - 1, anchor)
        rows = geometry.TOWN_COLUMNS
        county_cell = geometry.Cell(
            first.y_top,
            last.y_bottom,
            first.left_top,
            first.left_top + rows * geometry.TOWN_WIDTH,
            first.left_top,
            first.left_top + rows * geometry.TOWN_WIDTH,
        )
        shapes = {"520330": (county_cell.polygon(), county_cell.centre())}
        ops = connection.ops
        at = ops.adapt_datetimefield_value(now)
        table = Table(Place, ["id", "created_at", "updated_at", "code", "name", "kind", "parent", "boundary", "centre"])
        with transaction.atomic():
            next_id = next_ids()[Place]
            rows_out = []
            for code, name, kind, parent in missing:
                boundary, centre = shapes.get(code, (None, None))
                existing[code] = next_id
                rows_out.append(
                    (next_id, at, at, code, name, kind, existing.get(parent), _json(boundary), _json(centre))
                )
                next_id += 1
            write(table, rows_out)
            reset_sequences()
    return existing


def _json(value):
    return None if value is None else connection.ops.adapt_json_value(value, None)


def write_town(data: TownData, code_ids: dict[str, int], now) -> None:
    """Insert one built town (call inside a transaction)."""
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    date = ops.adapt_datefield_value
    seal = sealer()
    ids = next_ids()

    # Places, parents first (codes sort that way).
    place_rows = []
    for i, p in enumerate(data.places):
        code_ids[p.code] = ids[Place] + i
    for p in data.places:
        place_rows.append(
            (
                code_ids[p.code],
                at,
                at,
                p.code,
                p.name,
                p.kind,
                code_ids[p.parent_code],
                _json(p.boundary),
                _json(p.centre),
            )
        )
    write(
        Table(Place, ["id", "created_at", "updated_at", "code", "name", "kind", "parent", "boundary", "centre"]),
        place_rows,
    )

    resident_base, household_base = ids[Resident], ids[Household]
    household_rows = []
    for h in data.households:
        householder = next((p for p in h.members if p.relation == "householder"), h.members[0])
        household_rows.append(
            (
                household_base + h.index, at, at, h.cluster_code or h.grid_code, h.number, code_ids[h.grid_code],
                code_ids[h.cluster_code] if h.cluster_code else None, h.address, h.house_type,
                resident_base + householder.index, len(h.members), _json(h.point),
            )
        )  # fmt: skip
    write(
        Table(
            Household,
            [
                "id",
                "created_at",
                "updated_at",
                "path",
                "number",
                "grid",
                "cluster",
                "address",
                "house_type",
                "householder",
                "member_count",
                "point",
            ],
        ),  # fmt: skip
        household_rows,
    )

    floating, registered = ResidenceType.FLOATING.value, ResidenceType.REGISTERED.value
    resident_rows = []
    for p in data.people:
        number, phone = p.id_number, p.phone
        resident_rows.append(
            (
                resident_base + p.index, at, at, p.place_code, code_ids[p.place_code],
                None if p.household is None else household_base + p.household, p.name,
                seal.seal(number, ID_CONTEXT), seal.blind_index(number, ID_CONTEXT), mask_id_number(number),
                p.sex, date(p.birth),
                seal.seal(phone, PHONE_CONTEXT) if phone else None,
                seal.blind_index(phone, PHONE_CONTEXT) if phone else "", mask_phone(phone) if phone else "",
                p.relation, p.ethnicity, p.party, floating if p.floating else registered, bool(p.away_place),
                p.away_place,
            )
        )  # fmt: skip
    write(
        Table(
            Resident,
            [
                "id",
                "created_at",
                "updated_at",
                "path",
                "place",
                "household",
                "name",
                "id_number_sealed",
                "id_number_index",
                "id_number_masked",
                "sex",
                "birth_date",
                "phone_sealed",
                "phone_index",
                "phone_masked",
                "relation",
                "ethnicity",
                "is_party_member",
                "residence_type",
                "works_away",
                "works_away_place",
            ],
        ),  # fmt: skip
        resident_rows,
    )
    del resident_rows

    team_base = ids[PatrolTeam]
    write(
        Table(PatrolTeam, ["id", "created_at", "updated_at", "path", "place", "name"]),
        [
            (team_base + i, at, at, t.place_code, code_ids[t.place_code], t.name)
            for i, t in enumerate(data.patrol_teams)
        ],
    )
    write(
        through(PatrolTeam, "grids"),
        [(team_base + i, code_ids[g]) for i, t in enumerate(data.patrol_teams) for g in t.grid_codes],
    )

    group_base = ids[PartyGroup]
    write(
        Table(PartyGroup, ["id", "created_at", "updated_at", "path", "village", "name", "leader_name"]),
        [
            (group_base + i, at, at, g.village_code, code_ids[g.village_code], g.name, g.leader_name)
            for i, g in enumerate(data.party_groups)
        ],
    )
    write(
        through(PartyGroup, "grids"),
        [(group_base + i, code_ids[c]) for i, g in enumerate(data.party_groups) for c in g.grid_codes],
    )

    write(
        Table(
            ChatGroup,
            ["created_at", "updated_at", "path", "grid", "name", "owner_name", "member_count", "webhook_masked"],
        ),
        [
            (at, at, c.grid_code, code_ids[c.grid_code], c.name, c.owner_name, c.member_count, "")
            for c in data.chat_groups
        ],
    )

    appointed = AppointmentStatus.APPOINTED.value
    write(
        Table(
            Appointment,
            [
                "created_at",
                "updated_at",
                "path",
                "place",
                "role",
                "resident",
                "person_name",
                "patrol_team",
                "status",
                "nominated_by",
                "nominated_on",
                "review_note",
                "reviewed_on",
                "term_start",
                "term_end",
                "end_reason",
            ],
        ),  # fmt: skip
        [
            (
                at,
                at,
                a.place_code,
                code_ids[a.place_code],
                a.role,
                resident_base + a.person.index,
                a.person.name,
                None if a.patrol_team is None else team_base + a.patrol_team,
                appointed,
                a.nominated_by,
                date(a.nominated_on),
                a.review_note,
                date(a.reviewed_on),
                date(a.term_start),
                date(a.term_end),
                "",
            )
            for a in data.appointments
        ],  # fmt: skip
    )
    reset_sequences()


def seed_demo(seed: int = 1, towns: int = 1, progress: Callable[[str], None] | None = None) -> SeedResult:
    """Build 寨坝镇 (and ``towns - 1`` more towns of 习水县); towns already present are skipped."""
    started = time.perf_counter()
    order = towns_in_seed_order(towns)
    all_towns = xishui_towns()
    ordinal = {t.code: i for i, t in enumerate(all_towns)}
    anchor = ordinal[DEMO_TOWN]
    now = timezone.now()
    result = SeedResult()
    code_ids = ensure_ancestors(now)
    present = set(Place.objects.filter(code__in=[t.code for t in order]).values_list("code", flat=True))
    taken = None
    if Resident.objects.exists():  # other data: make sure no generated ID number collides with it
        existing = set(Resident.objects.values_list("id_number_index", flat=True))
        seal = sealer()

        def taken(value: str) -> bool:
            return seal.blind_index(value, ID_CONTEXT) in existing

    for town in order:
        if town.code in present:
            result.skipped.append(town.name)
            if progress:
                progress(f"{town.name} 已存在，跳过")
            continue
        t0 = time.perf_counter()
        data = build_town(seed, town, villages_of(town.code), ordinal[town.code], anchor, taken)
        with transaction.atomic():
            write_town(data, code_ids, now)
        seconds = time.perf_counter() - t0
        counts = data.counts()
        result.towns.append((town.name, counts, seconds))
        if progress:
            progress(
                f"{town.name}：网格 {counts['grids']} 个，户 {counts['households']:,} 户，"
                f"居民 {counts['residents']:,} 人（{seconds:.1f} 秒）"
            )
    result.seconds = time.perf_counter() - started
    if result.towns:
        keys = result.towns[0][1].keys()
        with acting("seed_demo"):
            record(
                AuditAction.IMPORT,
                None,
                detail={
                    "source": "seed_demo",
                    "seed": seed,
                    "towns": [name for name, _, _ in result.towns],
                    **{key: result.total(key) for key in keys},
                },
            )
    return result
