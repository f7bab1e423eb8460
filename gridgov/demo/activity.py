"""The field apps' demo activity since 2021: each app's ``demo`` module, found lazily.

An app takes part by having ``gridgov/<app>/demo.py`` with ``seed(seed) -> dict[str, int]``; an app
without one is skipped, so apps can land theirs independently. The order matters where one app's demo
builds on another's (visits before key persons). The figures of that activity are the statistics'
(`gridgov.stats.reports.activity`), not the demo's.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ACTIVITY_APPS = (
    ("visits", "走访"),
    ("keypersons", "重点人员"),
    ("patrols", "巡逻"),
    ("chatnotices", "微信群通知"),
    ("publicity", "宣讲"),
    ("deliberations", "议事协商"),
    ("deeds", "办实事"),
    ("cleanups", "环境整治"),
    ("campaigns", "摸排"),
)


def load(app: str) -> ModuleType | None:
    """``gridgov.<app>.demo`` if it exists and offers ``seed``; None otherwise."""
    name = f"gridgov.{app}.demo"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"gridgov.{app}"):
            return None
        raise
    if not callable(getattr(module, "seed", None)):
        return None
    return module


def activity_modules() -> list[tuple[str, ModuleType]]:
    """(label, module) of every app whose demo module is present, in seeding order."""
    out = []
    for app, label in ACTIVITY_APPS:
        module = load(app)
        if module is not None:
            out.append((label, module))
    return out


def load_matters_demo() -> ModuleType:
    """The matter engine's demo year (`gridgov.matters.demo`): like the apps' activity modules, found by name,
    so that the demo app imports no app that builds on it."""
    return importlib.import_module("gridgov.matters.demo")
