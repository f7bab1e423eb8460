"""On the web the import runs in a thread after the upload commits, writing progress to its row."""

import threading

import pytest

from gridgov.registers import actions
from gridgov.registers.choices import ImportStatus
from gridgov.registers.models import RegisterImport
from gridgov.registers.tests.workbooks import register_rows, workbook
from gridgov.testing import build_world


@pytest.mark.django_db(transaction=True)
def test_upload_runs_the_import_in_a_background_thread(settings):
    settings.GRIDGOV_IMPORT_BACKGROUND = True
    world = build_world()
    data = workbook(register_rows(40))
    register_import = actions.create_import(world.town_staff, filename="bg.xlsx", data=data)

    actions.start_import(register_import, data)
    worker = next(t for t in threading.enumerate() if t.name == f"register-import-{register_import.pk}")
    worker.join(timeout=60)

    register_import = RegisterImport.objects.get(pk=register_import.pk)
    assert (register_import.status, register_import.created_residents) == (ImportStatus.IMPORTED, 40)
    assert register_import.processed_rows == 40
