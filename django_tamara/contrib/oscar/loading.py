"""An ``OSCAR_DYNAMIC_CLASS_LOADER`` that gives Oscar's ``EventHandler`` Tamara's payment events.

Oscar loads its classes through ``get_class``, which calls the loader named by
``settings.OSCAR_DYNAMIC_CLASS_LOADER`` (django-oscar's ``oscar/core/loading.py``). This one
asks Oscar's default loader first, so a forked ``order`` app's own ``EventHandler`` is still
the one found, and puts :class:`~.processing.TamaraEventHandlerMixin` in front of it; every
other class is Oscar's answer as it is. A shop with a loader of its own calls
:func:`with_tamara` from it instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oscar.core.loading import default_class_loader

__all__ = ["class_loader", "with_tamara"]

_composed: dict[type, type] = {}


def with_tamara(handler: type) -> type:
    """``handler`` (an ``EventHandler`` class) with Tamara's payment events, made once per class."""
    # Imported here: the loader runs while Oscar's apps import, before the app's models exist.
    from .processing import TamaraEventHandlerMixin

    if issubclass(handler, TamaraEventHandlerMixin):
        return handler
    if handler not in _composed:
        _composed[handler] = type(
            handler.__name__,
            (TamaraEventHandlerMixin, handler),
            {
                "__module__": __name__,
                "__doc__": f"{handler.__module__}.{handler.__qualname__} with Tamara's payment events.",
            },
        )
    return _composed[handler]


def class_loader(module_label: str, classnames: Sequence[str], module_prefix: str = "oscar.apps") -> list[Any]:
    classes = list(default_class_loader(module_label, classnames, module_prefix))
    if module_label == "order.processing":
        classes = [
            with_tamara(cls) if name == "EventHandler" else cls for name, cls in zip(classnames, classes, strict=True)
        ]
    return classes
