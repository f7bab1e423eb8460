"""The periodic jobs `manage.py run_periodic` runs: each app registers its own tasks here from its
``AppConfig.ready()`` (so in INSTALLED_APPS order), and the runner imports no app."""

from __future__ import annotations

_TASKS: list = []
_LAST: list = []


def register_periodic(*tasks, last: bool = False) -> None:
    """Add django-tasks tasks to every round of ``run_periodic`` (once each, in the order given). ``last``
    puts them after every other app's tasks (the audit chain seals what the other jobs wrote)."""
    for task in tasks:
        if all(known.module_path != task.module_path for known in _TASKS + _LAST):
            (_LAST if last else _TASKS).append(task)


def periodic_tasks() -> tuple:
    return (*_TASKS, *_LAST)
