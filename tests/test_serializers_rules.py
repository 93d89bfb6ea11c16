"""One test per rule of each vertical table: refused with the field's path, Tamara never called.

Each case starts from the vertical's (corrected) sample, breaks one rule, and sends it through
``create_session`` with a client that fails the test if any of its methods is touched: the
refusal has to come from validation, before any HTTP.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable

import pytest

from django_tamara.builders import (
    CheckoutBuilder,
    MarketplaceCheckoutBuilder,
    TelecomCheckoutBuilder,
    TravelCheckoutBuilder,
)
from django_tamara.exceptions import PayloadInvalid
from django_tamara.lifecycle import create_session

from .test_serializers_samples import (
    ecommerce_sample,
    marketplace_sample,
    telecom_sample,
    travel_sample,
)

BUILDERS: dict[str, tuple[Callable[[], dict[str, Any]], type[CheckoutBuilder]]] = {
    "marketplace": (marketplace_sample, MarketplaceCheckoutBuilder),
    "telecom": (telecom_sample, TelecomCheckoutBuilder),
    "travel": (travel_sample, TravelCheckoutBuilder),
}


class Tripwire:
    """A client whose every method fails the test: "the simulator is never called"."""

    def __getattr__(self, name: str) -> Any:
        pytest.fail(f"Tamara was called ({name}) for a payload that should have been refused")


def refused(vertical: str, payload: dict[str, Any]) -> dict[str, list[str]]:
    builder = BUILDERS[vertical][1]() if vertical in BUILDERS else CheckoutBuilder()
    with pytest.raises(PayloadInvalid) as info:
        create_session(payload, builder=builder, client=Tripwire())  # type: ignore[arg-type]  # fails the test if used
    return info.value.errors


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path)]


def delete(payload: dict[str, Any], path: str) -> dict[str, Any]:
    *parents, last = _steps(path)
    node: Any = payload
    for step in parents:
        node = node[step]
    del node[last]
    return payload


def put(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = _steps(path)
    node: Any = payload
    for step in parents:
        node = node[step]
    node[last] = value
    return payload


# Required fields --------------------------------------------------------------------------

COMMON_REQUIRED = [
    "total_amount",
    "total_amount.amount",
    "total_amount.currency",
    "shipping_amount",
    "shipping_amount.amount",
    "shipping_amount.currency",
    "tax_amount",
    "tax_amount.amount",
    "tax_amount.currency",
    "order_reference_id",
    "risk_assessment",
    "risk_assessment.is_premium_customer",
    "risk_assessment.account_creation_date",
    "risk_assessment.total_order_count",
    "risk_assessment.risk_score",
    "consumer",
    "consumer.phone_number",
    "consumer.first_name",
    "consumer.last_name",
    "items",
    "items[0].reference_id",
    "items[0].type",
    "items[0].name",
    "items[0].sku",
    "items[0].quantity",
    "items[0].total_amount",
    "items[0].total_amount.amount",
    "items[0].total_amount.currency",
    "country_code",
    "description",
    "merchant_url",
    "merchant_url.cancel",
    "merchant_url.failure",
    "merchant_url.success",
    "shipping_address.city",
    "shipping_address.country_code",
    "shipping_address.first_name",
    "shipping_address.last_name",
    "shipping_address.line1",
    "shipping_address.phone_number",
    "shipping_address.region",
    "locale",
    "platform",
    "is_mobile",
]
VERTICAL_REQUIRED = {
    "marketplace": [
        "risk_assessment.sub_merchant_id",
        "risk_assessment.sub_merchant_category",
        "risk_assessment.sub_merchant_name",
        "risk_assessment.sub_merchant_tier",
        "risk_assessment.sub_merchant_joining_date",
    ],
    "telecom": [],
    "travel": [
        "risk_assessment.travel_data",
        "risk_assessment.travel_data.origin",
        "risk_assessment.travel_data.destination",
        "risk_assessment.travel_data.travel_type",
        "risk_assessment.travel_data.trip_type",
        "risk_assessment.travel_data.class",
        "risk_assessment.travel_data.number_of_passengers",
        "risk_assessment.travel_data.travel_date",
        "risk_assessment.travel_data.is_refundable_booking",
    ],
}
REQUIRED_CASES = [(v, path) for v in BUILDERS for path in COMMON_REQUIRED + VERTICAL_REQUIRED[v]]


@pytest.mark.parametrize(("vertical", "path"), REQUIRED_CASES, ids=[f"{v}-{p}" for v, p in REQUIRED_CASES])
def test_each_required_field_missing_is_refused(vertical: str, path: str) -> None:
    errors = refused(vertical, delete(BUILDERS[vertical][0](), path))
    assert path in errors, errors
    assert any("required" in message for message in errors[path]), errors[path]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_an_empty_item_list_is_refused(vertical: str) -> None:
    errors = refused(vertical, put(BUILDERS[vertical][0](), "items", []))
    assert errors == {"items": ["This list may not be empty."]}


@pytest.mark.parametrize("vertical", BUILDERS)
def test_shipping_address_is_required_unless_every_item_is_digital(vertical: str) -> None:
    payload = delete(BUILDERS[vertical][0](), "shipping_address")
    payload["items"][0]["type"] = "Physical"
    errors = refused(vertical, payload)
    assert "unless every item is digital" in errors["shipping_address"][0]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_line2_may_be_left_out_and_is_sent_empty(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    out = builder_class().validate(delete(sample(), "shipping_address.line2"))
    assert out["shipping_address"]["line2"] == ""


# Maximum lengths -------------------------------------------------------------------------

LONG_EMAIL = "a" * 64 + "@" + "b" * 60 + ".com"  # 129 characters, otherwise valid
LONG_URL = "https://shop.example/" + "x" * (1025 - len("https://shop.example/"))
LENGTH_CASES = [
    ("consumer.email", LONG_EMAIL, 128),
    ("consumer.phone_number", "5" * 33, 32),
    ("items[0].name", "n" * 256, 255),
    ("items[0].sku", "s" * 129, 128),
    ("items[0].item_url", LONG_URL, 1024),
    ("items[0].image_url", LONG_URL, 1024),
    ("merchant_url.success", LONG_URL, 1024),
    ("merchant_url.failure", LONG_URL, 1024),
    ("merchant_url.cancel", LONG_URL, 1024),
    ("merchant_url.notification", LONG_URL, 1024),
    ("description", "d" * 257, 256),
    ("shipping_address.phone_number", "5" * 33, 32),
    ("billing_address.phone_number", "5" * 33, 32),
]
LENGTH_ALL = [(v, *case) for v in BUILDERS for case in LENGTH_CASES]


@pytest.mark.parametrize(("vertical", "path", "value", "limit"), LENGTH_ALL, ids=[f"{c[0]}-{c[1]}" for c in LENGTH_ALL])
def test_each_length_exceeded_is_refused(vertical: str, path: str, value: str, limit: int) -> None:
    assert len(value) == limit + 1
    payload = BUILDERS[vertical][0]()
    if path.startswith("billing_address"):
        payload["billing_address"] = {"city": "Riyadh"}
    errors = refused(vertical, put(payload, path, value))
    assert errors == {path: [f"Ensure this field has no more than {limit} characters."]}


@pytest.mark.parametrize("vertical", BUILDERS)
def test_values_at_the_limits_are_accepted(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    payload = sample()
    payload["consumer"]["email"] = LONG_EMAIL[1:]
    payload["consumer"]["phone_number"] = "5" * 32
    payload["items"][0].update(name="n" * 255, sku="s" * 128, item_url=LONG_URL[:-1])
    payload["description"] = "d" * 256
    out = builder_class().validate(payload)
    assert len(out["items"][0]["item_url"]) == 1024


# Dates -----------------------------------------------------------------------------------

BAD_DATES = ["2019/01/31", "31-13-2019", "31-02-2019", "Jan 31 2019", "31012019", 20190131, ""]
DATE_PATHS = {
    "marketplace": ["risk_assessment.account_creation_date", "risk_assessment.sub_merchant_joining_date"],
    "telecom": ["risk_assessment.account_creation_date"],
    "travel": ["risk_assessment.account_creation_date", "risk_assessment.travel_data.travel_date"],
}
DATE_CASES = [(v, path, bad) for v in BUILDERS for path in DATE_PATHS[v] for bad in BAD_DATES]


@pytest.mark.parametrize(("vertical", "path", "value"), DATE_CASES, ids=[f"{v}-{p}-{b}" for v, p, b in DATE_CASES])
def test_each_bad_date_format_is_refused(vertical: str, path: str, value: Any) -> None:
    errors = refused(vertical, put(BUILDERS[vertical][0](), path, value))
    assert list(errors) == [path], errors


@pytest.mark.parametrize("vertical", BUILDERS)
def test_iso_dates_are_mended_to_dd_mm_yyyy(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    payload = put(sample(), "risk_assessment.account_creation_date", "2019-01-31")
    assert builder_class().validate(payload)["risk_assessment"]["account_creation_date"] == "31-01-2019"


# Enumerations ------------------------------------------------------------------------------

ENUM_CASES = [
    ("travel", "risk_assessment.travel_data.travel_type", "Interplanetary"),
    ("travel", "risk_assessment.travel_data.trip_type", "Circular"),
    ("travel", "risk_assessment.travel_data.class", "Cargo"),
    ("travel", "risk_assessment.travel_data.origin", "RUHX"),
    ("travel", "risk_assessment.travel_data.destination", "J3D"),
    ("travel", "risk_assessment.travel_data.number_of_passengers", 0),
    ("travel", "risk_assessment.travel_data.is_refundable_booking", "maybe"),
] + [
    (v, path, value)
    for v in BUILDERS
    for path, value in [
        ("locale", "fr_FR"),
        ("payment_type", "PAY_WITH_CARD"),
        ("country_code", "XX"),
        ("country_code", "SAU"),
        ("shipping_address.country_code", "ZZ"),
        ("risk_assessment.is_premium_customer", "sometimes"),
        ("risk_assessment.total_order_count", "twelve"),
        ("risk_assessment.risk_score", 5.5),
        ("is_mobile", "yes please"),
        ("items[0].quantity", 0),
        ("items[0].quantity", 1.5),
        ("items[0].quantity", True),
        ("consumer.email", "mona@"),
        ("merchant_url.success", "example.com/success"),
        ("merchant_url.failure", "ftp://example.com/failure"),
        ("instalments", 13),
        ("expires_in_minutes", 0),
    ]
]


@pytest.mark.parametrize(("vertical", "path", "value"), ENUM_CASES, ids=[f"{v}-{p}-{x}" for v, p, x in ENUM_CASES])
def test_each_bad_enumeration_or_type_is_refused(vertical: str, path: str, value: Any) -> None:
    errors = refused(vertical, put(BUILDERS[vertical][0](), path, value))
    assert list(errors) == [path], errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("one way", "OneWay"),
        ("ONE_WAY", "OneWay"),
        ("return", "Return"),
        (None, "Null"),
        ("null", "Null"),
        ("multiple-destination", "MultipleDestination"),
        ("round trip", "Return"),
    ],
)
def test_trip_type_spellings_are_mended(value: Any, expected: str) -> None:
    payload = put(travel_sample(), "risk_assessment.travel_data.trip_type", value)
    out = TravelCheckoutBuilder().validate(payload)
    assert out["risk_assessment"]["travel_data"]["trip_type"] == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("business", "Business"), ("First", "First"), ("premium economy", "Premium")]
)
def test_travel_class_spellings_are_mended(value: str, expected: str) -> None:
    payload = put(travel_sample(), "risk_assessment.travel_data.class", value)
    assert TravelCheckoutBuilder().validate(payload)["risk_assessment"]["travel_data"]["class"] == expected


def test_ecommerce_customer_gender_is_an_enumeration() -> None:
    payload = put(ecommerce_sample(), "risk_assessment.customer_gender", "Other")
    errors = refused("ecommerce", payload)
    assert list(errors) == ["risk_assessment.customer_gender"]


# Amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vertical", BUILDERS)
def test_a_total_that_does_not_add_up_is_refused(vertical: str) -> None:
    payload = BUILDERS[vertical][0]()
    given = payload["total_amount"]["amount"]
    payload["total_amount"]["amount"] = round(given + 0.01, 2)
    errors = refused(vertical, payload)
    assert list(errors) == ["total_amount"]
    assert f"Expected {given:.2f} SAR" in errors["total_amount"][0]
    assert f"got {given + 0.01:.2f} SAR" in errors["total_amount"][0]


@pytest.mark.parametrize("vertical", BUILDERS)
@pytest.mark.parametrize("path", ["items[0].total_amount", "shipping_amount", "tax_amount", "items[0].tax_amount"])
def test_mixed_currencies_are_refused_at_the_offending_money(vertical: str, path: str) -> None:
    payload = put(BUILDERS[vertical][0](), f"{path}.currency", "AED")
    errors = refused(vertical, payload)
    assert list(errors) == [f"{path}.currency"]
    assert "AED differs from the order's currency SAR" in errors[f"{path}.currency"][0]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_mixed_currency_in_a_second_item_names_that_item(vertical: str) -> None:
    payload = BUILDERS[vertical][0]()
    second = copy.deepcopy(payload["items"][0])
    second["total_amount"] = {"amount": 0, "currency": "AED"}
    second.pop("tax_amount")
    payload["items"].append(second)
    assert list(refused(vertical, payload)) == ["items[1].total_amount.currency"]


def kwd(payload: dict[str, Any]) -> dict[str, Any]:
    """The same payload in Kuwaiti dinars (3 decimals), in Kuwait."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("currency") == "SAR":
                node["currency"] = "KWD"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    payload["country_code"] = "KW"
    return payload


@pytest.mark.parametrize("vertical", BUILDERS)
def test_the_sample_in_kwd_is_accepted(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    out = builder_class().validate(kwd(sample()))
    assert out["total_amount"]["currency"] == "KWD"


@pytest.mark.parametrize("vertical", BUILDERS)
@pytest.mark.parametrize("path", ["total_amount", "items[0].total_amount", "shipping_amount"])
def test_a_kwd_amount_with_four_decimals_is_refused(vertical: str, path: str) -> None:
    payload = kwd(BUILDERS[vertical][0]())
    put(payload, f"{path}.amount", 1.2345)
    errors = refused(vertical, payload)
    assert list(errors) == [f"{path}.amount"]
    assert "more than 3 decimal places allowed for KWD" in errors[f"{path}.amount"][0]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_a_sar_amount_with_three_decimals_is_refused(vertical: str) -> None:
    payload = put(BUILDERS[vertical][0](), "shipping_amount.amount", 1.001)
    assert list(refused(vertical, payload)) == ["shipping_amount.amount"]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_currency_and_country_must_pair(vertical: str) -> None:
    payload = put(BUILDERS[vertical][0](), "country_code", "AE")
    errors = refused(vertical, payload)
    assert errors == {"country_code": ["SAR is accepted in SA only, not in AE."]}


@pytest.mark.parametrize("vertical", BUILDERS)
def test_an_unknown_currency_is_refused(vertical: str) -> None:
    payload = put(BUILDERS[vertical][0](), "total_amount.currency", "USD")
    assert list(refused(vertical, payload)) == ["total_amount.currency"]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_negative_amounts_and_discounts_are_refused(vertical: str) -> None:
    payload = BUILDERS[vertical][0]()
    payload["discount"] = {"name": "SAVE", "amount": {"amount": -5, "currency": "SAR"}}
    assert list(refused(vertical, payload)) == ["discount.amount.amount"]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_a_discount_counts_in_the_total(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    payload = sample()
    payload["discount"] = {"name": "SAVE5", "amount": {"amount": 5, "currency": "SAR"}}
    assert list(refused(vertical, payload)) == ["total_amount"]
    payload["total_amount"]["amount"] = round(payload["total_amount"]["amount"] - 5, 2)
    assert builder_class().validate(payload)["discount"]["amount"]["amount"] == 5


# Other rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("vertical", BUILDERS)
def test_instalments_only_with_pay_by_instalments(vertical: str) -> None:
    payload = BUILDERS[vertical][0]()
    payload.update(payment_type="PAY_NOW", instalments=3)
    assert list(refused(vertical, payload)) == ["instalments"]


@pytest.mark.parametrize("vertical", BUILDERS)
def test_unknown_keys_are_refused_but_unknown_risk_keys_are_kept(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    payload = sample()
    payload["shiping_amount"] = {"amount": 1, "currency": "SAR"}
    payload["items"][0]["colour"] = "red"
    errors = refused(vertical, payload)
    assert set(errors) == {"shiping_amount", "items[0].colour"}
    payload = sample()
    payload["risk_assessment"]["loyalty_tier"] = "gold"
    assert builder_class().validate(payload)["risk_assessment"]["loyalty_tier"] == "gold"


@pytest.mark.parametrize("vertical", BUILDERS)
def test_both_expiry_spellings_must_agree(vertical: str) -> None:
    sample, builder_class = BUILDERS[vertical]
    payload = sample()
    payload.update(expire_in_minutes=30, expires_in_minutes=30)
    assert builder_class().validate(payload)["expires_in_minutes"] == 30
    payload.update(expire_in_minutes=30, expires_in_minutes=60)
    assert list(refused(vertical, payload)) == ["expire_in_minutes"]


def test_every_failing_field_is_reported_at_once() -> None:
    payload = travel_sample()
    put(payload, "items[0].sku", "s" * 129)
    put(payload, "risk_assessment.travel_data.travel_date", "2024/08/24")
    put(payload, "risk_assessment.travel_data.trip_type", "Circular")
    delete(payload, "consumer.first_name")
    errors = refused("travel", payload)
    assert set(errors) == {
        "items[0].sku",
        "risk_assessment.travel_data.travel_date",
        "risk_assessment.travel_data.trip_type",
        "consumer.first_name",
    }


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PayloadInvalid) as info:
        CheckoutBuilder().validate(["not", "a", "dict"])  # type: ignore[arg-type]  # the wrong type is the test
    assert list(info.value.errors) == ["non_field_errors"]
