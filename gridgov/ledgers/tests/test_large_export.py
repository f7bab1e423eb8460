"""Acceptance: a 100,000-row ledger export opens in a spreadsheet reader (python-calamine) with masked ID numbers
and phones and no formulas (cells that would start with = + - @ are neutralised as the register export does)."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from gridgov.core.pii import sealer
from gridgov.demo.seed import Table, adapters, write
from gridgov.households.models import ID_CONTEXT, PHONE_CONTEXT, Resident
from gridgov.keypersons.models import KeyPerson
from gridgov.ledgers import actions
from gridgov.ledgers.books import LedgerFilters
from gridgov.ledgers.tests.helpers import cells, sheet_xml
from gridgov.utils.idnumber import make_id_number
from gridgov.utils.masking import mask_id_number, mask_phone

ROWS = 100_000
MEASURES = ['=HYPERLINK("http://x","点我")', "+86 每周见面", "-1", "@SUM(A1:A9)", "每周见面一次", ""]
MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


def many_key_persons(world, category) -> None:
    """ROWS residents of grid A (real sealed ID numbers and phones) on the key-population list, written in bulk."""
    seal, index = sealer().seal, sealer().blind_index
    adt, adate = adapters()
    now, today = adt(timezone.now()), timezone.localdate()
    residents = Table(
        Resident,
        ["id", "created_at", "updated_at", "path", "place", "name", "id_number_sealed", "id_number_index",
         "id_number_masked", "sex", "birth_date", "phone_sealed", "phone_index", "phone_masked", "relation",
         "ethnicity", "is_party_member", "residence_type", "works_away", "works_away_place"],
    )  # fmt: skip
    persons = Table(
        KeyPerson,
        ["created_at", "updated_at", "path", "resident", "category", "color", "control_measures", "status",
         "enlisted_on", "next_follow_up_due", "end_reason"],
    )  # fmt: skip
    first = Resident.objects.order_by("-id").values_list("id", flat=True).first() + 1
    grid = world.grid_a
    resident_rows, person_rows = [], []
    for n in range(ROWS):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=n % 20000)
        id_number = make_id_number("520330", birth, n // 20000 + 100)
        phone = f"139{n:08d}"
        pk = first + n
        resident_rows.append(
            (pk, now, now, grid.code, grid.pk, f"居民{n}", seal(id_number, ID_CONTEXT), index(id_number, ID_CONTEXT),
             mask_id_number(id_number), "M" if n % 2 else "F", adate(birth), seal(phone, PHONE_CONTEXT),
             index(phone, PHONE_CONTEXT), mask_phone(phone), "other", "汉族", False, "registered", False, "")
        )  # fmt: skip
        person_rows.append(
            (now, now, grid.code, pk, category.pk, ("red", "yellow", "blue")[n % 3], MEASURES[n % len(MEASURES)],
             "under_follow_up", adate(today - dt.timedelta(days=n % 700)), adate(today), "")
        )  # fmt: skip
    with transaction.atomic():
        write(residents, resident_rows)
        write(persons, person_rows)


def test_a_100000_row_ledger_opens_masked_and_without_formulas(world, officer, drug_users, tmp_path):
    many_key_persons(world, drug_users)
    out = tmp_path / "big.xlsx"
    assert actions.export_ledger(officer, "key_person", str(out), LedgerFilters(place=world.town.code)) == ROWS

    sheet = cells(out)
    assert len(sheet) == ROWS + 2 and sheet[0][0] == "寨坝镇重点人群台账"
    data = sheet[2:]
    assert [r[0] for r in data[:3]] == ["1", "2", "3"] and data[-1][0] == str(ROWS)
    assert all(MASKED_ID.match(r[3]) for r in data)
    assert all(MASKED_PHONE.match(r[4]) for r in data)
    stored = KeyPerson.objects.order_by("enlisted_on", "id").values_list(
        "resident__id_number_masked", "resident__phone_masked"
    )
    assert [(r[3], r[4]) for r in data] == list(stored)  # every person on the list, in the ledger's order
    assert not any(re.search(r"\d{17}[\dX]", "".join(r)) for r in data)  # no clear ID number anywhere
    assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for r in data for v in r if v)
    assert sorted({r[11] for r in data}) == sorted(
        ['\'=HYPERLINK("http://x","点我")', "'+86 每周见面", "'-1", "'@SUM(A1:A9)", "每周见面一次", ""]
    )
    xml = sheet_xml(str(out))
    assert "<f>" not in xml and "<f " not in xml  # not one formula cell in the sheet
