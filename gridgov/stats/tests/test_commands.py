"""The figure commands: an unknown place is refused with a clear error, and nothing is printed."""

import io

import pytest
from django.core.management import CommandError, call_command

from gridgov.places.models import Place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["demo_activity", "demo_figures", "matter_figures"])
def test_an_unknown_place_is_refused(command):
    Place.objects.create(code="52", name="贵州省", kind="province")
    out = io.StringIO()
    with pytest.raises(CommandError, match="^地域 5299 不存在$"):
        call_command(command, place="5299", stdout=out)
    assert out.getvalue() == ""


def test_a_known_place_is_reported():
    Place.objects.create(code="52", name="贵州省", kind="province")
    out = io.StringIO()
    call_command("demo_figures", place="52", stdout=out)
    assert out.getvalue().startswith("贵州省（52）\n")
