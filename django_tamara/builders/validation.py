"""Running a payload serializer: one bound instance per thread, errors keyed by full path.

A builder validates every checkout, so the cost of DRF's per-instance field copies matters
(see :func:`_bound_serializer`), and a shop shows errors next to the field that caused them,
so DRF's nested error detail is flattened to paths such as ``items[0].sku``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from ..exceptions import PayloadInvalid

__all__ = ["field_names", "flatten_errors", "validate_payload"]


def flatten_errors(detail: Any, path: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"items[0].sku": ["..."]}``.

    Dict keys join with ``.``, list positions (and the integer keys of DRF's dict-style list
    errors) become ``[i]``; ``non_field_errors`` belong to the object that holds them, so a
    missing list reads ``items``, not ``items.non_field_errors``.
    """
    out: dict[str, list[str]] = {}

    def walk(node: Any, where: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(key, int):
                    walk(value, f"{where}[{key}]")
                elif key == api_settings.NON_FIELD_ERRORS_KEY:
                    walk(value, where)
                else:
                    walk(value, f"{where}.{key}" if where else str(key))
        elif isinstance(node, (list, tuple)):
            if all(isinstance(v, (str, ErrorDetail)) for v in node):
                if node:
                    out.setdefault(where or api_settings.NON_FIELD_ERRORS_KEY, []).extend(map(str, node))
            else:  # DRF's list-style ListSerializer errors: one entry (maybe {}) per element
                for index, value in enumerate(node):
                    walk(value, f"{where}[{index}]")
        elif node:
            out.setdefault(where or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(node))

    walk(detail, path)
    return out


@functools.cache
def field_names(serializer_class: type[serializers.Serializer], name: str) -> tuple[str, ...]:
    """The keys of the object ``name`` (``"items"``, ``"consumer"``...) of a payload serializer.

    Cached per class: instantiating a serializer deep-copies its fields, far too slow to do
    for every order just to learn which keys a builder should read.
    """
    field = serializer_class().fields[name]
    nested: Any = getattr(field, "child", field)  # a list of objects (items) or one object
    return tuple(nested.fields.keys())


_local = threading.local()


def _bound_serializer(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """One instance per class and thread, its fields bound once.

    DRF deep-copies every declared field each time a serializer is instantiated, which for a
    payload of nested objects costs about a quarter of validating it. Validation itself keeps
    no state on the instance (``run_validation`` returns the data, errors are raised), so each
    thread reuses one instance and only swaps its context per call.
    """
    instances = _local.__dict__.setdefault("serializers", {})
    serializer = instances.get(serializer_class)
    if serializer is None:
        serializer = instances[serializer_class] = serializer_class()
        _ = serializer.fields  # bind the nested fields now
    return serializer


def validate_payload(
    payload: Mapping[str, Any], serializer_class: type[serializers.Serializer], *, context: dict | None = None
) -> dict[str, Any]:
    """Validate ``payload`` with ``serializer_class``; the normalised, JSON-ready dict or PayloadInvalid."""
    serializer = _bound_serializer(serializer_class)
    serializer._context = context or {}
    try:
        validated = serializer.run_validation(payload)
        return serializer.to_representation(validated)
    except serializers.ValidationError as exc:
        raise PayloadInvalid(flatten_errors(exc.detail)) from None
    finally:
        serializer._context = {}  # never keep a request alive between calls
