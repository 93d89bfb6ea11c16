"""The reusable fields and the error flattening, one behaviour at a time (plus properties)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from django_tamara.builders.fields import (
    ISO_3166_ALPHA2,
    CountryCodeField,
    DdMmYyyyDateField,
    HttpUrlField,
    IataCodeField,
    IdField,
    LenientBooleanField,
    LocaleField,
    MoneyField,
    NumberField,
    PhoneNumberField,
    StrictIntegerField,
)
from django_tamara.builders.serializers import flatten_errors
from django_tamara.money import CURRENCY_COUNTRIES, CURRENCY_EXPONENTS, Money


def run(field: serializers.Field, value: Any) -> Any:
    return field.run_validation(value)


def refuses(field: serializers.Field, value: Any) -> Any:
    with pytest.raises(serializers.ValidationError) as info:
        field.run_validation(value)
    return info.value.detail


# MoneyField ---------------------------------------------------------------------------------


def test_money_field_reads_objects_and_mappings() -> None:
    field = MoneyField()
    assert run(field, {"amount": 7.35, "currency": "SAR"}) == Money("7.35", "SAR")
    assert run(field, {"amount": "1.005", "currency": "kwd"}) == Money("1.005", "KWD")
    assert run(field, Money("2", "AED")) == Money("2", "AED")
    assert field.to_representation(Money("7.35", "SAR")) == {"amount": 7.35, "currency": "SAR"}


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"amount": 1.2345, "currency": "KWD"}, "amount"),
        ({"amount": 1.001, "currency": "SAR"}, "amount"),
        ({"amount": "abc", "currency": "SAR"}, "amount"),
        ({"amount": True, "currency": "SAR"}, "amount"),
        ({"amount": -1, "currency": "SAR"}, "amount"),
        ({"amount": 1, "currency": "USD"}, "currency"),
        ({"amount": 1, "currency": 682}, "currency"),
        ({"currency": "SAR"}, "amount"),
        ({"amount": 1}, "currency"),
    ],
)
def test_money_field_names_the_failing_part(value: Any, path: str) -> None:
    assert path in refuses(MoneyField(), value)


def test_money_field_refuses_a_bare_number() -> None:
    assert refuses(MoneyField(), 12) == ["Expected an object with amount and currency."]


@given(
    currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
    units=st.integers(min_value=0, max_value=10**9),
    extra=st.integers(min_value=1, max_value=9),
)
def test_more_places_than_the_currency_has_are_always_refused(currency: str, units: int, extra: int) -> None:
    places = CURRENCY_EXPONENTS[currency]
    amount = Decimal(units).scaleb(-places) + Decimal(extra).scaleb(-places - 1)
    assert "amount" in refuses(MoneyField(), {"amount": str(amount), "currency": currency})


@given(currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)), units=st.integers(min_value=0, max_value=10**11))
def test_money_round_trips_through_json_exactly(currency: str, units: int) -> None:
    money = Money(Decimal(units).scaleb(-CURRENCY_EXPONENTS[currency]), currency)
    field = MoneyField()
    assert run(field, field.to_representation(money)) == money


# Dates ------------------------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_dates_round_trip_as_dd_mm_yyyy(day: dt.date) -> None:
    field = DdMmYyyyDateField()
    text = field.to_representation(day)
    assert text == f"{day.day:02d}-{day.month:02d}-{day.year:04d}"
    assert run(field, text) == day
    assert run(field, day.isoformat()) == day  # ISO is mended
    assert run(field, dt.datetime.combine(day, dt.time(12))) == day


@pytest.mark.parametrize("value", ["2019/01/31", "31-02-2019", "1-1-2019", "31-01-19", 20190131, None, [], "yesterday"])
def test_dates_that_cannot_be_mended(value: Any) -> None:
    refuses(DdMmYyyyDateField(), value)


# Booleans, integers, ids ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        ("TRUE", True),
        (1, True),
        ("1", True),
        (False, False),
        ("false", False),
        (0, False),
        ("0", False),
    ],
)
def test_lenient_boolean(value: Any, expected: bool) -> None:
    assert run(LenientBooleanField(), value) is expected


@pytest.mark.parametrize("value", ["yes", "on", "t", 2, 1.0, "", None, [], {}])
def test_lenient_boolean_refuses_what_a_json_author_would_not_mean(value: Any) -> None:
    refuses(LenientBooleanField(), value)


@pytest.mark.parametrize(("value", "expected"), [(12, 12), ("12", 12), (12.0, 12), (Decimal("3"), 3)])
def test_strict_integer_mends_exact_numbers(value: Any, expected: int) -> None:
    assert run(StrictIntegerField(), value) == expected


@pytest.mark.parametrize("value", [True, False, 12.5, "12.5", "twelve"])
def test_strict_integer_refuses_flags_and_fractions(value: Any) -> None:
    refuses(StrictIntegerField(), value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (61817, "61817"),
        ("61817", "61817"),
        (Decimal("7"), "7"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_ids_are_sent_as_strings(value: Any, expected: str) -> None:
    assert run(IdField(), value) == expected


@pytest.mark.parametrize("value", [61817.0, True, None, ""])
def test_ids_that_are_not_ids(value: Any) -> None:
    refuses(IdField(), value)


# Codes, locale, phone, URL --------------------------------------------------------------------


def test_country_codes_are_iso_alpha2_upper_case() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert set(CURRENCY_COUNTRIES.values()) | {"QA", "US", "GB", "EG"} <= ISO_3166_ALPHA2
    assert run(CountryCodeField(), "sa") == "SA"
    for bad in ("XX", "SAU", "S", "", 966):
        refuses(CountryCodeField(), bad)


def test_iata_codes() -> None:
    assert run(IataCodeField(), "ruh") == "RUH"
    for bad in ("RU", "RUHX", "R2H", ""):
        refuses(IataCodeField(), bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ar_SA", "ar_SA"), ("en_US", "en_US"), ("ar", "ar_SA"), ("en", "en_US"), ("en-us", "en_US"), ("AR-sa", "ar_SA")],
)
def test_locales(value: str, expected: str) -> None:
    assert run(LocaleField(), value) == expected


@pytest.mark.parametrize("value", ["fr_FR", "ar_AE", "english", ""])
def test_locales_tamara_does_not_have(value: str) -> None:
    refuses(LocaleField(), value)


@pytest.mark.parametrize("value", ["502223333", "+966502223333", "966 50 222 3333", "050-222-3333", 502223333])
def test_phone_numbers_are_not_reformatted(value: Any) -> None:
    assert run(PhoneNumberField(), value) == str(value)


@pytest.mark.parametrize("value", ["call me", "++966", "5" * 33, True, 5.0])
def test_phone_numbers_refused(value: Any) -> None:
    refuses(PhoneNumberField(), value)


@pytest.mark.parametrize(
    "value",
    [
        "http://testserver/tamara/success/",
        "https://shop.example/#/cancel",
        "http://127.0.0.1:8000/x?y=1",
        "http://localhost/x",
    ],
)
def test_urls_with_any_host(value: str) -> None:
    """Unlike Django's URLValidator, single-label hosts pass: request.build_absolute_uri in tests gives them."""
    assert run(HttpUrlField(), value) == value


@pytest.mark.parametrize(
    "value",
    [
        "/tamara/success/",
        "shop.example/x",
        "ftp://shop.example/x",
        "http:///x",
        "https://shop.example/a b",
        "javascript:alert(1)",
    ],
)
def test_urls_refused(value: str) -> None:
    refuses(HttpUrlField(), value)


def test_number_field_keeps_integers_integral() -> None:
    field = NumberField()
    assert field.to_representation(run(field, "1500")) == 1500
    assert field.to_representation(run(field, 99.5)) == 99.5
    refuses(field, "lots")


# flatten_errors -----------------------------------------------------------------------------


def test_flatten_errors_builds_full_paths() -> None:
    detail = {
        "items": {0: {"sku": ["too long"]}, 2: {"total_amount": {"currency": ["AED"]}}},
        "risk_assessment": {"travel_data": {"travel_date": ["bad"], "non_field_errors": ["whole object"]}},
        "shipping_address": {"non_field_errors": ["not an object"]},
        "non_field_errors": ["root"],
        "total_amount": ["does not add up"],
    }
    assert flatten_errors(detail) == {
        "items[0].sku": ["too long"],
        "items[2].total_amount.currency": ["AED"],
        "risk_assessment.travel_data.travel_date": ["bad"],
        "risk_assessment.travel_data": ["whole object"],
        "shipping_address": ["not an object"],
        "non_field_errors": ["root"],
        "total_amount": ["does not add up"],
    }


def test_flatten_errors_reads_drfs_list_style_too() -> None:
    assert flatten_errors({"items": [{}, {"name": ["required"]}]}) == {"items[1].name": ["required"]}


@given(st.lists(st.sampled_from(["a", "b", "c", 0, 1, 7]), min_size=1, max_size=5), st.text(min_size=1, max_size=10))
def test_flatten_errors_puts_every_message_at_its_path(steps: list[Any], message: str) -> None:
    detail: Any = [message]
    for step in reversed(steps):
        detail = {step: detail}
    path = ""
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else step)
    assert flatten_errors(detail) == {path: [message]}
