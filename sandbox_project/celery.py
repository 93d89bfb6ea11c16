"""The sandbox's Celery app, for ``TASKS_BACKEND=celery`` on Django 6 (docs/tasks.md).

``celery -A sandbox_project worker`` finds ``app`` here. It reads the ``CELERY_*`` Django
settings (``CELERY_BROKER_URL``...), and importing the app's ``tasks`` modules
(``autodiscover_tasks``) is what registers the django.tasks tasks with Celery:
django-tasks-celery registers each task when it is made (its ``register.py``). The web
processes reach the same app through the backend's ``OPTIONS["CELERY_APP"]``.
This is the layout of Celery's "First steps with Django" guide.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_project.settings")

app = Celery("sandbox_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
