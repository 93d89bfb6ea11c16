"""DRF serializers of the create-checkout-session payload, the tables of the docs as code.

:class:`CheckoutSerializer` is the default e-commerce payload of tamara-api.md §3. The vertical
tables (marketplace, telecom, travel booking) share one stricter shape,
:class:`VerticalCheckoutSerializer`, and differ only in their ``risk_assessment``: each vertical
serializer declares a nested ``RiskAssessment`` class, like Django's ``Meta``, so a new vertical
is one serializer class.

A serializer both validates and normalises: ``validate_payload(payload, serializer_class)``
returns the JSON-ready dict Tamara documents, or raises
:class:`~django_tamara.exceptions.PayloadInvalid` whose ``errors`` are keyed by full path
(``items[0].sku``, ``risk_assessment.travel_data.travel_date``).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from ..amounts import expected_total
from ..exceptions import PayloadInvalid
from ..money import CURRENCY_COUNTRIES, Money
from .fields import (
    CountryCodeField,
    DdMmYyyyDateField,
    HttpUrlField,
    IdField,
    LenientBooleanField,
    LenientChoiceField,
    LocaleField,
    MoneyField,
    NumberField,
    PhoneNumberField,
    StrictIntegerField,
)

__all__ = [
    "PAYMENT_TYPES",
    "flatten_errors",
    "field_names",
    "validate_payload",
    "PayloadSerializer",
    "PayloadListSerializer",
    "ItemSerializer",
    "ConsumerSerializer",
    "ShippingAddressSerializer",
    "BillingAddressSerializer",
    "DiscountSerializer",
    "MerchantUrlSerializer",
    "RiskAssessmentSerializer",
    "VerticalRiskAssessmentSerializer",
    "CheckoutSerializer",
    "VerticalCheckoutSerializer",
]

#: ``PAY_BY_INSTALMENTS`` also serves "single checkout"; the last two are legacy (MAG, WOO).
PAYMENT_TYPES = ("PAY_BY_INSTALMENTS", "PAY_NOW", "PAY_BY_LATER", "PAY_NEXT_MONTH")


# Errors ---------------------------------------------------------------------------------


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
    field = getattr(field, "child", field)
    return tuple(field.fields.keys())


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
        serializer.fields  # noqa: B018 - bind the nested fields now
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


# Building blocks ---------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """A pass-through value as JSON (dates the way the risk tables write them)."""
    if isinstance(value, Money):
        return value.to_api()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal):
        return float(value)
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
        validated, errors = [], {}
        for index, item in enumerate(data):
            try:
                validated.append(self.child.run_validation(item))
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
            errors = {**exc.detail, **errors}
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


class ItemSerializer(PayloadSerializer):
    """One line of ``items[]``. Its ``total_amount`` is the line's amount *before* tax: the
    marketplace sample has an item of 41.65 with 7.35 tax in an order of 50.00 with 1.00 shipping."""

    reference_id = IdField()
    type = serializers.CharField(max_length=255)
    name = serializers.CharField(max_length=255)
    sku = IdField(max_length=128)
    quantity = StrictIntegerField(min_value=1)
    item_url = HttpUrlField(required=False)
    image_url = HttpUrlField(required=False)
    unit_price = MoneyField(required=False)
    tax_amount = MoneyField(required=False)
    discount_amount = MoneyField(required=False)
    total_amount = MoneyField()


class ConsumerSerializer(PayloadSerializer):
    first_name = serializers.CharField(max_length=255)
    last_name = serializers.CharField(max_length=255)
    phone_number = PhoneNumberField()
    email = serializers.EmailField(max_length=128, required=False)
    date_of_birth = DdMmYyyyDateField(required=False)
    national_id = IdField(required=False, max_length=64)
    is_first_order = LenientBooleanField(required=False)


class ShippingAddressSerializer(PayloadSerializer):
    """Every key the tables mark Required; ``line2`` may be absent and is then sent as ``""``."""

    first_name = serializers.CharField(max_length=255)
    last_name = serializers.CharField(max_length=255)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, allow_blank=True, default="")
    region = serializers.CharField(max_length=255)
    postal_code = IdField(required=False, allow_blank=True, max_length=32)
    city = serializers.CharField(max_length=255)
    country_code = CountryCodeField()
    phone_number = PhoneNumberField()


class BillingAddressSerializer(ShippingAddressSerializer):
    """The same keys, none required (the tables give billing no requirement column)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            if isinstance(field, serializers.CharField):
                field.allow_blank = True
        fields["line2"].default = serializers.empty
        return fields


class DiscountSerializer(PayloadSerializer):
    """A coupon: its code (or "N/A") and a positive amount (MAG 2.11.25 fixed sending it negative)."""

    name = serializers.CharField(max_length=255)
    amount = MoneyField()


class MerchantUrlSerializer(PayloadSerializer):
    success = HttpUrlField()
    failure = HttpUrlField()
    cancel = HttpUrlField()
    notification = HttpUrlField(required=False)


class RiskAssessmentSerializer(PayloadSerializer):
    """The §3 risk keys (MAG's, RG's and the vertical pages'), every one optional but typed."""

    keep_unknown = True

    account_creation_date = DdMmYyyyDateField(required=False)
    platform_account_creation_date = DdMmYyyyDateField(required=False)
    is_premium_customer = LenientBooleanField(required=False)
    is_guest_user = LenientBooleanField(required=False)
    is_existing_customer = LenientBooleanField(required=False)
    customer_nationality = serializers.CharField(required=False, max_length=64)
    customer_dob = DdMmYyyyDateField(required=False)
    customer_age = StrictIntegerField(required=False, min_value=0, max_value=150)
    customer_gender = LenientChoiceField(["Male", "Female"], required=False)
    has_delivered_order = LenientBooleanField(required=False)
    total_order_count = StrictIntegerField(required=False, min_value=0)
    date_of_first_transaction = DdMmYyyyDateField(required=False)
    order_amount_last3months = NumberField(required=False)
    order_count_last3months = StrictIntegerField(required=False, min_value=0)
    last_order_date = DdMmYyyyDateField(required=False)
    last_order_amount = NumberField(required=False)
    is_phone_verified = LenientBooleanField(required=False)
    is_card_on_file = LenientBooleanField(required=False)
    is_COD_customer = LenientBooleanField(required=False)
    is_fraudulent_customer = LenientBooleanField(required=False)
    total_ltv = NumberField(required=False)
    reward_program_enrolled = LenientBooleanField(required=False)
    reward_program_points = StrictIntegerField(required=False, min_value=0)
    risk_score = StrictIntegerField(required=False)
    sales_channel = serializers.CharField(required=False, max_length=255)


class VerticalRiskAssessmentSerializer(RiskAssessmentSerializer):
    """The four keys every vertical table marks Required."""

    is_premium_customer = LenientBooleanField()
    account_creation_date = DdMmYyyyDateField()
    total_order_count = StrictIntegerField(min_value=0)
    risk_score = StrictIntegerField()


# The payload -------------------------------------------------------------------------------


class CheckoutSerializer(PayloadSerializer):
    """The default e-commerce payload (tamara-api.md §3).

    Subclasses change ``RiskAssessment`` (the vertical's risk keys), ``risk_assessment_required``
    and ``digital_item_types`` (items that need no shipping address). Checks across fields,
    in :meth:`validate`: one currency everywhere, the currency's country, ``instalments`` only
    with ``PAY_BY_INSTALMENTS``, the shipping address unless all is digital, and the total.
    """

    RiskAssessment: type[serializers.Serializer] = RiskAssessmentSerializer
    risk_assessment_required: bool = False
    #: Item ``type`` values (compared case-insensitively) that need no shipping address.
    digital_item_types: frozenset[str] = frozenset({"digital"})

    aliases = {"expire_in_minutes": "expires_in_minutes"}

    total_amount = MoneyField()
    shipping_amount = MoneyField()
    tax_amount = MoneyField()
    order_reference_id = IdField(max_length=255)
    order_number = IdField(max_length=255, required=False)
    discount = DiscountSerializer(required=False)
    risk_assessment = RiskAssessmentSerializer(required=False)  # replaced by RiskAssessment
    consumer = ConsumerSerializer()
    items = ItemSerializer(many=True, allow_empty=False)
    country_code = CountryCodeField()
    description = serializers.CharField(max_length=256)
    merchant_url = MerchantUrlSerializer()
    billing_address = BillingAddressSerializer(required=False)
    shipping_address = ShippingAddressSerializer(required=False)  # required unless all digital
    locale = LocaleField(required=False)
    platform = serializers.CharField(required=False, max_length=255)
    is_mobile = LenientBooleanField(required=False)
    payment_type = LenientChoiceField(PAYMENT_TYPES, required=False)
    instalments = StrictIntegerField(required=False, min_value=1, max_value=12)
    expires_in_minutes = StrictIntegerField(required=False, min_value=1)
    additional_data = serializers.DictField(required=False)

    default_error_messages = {
        "currency": _("Currency {currency} differs from the order's currency {order_currency} (total_amount)."),
        "country": _("{currency} is accepted in {expected} only, not in {country}."),
        "instalments": _("instalments may only be sent with payment_type PAY_BY_INSTALMENTS."),
        "shipping": _("This field is required unless every item is digital ({types})."),
        "total": _("Expected {expected} (items + tax + shipping - discount), got {given}."),
    }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["risk_assessment"] = self.RiskAssessment(required=self.risk_assessment_required)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("order_number", attrs["order_reference_id"])
        errors: dict[str, list[str]] = {}
        payment_type = attrs.get("payment_type")
        if "instalments" in attrs and payment_type not in (None, "PAY_BY_INSTALMENTS"):
            errors["instalments"] = [self.error_messages["instalments"]]
        if "shipping_address" not in attrs and not self.all_digital(attrs["items"]):
            types = ", ".join(sorted(self.digital_item_types))
            errors["shipping_address"] = [self.error_messages["shipping"].format(types=types)]

        currency = attrs["total_amount"].currency
        mismatched = False
        for path, money in iter_money(attrs):
            if money.currency != currency:
                mismatched = True
                message = self.error_messages["currency"].format(currency=money.currency, order_currency=currency)
                errors.setdefault(f"{path}.currency", []).append(message)
        expected_country = CURRENCY_COUNTRIES.get(currency)
        if expected_country and attrs["country_code"] != expected_country:
            errors["country_code"] = [
                self.error_messages["country"].format(
                    currency=currency, expected=expected_country, country=attrs["country_code"]
                )
            ]
        if not mismatched:
            expected = expected_total(attrs)
            if expected != attrs["total_amount"]:
                errors["total_amount"] = [
                    self.error_messages["total"].format(expected=expected, given=attrs["total_amount"])
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def all_digital(self, items: list[Mapping[str, Any]]) -> bool:
        return all(str(item.get("type", "")).strip().lower() in self.digital_item_types for item in items)


def iter_money(attrs: Mapping[str, Any]) -> Iterator[tuple[str, Money]]:
    """Every Money of a validated payload with its path, in payload order."""
    for key in ("total_amount", "shipping_amount", "tax_amount"):
        if isinstance(attrs.get(key), Money):
            yield key, attrs[key]
    discount = attrs.get("discount") or {}
    if isinstance(discount.get("amount"), Money):
        yield "discount.amount", discount["amount"]
    for index, item in enumerate(attrs.get("items") or ()):
        for key in ("unit_price", "tax_amount", "discount_amount", "total_amount"):
            if isinstance(item.get(key), Money):
                yield f"items[{index}].{key}", item[key]


class VerticalCheckoutSerializer(CheckoutSerializer):
    """What the three vertical tables share: stricter than §3 where the tables say Required."""

    RiskAssessment = VerticalRiskAssessmentSerializer
    risk_assessment_required = True

    locale = LocaleField()
    platform = serializers.CharField(max_length=255)
    is_mobile = LenientBooleanField()
