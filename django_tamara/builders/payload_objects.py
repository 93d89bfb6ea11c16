"""The behaviour every object of the payload shares, whatever its keys.

Tamara's tables are long and a shop's order is not written with them at hand: a typo such
as ``shiping_amount`` must be refused rather than dropped, a ``None`` from an optional model
field must read as "absent", and list errors must name their position. Written once here, so
each table in :mod:`.payload_parts` and :mod:`.payload_rules` declares only its fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from ..money import Money
from ..wire import format_dmy, json_number

__all__ = ["PayloadListSerializer", "PayloadSerializer"]


def _jsonable(value: Any) -> Any:
    """A pass-through value as JSON (dates the way the risk tables write them)."""
    if isinstance(value, Money):
        return value.to_api()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return format_dmy(value)
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class PayloadListSerializer(serializers.ListSerializer):
    """A non-empty list whose errors are keyed by position (``items[2].name``).

    DRF 3.18 deprecates its list-shaped errors unless a project-wide setting is on; a reusable
    app cannot set that for the shop, so the list keeps its own dict-shaped errors.
    """

    default_error_messages = {"empty": _("This list may not be empty.")}

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, (list, tuple)):
            message = self.error_messages["not_a_list"].format(input_type=type(data).__name__)
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="not_a_list")
        if not self.allow_empty and not data:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [self.error_messages["empty"]]}, code="empty"
            )
        child = cast(serializers.Field, self.child)  # DRF's ``many=True`` always sets it
        validated: list[Any] = []
        errors: dict[Any, Any] = {}
        for index, item in enumerate(data):
            try:
                validated.append(child.run_validation(item))
            except serializers.ValidationError as exc:
                errors[index] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        return validated


class PayloadSerializer(serializers.Serializer):
    """An object of the payload.

    - ``null`` on an optional field means "absent" (a shop's ``image_url = None``).
    - Keys the table does not know are refused (a typo such as ``shiping_amount`` should not
      vanish silently), unless ``keep_unknown`` is set: ``risk_assessment`` keeps them, as
      Tamara adds risk keys faster than its tables list them.
    - ``aliases`` maps a spelling the docs also use to the one that is sent
      (``expire_in_minutes`` → ``expires_in_minutes``).
    """

    keep_unknown: bool = False
    aliases: dict[str, str] = {}

    default_error_messages = {
        "unknown": _("Unknown field: the table of this payload has no such key."),
        "conflict": _("Both {alias} and {name} are given, with different values."),
    }

    class Meta:
        list_serializer_class = PayloadListSerializer

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # DRF's "Invalid data. Expected a dictionary"
        fields = self.fields
        errors: dict[str, Any] = {}
        data = dict(data)
        for alias, name in self.aliases.items():
            if alias in data:
                value = data.pop(alias)
                if name in data and data[name] != value:
                    errors[alias] = [self.error_messages["conflict"].format(alias=alias, name=name)]
                data.setdefault(name, value)
        for key in [k for k, v in data.items() if v is None and k in fields and not fields[k].required]:
            del data[key]
        unknown = [k for k in data if k not in fields]
        if unknown and not self.keep_unknown:
            for key in unknown:
                errors[str(key)] = [self.error_messages["unknown"]]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = {**cast(dict, exc.detail), **errors}  # an object's errors are a dict
            raise serializers.ValidationError(errors) from None
        if errors:
            raise serializers.ValidationError(errors)
        if unknown:
            value.update({str(k): _jsonable(data[k]) for k in unknown})
        return value

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ret = super().to_representation(instance)
        if self.keep_unknown and isinstance(instance, Mapping):
            for key in instance.keys() - self.fields.keys():
                ret[key] = _jsonable(instance[key])
        return ret
