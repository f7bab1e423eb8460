"""Writing the register of a place to xlsx: one row per resident, in the import's columns, masked by default."""

from __future__ import annotations

from collections.abc import Iterator

from gridgov.core.pii import sealer
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Resident
from gridgov.registers import excel

FIELDS = (
    "household__number",
    "household__grid__code",
    "household__cluster__code",
    "household__address",
    "household__house_type",
    "name",
    "id_number_masked",
    "relation",
    "phone_masked",
    "ethnicity",
    "is_party_member",
    "residence_type",
    "works_away",
    "works_away_place",
)
REVEAL_FIELDS = ("id_number_sealed", "phone_sealed")
CHUNK = 2000


def register_rows(residents, *, reveal: bool = False) -> Iterator[list[str]]:
    """Cell texts for each resident of ``residents`` (already scoped by the caller)."""
    labels = excel.labels_by_value()
    house_types, relations, residence_types = labels["house_type"], labels["relation"], labels["residence_type"]
    fields = FIELDS + (REVEAL_FIELDS if reveal else ())
    s = sealer()
    rows = residents.order_by("path", "household_id", "id").values_list(*fields).iterator(chunk_size=CHUNK)
    for values in rows:
        (number, grid, cluster, address, house_type, name, id_masked, relation, phone_masked, ethnicity, party,
         residence_type, works_away, works_away_place) = values[:14]  # fmt: skip
        if reveal:
            id_value = s.open(values[14], ID_CONTEXT)
            phone_value = s.open(values[15], PHONE_CONTEXT) if values[15] else ""
        else:
            id_value, phone_value = id_masked, phone_masked
        yield [
            number or "",
            grid or "",
            cluster or "",
            address or "",
            house_types.get(house_type, "") if number else "",
            name,
            id_value,
            relations.get(relation, relation),
            phone_value,
            ethnicity,
            excel.YES if party else excel.NO,
            residence_types.get(residence_type, residence_type),
            excel.YES if works_away else excel.NO,
            works_away_place,
        ]


def write_register(residents, path: str, *, reveal: bool = False) -> int:
    """Write the register workbook to ``path``; returns the number of residents written."""
    writer = excel.SafeWriter(path)
    writer.set_columns(list(excel.COLUMNS))
    writer.header(excel.HEADERS)
    count = 0
    for values in register_rows(residents, reveal=reveal):
        writer.write(values)
        count += 1
    writer.close()
    return count


def queryset_for(place_code: str, user=None):
    """Residents under a place: through `for_user` when a user asks, the whole subtree for the operator's CLI."""
    base = Resident.objects.for_user(user) if user is not None else Resident.objects.all()
    return base.within(place_code)
