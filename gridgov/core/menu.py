"""The navigation, grouped by the work and derived from the access markers the views carry.

An app registers its entries in its ``AppConfig.ready`` with `register_menu(group, [(url_name, label)])`.
An entry carries no rule of its own: `menu_for` resolves the entry's URL to its view and asks
`gridgov.core.access.is_allowed` about that view's own marker, so the menu shows exactly the pages the
middleware lets the user open, and a change of a view's marker changes the menu with it.

On a phone the menu opens with the role's daily work (`DAILY`), then the groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext_noop

from gridgov.core.access import may_open

# The groups, in the order the top bar shows them.
GROUPS: dict[str, str] = {
    "work": gettext_noop("工作台"),
    "matters": gettext_noop("事项"),
    "field": gettext_noop("走访与台账"),
    "people": gettext_noop("户籍与人员"),
    "stats": gettext_noop("统计"),
    "settings": gettext_noop("设置"),
}

# Each role's daily work (keys: `gridgov.core.roles.Role` values), first in the phone menu;
# entries the user may not open are left out.
FIELD_DAILY = ("field:today", "matters:queue", "visits:today", "matters:create", "households:list")
DAILY: dict[str, tuple[str, ...]] = {
    "grid_worker": FIELD_DAILY,
    "grid_leader": FIELD_DAILY,
    "cluster_leader": FIELD_DAILY,
    "village_committee": ("workbench:index", "matters:queue", "matters:list", "stats:cockpit", "visits:today"),
    "center_staff": ("workbench:index", "matters:queue", "matters:list", "stats:cockpit", "coverage:index"),
    "department_liaison": ("matters:queue", "matters:list"),
    "system_admin": ("accounts:accounts",),
    "security_admin": ("accounts:accounts",),
    "auditor": ("audit:log",),
}
KEY_POPULATION_DAILY = ("keypersons:list", "keypersons:alerts")  # first for holders of the grant


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    group: str


@dataclass(frozen=True)
class Link:
    url_name: str
    label: str
    href: str
    current: bool = False


@dataclass
class Group:
    key: str
    label: str
    links: list[Link] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


@dataclass
class Menu:
    daily: list[Link]
    groups: list[Group]

    def links(self) -> list[Link]:
        return [link for group in self.groups for link in group.links]


MENU: list[MenuItem] = []


def register_menu(group: str, items: Iterable[tuple[str, str]], *, first: bool = False) -> None:
    """Add entries ``(url_name, label)`` to a group of `GROUPS` (at its end, or at its start with ``first``);
    who sees them follows from the views' markers."""
    if group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}; one of {', '.join(GROUPS)}")
    entries = []
    for entry in items:
        url_name, label = entry  # an access rule here is refused: the view's own marker decides
        entries.append(MenuItem(url_name, label, group))
    if first:
        MENU[:0] = entries
    else:
        MENU.extend(entries)


@cache
def target(url_name: str) -> tuple[str, object]:
    """The entry's URL and the view it resolves to (the URL configuration does not change while running)."""
    href = reverse(url_name)
    return href, resolve(href).func


def opens(user, url_name: str) -> bool:
    """Whether ``user`` may open the page named ``url_name`` (by its view's access marker)."""
    try:
        _href, view = target(url_name)
    except (NoReverseMatch, Resolver404):
        return False
    return may_open(user, view)


def menu_for(user, current: str = "") -> Menu:
    """The entries ``user`` may open, grouped; ``current`` is the view name of the page being shown."""
    from django.utils.translation import gettext

    groups = {key: Group(key, gettext(label)) for key, label in GROUPS.items()}
    allowed: dict[str, Link] = {}
    if user is not None and user.is_authenticated:
        for item in MENU:
            if item.url_name in allowed or not opens(user, item.url_name):
                continue
            link = Link(item.url_name, gettext(item.label), target(item.url_name)[0], item.url_name == current)
            allowed[item.url_name] = link
            groups[item.group].links.append(link)
    names = DAILY.get(getattr(user, "role", ""), ())
    if getattr(user, "may_view_key_population", False):
        names = KEY_POPULATION_DAILY + names
    daily = [allowed[name] for name in names if name in allowed]
    return Menu(daily=daily, groups=[group for group in groups.values() if group.links])


def breadcrumbs(user, current: str) -> list[Link]:
    """A page's default trail when its template gives none: 工作台 › group › the menu entry of its section.

    The section is the menu entry of the page itself, else the first entry of the same app the user may open.
    """
    from django.utils.translation import gettext

    if user is None or not user.is_authenticated or not current:
        return []
    home = Link("home", gettext("工作台"), reverse("home"), current in {"home", "workbench:index"})
    namespace = current.split(":", 1)[0]
    same_app = [item for item in MENU if item.url_name.split(":", 1)[0] == namespace and opens(user, item.url_name)]
    exact = [item for item in same_app if item.url_name == current]
    section = (exact or same_app or [None])[0]
    if section is None or section.url_name == "workbench:index":
        return [home]
    link = Link(section.url_name, gettext(section.label), target(section.url_name)[0], section.url_name == current)
    if section.group == "work":  # the group is the root itself
        return [home, link]
    return [home, Link("", gettext(GROUPS[section.group]), ""), link]
