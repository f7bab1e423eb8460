"""The menu is derived from the views' own access markers: for every persona, each entry it shows opens (200),
and each entry it does not show answers our 404 page; each role lands on its own home.

Runs over the shared test personas (`gridgov.testing`) with Django's test client; the browser test
(`test_browser_role_homes`) does the same over the demo town at desktop and phone size.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridgov.audit.models import AuditLog
from gridgov.core import menu
from gridgov.testing import make_user, sign_in
from gridgov.workbench.tests.test_browser_role_homes import PHONE_UA

NAV_LINK = re.compile(r'<a (?:class="navlink" )?href="([^"]+)"(?: aria-current="page")?>([^<]+)</a>')

# What each persona's menu holds, group by group (exact: a new entry or a changed marker shows up here).
FIELD = ["今日计划", "走访台账", "关爱对象"]
MENUS = {
    "county_staff": {
        "工作台": ["工作台", "移动工作台"],
        "事项": ["待办", "全部事项", "登记事项"],
        "走访与台账": [*FIELD, "巡逻日志", "群通知", "宣讲", "议事", "办实事", "环境整治", "摸排", "台账"],
        "户籍与人员": ["地域与网格", "户籍", "居民", "人员", "导入户籍", "导出户籍", "导入记录"],
        "统计": ["驾驶舱", "覆盖检查", "走访覆盖", "工作数据", "工作简报"],
        "设置": ["导入网格边界", "账号安全", "事项设置"],
    },
    "village_committee": {
        "工作台": ["工作台", "移动工作台"],
        "事项": ["待办", "全部事项", "登记事项"],
        "走访与台账": [*FIELD, "巡逻日志", "群通知", "宣讲", "议事", "办实事", "环境整治", "摸排", "台账"],
        "户籍与人员": ["地域与网格", "户籍", "居民", "人员", "导入户籍", "导出户籍", "导入记录"],
        "统计": ["驾驶舱", "覆盖检查", "走访覆盖", "工作数据", "工作简报"],
        "设置": ["账号安全"],
    },
    "grid_worker_a": {
        "工作台": ["工作台", "移动工作台"],
        "事项": ["待办", "全部事项", "登记事项"],
        "走访与台账": [*FIELD, "巡逻日志", "群通知", "宣讲", "办实事", "摸排", "台账"],
        "户籍与人员": ["地域与网格", "户籍", "居民", "导入户籍", "导出户籍", "导入记录"],
        "统计": ["驾驶舱", "覆盖检查", "走访覆盖", "工作数据", "工作简报"],
        "设置": ["账号安全"],
    },
    "cluster_leader_a1": {
        "工作台": ["工作台", "移动工作台"],
        "事项": ["待办", "全部事项", "登记事项"],
        "走访与台账": [*FIELD, "摸排"],
        "户籍与人员": ["地域与网格", "户籍", "居民"],
        "统计": ["覆盖检查", "走访覆盖"],
        "设置": ["账号安全"],
    },
    "department_liaison": {"事项": ["待办", "全部事项"], "设置": ["账号安全"]},
    "system_admin": {"设置": ["账号管理", "账号安全", "企业微信群机器人", "重点人员类别"]},
    "security_admin": {"设置": ["账号管理", "API令牌", "账号安全"]},
    "auditor": {"设置": ["审计日志", "账号安全"]},
}
MENUS["town_staff"] = MENUS["county_staff"]
MENUS["grid_worker_b"] = MENUS["grid_worker_a"]
KEYPOP_MENU = {
    **MENUS["county_staff"],
    "走访与台账": [*FIELD, "重点人群", "重点人员预警", *MENUS["county_staff"]["走访与台账"][3:]],
}

HOMES = {
    "county_staff": "/workbench/",
    "town_staff": "/workbench/",
    "village_committee": "/workbench/",
    "grid_worker_a": "/workbench/",
    "grid_worker_b": "/workbench/",
    "cluster_leader_a1": "/workbench/",
    "department_liaison": "/matters/queue/",
    "system_admin": "/accounts/",
    "security_admin": "/accounts/",
    "auditor": "/audit/",
}


@pytest.fixture
def keypop(world):
    return make_user("keypop", "center_staff", world.town, may_view_key_population=True)


def signed_in(user, **headers) -> Client:
    """Signed in through the real pages (the password, then the code for administrators and grant holders)."""
    client = Client(**headers)
    sign_in(client, user)
    return client


def grouped(user) -> dict[str, list[str]]:
    return {group.label: [link.label for link in group.links] for group in menu.menu_for(user).groups}


def landing(client: Client) -> tuple[str, int]:
    response = client.get("/", follow=True)
    return response.redirect_chain[-1][0] if response.redirect_chain else "/", response.status_code


def check_menu_against_pages(user, client: Client) -> None:
    shown = {link.url_name for link in menu.menu_for(user).links()}
    rows = AuditLog.objects.count()
    for item in menu.MENU:
        url = menu.target(item.url_name)[0]
        response = client.get(url, follow=item.url_name in shown)
        if item.url_name in shown:
            assert response.status_code == 200, (user.username, url)
        else:
            assert response.status_code == 404, (user.username, url, response.status_code)
            body = response.content.decode()
            assert 'id="error-404"' in body and "<table" not in body, (user.username, url)
    # Opening the lists and forms wrote no record (the key-population list's view audit aside).
    assert AuditLog.objects.exclude(action="view").count() == rows


@pytest.mark.parametrize("persona", sorted(HOMES))
def test_each_role_lands_on_its_home_and_its_menu_opens_exactly_what_it_shows(world, persona):
    user = getattr(world, persona)
    client = signed_in(user)
    assert landing(client) == (HOMES[persona], 200)
    assert grouped(user) == MENUS[persona]
    check_menu_against_pages(user, client)


def test_the_key_population_officer_lands_on_follow_ups_due_and_sees_the_key_population_pages(world, keypop):
    client = signed_in(keypop)
    assert landing(client) == ("/workbench/", 200)
    assert 'id="workbench-key_population"' in client.get("/workbench/").content.decode()
    assert grouped(keypop) == KEYPOP_MENU
    check_menu_against_pages(keypop, client)


@pytest.mark.parametrize("persona", ["grid_worker_a", "cluster_leader_a1"])
def test_field_roles_land_on_the_field_app_on_a_phone_and_the_switch_overrides_the_guess(world, persona):
    user = getattr(world, persona)
    phone = signed_in(user, HTTP_USER_AGENT=PHONE_UA)
    assert landing(phone) == ("/field/", 200)
    response = phone.post("/workbench/device/", {"device": "desktop"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert landing(phone) == ("/workbench/", 200)
    phone.post("/workbench/device/", {"device": "phone"})
    assert landing(phone) == ("/field/", 200)
    desktop = signed_in(user)
    desktop.post("/workbench/device/", {"device": "phone"})
    assert landing(desktop) == ("/field/", 200)


def test_leaders_on_a_phone_keep_their_workbench(world):
    assert landing(signed_in(world.town_staff, HTTP_USER_AGENT=PHONE_UA)) == ("/workbench/", 200)
    assert landing(signed_in(world.department_liaison, HTTP_USER_AGENT=PHONE_UA)) == ("/matters/queue/", 200)


@pytest.mark.parametrize("persona", sorted(HOMES))
def test_the_page_shows_the_menu_it_was_given(world, persona):
    """The top bar's links are exactly `menu_for`'s, in its order, and the phone's daily list comes first."""
    user = getattr(world, persona)
    client = signed_in(user)
    body = client.get("/", follow=True).content.decode()
    nav = body[body.index('<nav class="mainnav"') : body.index("</nav>", body.index('<nav class="mainnav"'))]
    built = menu.menu_for(user)
    daily = [(link.href, link.label) for link in built.daily]
    expected = daily + [(link.href, link.label) for link in built.links()]
    assert NAV_LINK.findall(nav) == expected
    assert daily, persona  # every role has some daily work first on a phone


def test_an_account_without_a_role_sees_the_no_role_page_not_a_404(world):
    nobody = make_user("newcomer", "", None)
    response = signed_in(nobody).get("/")
    assert response.status_code == 200 and "尚未授权" in response.content.decode()
    assert grouped(nobody) == {"设置": ["账号安全"]}  # only its own password and second factor
