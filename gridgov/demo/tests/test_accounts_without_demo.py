"""`demo_accounts` on a database without the demo town: only the administrators, and a warning."""

from io import StringIO

from django.core.management import call_command

from gridgov.accounts.models import User


def test_without_the_demo_town_only_the_three_administrators_are_created(db):
    out, err = StringIO(), StringIO()
    call_command("demo_accounts", stdout=out, stderr=err)
    assert sorted(User.objects.values_list("username", "role", "place")) == [
        ("auditor", "auditor", None),
        ("secadmin", "security_admin", None),
        ("sysadmin", "system_admin", None),
    ]
    assert "未创建：county、town、keypop、village、grid1、grid2、cluster、liaison" in out.getvalue() + err.getvalue()
