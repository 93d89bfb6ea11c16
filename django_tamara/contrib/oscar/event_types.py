"""Oscar's rows this adapter names: the dashboard's Tamara payment event types and the "Tamara" source type.

The dashboard offers every ``PaymentEventType`` in its "Create payment event" list, so the three
Tamara types must exist before anyone looks; :mod:`.processing` recognises them by code. They
are made after every ``migrate`` (Django's ``post_migrate`` signal, as ``django.contrib.auth``
makes its permissions), which also brings them back after a ``flush``. An existing row is left
as it is, so a shop may rename the types.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

from .processing import EVENT_TYPES
from .sources import SOURCE_TYPE_CODE, SOURCE_TYPE_NAME

__all__ = ["ensure"]


def ensure(apps: Any = global_apps, using: str = "default", **kwargs: Any) -> None:
    """Create the payment event types and the source type that are missing (a ``post_migrate`` receiver)."""
    try:
        PaymentEventType = apps.get_model("order", "PaymentEventType")
        SourceType = apps.get_model("payment", "SourceType")
    except LookupError:  # Oscar's order or payment app is not installed or not migrated yet
        return
    for code, (name, _) in EVENT_TYPES.items():
        PaymentEventType._default_manager.using(using).get_or_create(code=code, defaults={"name": name})
    SourceType._default_manager.using(using).get_or_create(code=SOURCE_TYPE_CODE, defaults={"name": SOURCE_TYPE_NAME})
