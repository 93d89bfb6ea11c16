"""The test shop's OSCAR_DYNAMIC_CLASS_LOADER: the adapter's loader, plus the shop's shipping.

A shop with classes of its own chains them in front of
``django_tamara.contrib.oscar.loading.class_loader`` like this (docs/oscar.md); the dashboard's
``EventHandler`` comes from the adapter's loader unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_tamara.contrib.oscar.loading import class_loader as tamara_class_loader


def class_loader(module_label: str, classnames: Sequence[str], module_prefix: str = "oscar.apps") -> list[Any]:
    if module_label == "shipping.repository" and list(classnames) == ["Repository"]:
        from .shipping import Repository

        return [Repository]
    return tamara_class_loader(module_label, classnames, module_prefix)
