"""The one place the app imports its background-task framework (issue #15).

Django 6.0 ships the tasks framework as ``django.tasks``; on Django 5.2 the same API comes
from the ``django-tasks`` backport (``django_tasks``), which Django's own was made from. A
task made with one is not a task of the other, so every module of the app, the sandbox's
settings and the tests import :func:`task`, the backends and their dotted paths from here:
what runs on a worker is then always made by the framework the shop's ``TASKS`` setting
configures. Which backend runs the tasks (Immediate, RQ, Celery...) is the shop's
``TASKS`` setting; docs/tasks.md lists the backends that work on each Django.

Chosen by the installed Django's version, not by what happens to be importable: on Django 6
the backport may still be installed (another package needs it) and must not be picked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import django

#: True when the tasks come from Django itself (``django.tasks``, Django 6.0 and later).
BUILT_IN: Final[bool] = django.VERSION >= (6, 0)

# mypy reads django-stubs' ``django.tasks``; the backport has the same API but no types.
if TYPE_CHECKING or BUILT_IN:
    from django.tasks import default_task_backend, task, task_backends
    from django.tasks.backends.immediate import ImmediateBackend
else:
    from django_tasks import default_task_backend, task, task_backends
    from django_tasks.backends.immediate import ImmediateBackend

#: The package the framework is imported from: ``django.tasks`` or ``django_tasks``.
PACKAGE: Final[str] = "django.tasks" if BUILT_IN else "django_tasks"
#: Dotted path of the backend that runs a task at once, in the caller (the default).
IMMEDIATE_BACKEND: Final[str] = f"{PACKAGE}.backends.immediate.ImmediateBackend"
#: Dotted path of the backend that only records what was enqueued (tests).
DUMMY_BACKEND: Final[str] = f"{PACKAGE}.backends.dummy.DummyBackend"

__all__ = [
    "BUILT_IN",
    "DUMMY_BACKEND",
    "IMMEDIATE_BACKEND",
    "PACKAGE",
    "ImmediateBackend",
    "default_task_backend",
    "task",
    "task_backends",
]
