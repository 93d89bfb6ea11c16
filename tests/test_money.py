import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_tamara.money import (
    CURRENCY_EXPONENTS,
    CurrencyMismatch,
    InvalidAmount,
    Money,
    UnknownCurrency,
)


@pytest.mark.parametrize(
    "raw, expected",
    [(7.35, "7.35"), (50, "50.00"), (50.0, "50.00"), ("50.00", "50.00"), (Decimal("0.1"), "0.10"), (0.1 + 0.2, "0.30")],
)
def test_parses_api_numbers_without_float_error(raw, expected):
    money = Money.from_api({"amount": raw, "currency": "SAR"})
    assert money.amount == Decimal(expected)
    assert str(money.amount) == expected


def test_seven_thirty_five_is_exact():
    assert Money.from_api({"amount": 7.35, "currency": "SAR"}).amount == Decimal("7.35")
    assert (
        Money.from_api(json.loads('{"amount": 7.35, "currency": "SAR"}')).amount.as_tuple()
        == Decimal("7.35").as_tuple()
    )


def test_three_decimal_currencies_keep_three_places():
    assert Money("1.005", "KWD").amount == Decimal("1.005")
    assert Money("1.005", "BHD").amount == Decimal("1.005")
    assert Money("1.005", "OMR").amount == Decimal("1.005")
    assert Money("1.005", "SAR").amount == Decimal("1.01")  # half-up, not banker's
    assert Money("2.675", "AED").amount == Decimal("2.68")


@pytest.mark.parametrize("amount", ["1e400", "NaN", "nan", "Infinity", "-inf", "abc", "", None, True, [1], {}])
def test_refuses_non_numbers(amount):
    with pytest.raises(InvalidAmount) as info:
        Money.from_api({"amount": amount, "currency": "SAR"})
    assert "amount" in str(info.value)


def test_refuses_nan_float_and_huge_float():
    with pytest.raises(InvalidAmount, match="finite"):
        Money(float("nan"), "SAR")
    with pytest.raises(InvalidAmount, match="too large"):
        Money(1e300, "SAR")


def test_unknown_currency_names_it():
    with pytest.raises(UnknownCurrency, match="XYZ"):
        Money.from_api({"amount": 1, "currency": "XYZ"})
    with pytest.raises(UnknownCurrency):
        Money(1, None)


def test_missing_keys_are_named():
    with pytest.raises(InvalidAmount, match="currency"):
        Money.from_api({"amount": 1})
    with pytest.raises(InvalidAmount, match="amount"):
        Money.from_api({"currency": "SAR"})
    with pytest.raises(InvalidAmount):
        Money.from_api("12 SAR")


def test_strict_parse_refuses_extra_decimals():
    with pytest.raises(InvalidAmount, match="3 decimal places"):
        Money.parse("1.0005", "KWD", strict=True)
    assert Money.parse("1.0050", "KWD", strict=True).amount == Decimal("1.005")


def test_mixed_currency_arithmetic_is_refused():
    with pytest.raises(CurrencyMismatch, match="SAR.*AED"):
        Money(1, "SAR") + Money(1, "AED")
    with pytest.raises(CurrencyMismatch):
        assert Money(1, "SAR") < Money(1, "KWD")
    with pytest.raises(TypeError):
        Money(1, "SAR") + 1
    with pytest.raises(TypeError):
        Money(1, "SAR") * 1.5


def test_arithmetic_and_sum():
    items = [Money("41.65", "SAR"), Money("7.35", "SAR"), Money(1, "SAR")]
    assert sum(items) == Money(50, "SAR")
    assert Money(10, "KWD") - Money("0.001", "KWD") == Money("9.999", "KWD")
    assert Money("0.335", "SAR") * 3 == Money("1.02", "SAR")
    assert -Money(1, "SAR") == Money(-1, "SAR")
    assert not Money.zero("SAR") and Money.zero("SAR").is_zero()


def test_to_api_is_a_json_number_that_reads_back_exactly():
    for money in [Money("7.35", "SAR"), Money("1.005", "KWD"), Money("123456789012.345", "BHD")]:
        text = json.dumps(money.to_api())
        assert '"amount": "' not in text  # a number, not a string
        assert Money.from_api(json.loads(text)) == money
        assert Money.from_api(json.loads(text, parse_float=Decimal)) == money


def test_money_is_immutable_and_hashable():
    money = Money(1, "SAR")
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)
    assert {money, Money("1.00", "SAR")} == {money}
    assert repr(money) == "Money('1.00', 'SAR')"


currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.decimals(
    min_value=Decimal("-999999999.999"), max_value=Decimal("999999999.999"), places=3, allow_nan=False
)


@given(amounts, currencies)
def test_quantised_to_currency_exponent(amount, currency):
    money = Money(amount, currency)
    assert money.amount.as_tuple().exponent == -CURRENCY_EXPONENTS[currency]
    assert abs(money.amount - amount) <= Decimal("0.005")


@given(amounts, currencies)
def test_json_round_trip_is_exact(amount, currency):
    money = Money(amount, currency)
    assert Money.from_api(json.loads(json.dumps(money.to_api()))) == money


@given(amounts, amounts, currencies)
def test_addition_is_exact_and_commutative(a, b, currency):
    x, y = Money(a, currency), Money(b, currency)
    assert x + y == y + x
    assert (x + y).amount == x.amount + y.amount
    assert (x + y) - y == x


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9), currencies)
def test_floats_read_as_their_shortest_repr(value, currency):
    assert Money(value, currency) == Money(repr(value), currency)


@given(st.one_of(st.text(), st.floats(), st.booleans(), st.none(), st.lists(st.integers())), currencies)
def test_anything_is_money_or_a_money_error(value, currency):
    try:
        Money(value, currency)
    except InvalidAmount:
        pass
