"""Whether Tamara is offered: currency and country, excluded items, the fetched limits (cached).

``RecordingTamara`` answers the two calls availability makes, the way the client does, and
counts them, so the tests can say how often Tamara would be asked. Against the simulator the
same checks run in test_checkout_session.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from django_tamara.builders import (
    Availability,
    CheckoutBuilder,
    is_available,
    payment_limits,
)
from django_tamara.builders import availability as availability_module
from django_tamara.client import PaymentOptions
from django_tamara.exceptions import TamaraConnectionError
from django_tamara.money import Money

from .test_builders import BookShopBuilder, book_order


class RecordingTamara:
    """Payment types as ``GET /checkout/payment-types`` answers (amounts as Decimal)."""

    def __init__(self, types: list[dict[str, Any]] | None = None, *, fail: bool = False, approve: bool = True) -> None:
        self.types = (
            types
            if types is not None
            else [
                {
                    "name": "PAY_BY_INSTALMENTS",
                    "min_limit": {"amount": Decimal("10"), "currency": "SAR"},
                    "max_limit": {"amount": Decimal("5000"), "currency": "SAR"},
                    "supported_instalments": [],
                },
                {
                    "name": "PAY_NOW",
                    "min_limit": {"amount": Decimal("1"), "currency": "SAR"},
                    "max_limit": {"amount": Decimal("8000"), "currency": "SAR"},
                    "supported_instalments": [],
                },
            ]
        )
        self.fail, self.approve = fail, approve
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def payment_types(self, country: str, currency: str | None = None) -> list[dict[str, Any]]:
        self.calls.append(("payment_types", (country, currency)))
        if self.fail:
            raise TamaraConnectionError("connection refused")
        return self.types

    def payment_options_pre_check(
        self, country: str, order_value: Money, *, phone_number: str | None = None, is_vip: bool | None = None
    ) -> PaymentOptions:
        self.calls.append(("pre_check", (country, order_value, phone_number)))
        return PaymentOptions(
            has_available_payment_options=self.approve,
            single_checkout_enabled=True,
            available_payment_labels=[],
            raw={},
        )


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_within_the_limits_is_available() -> None:
    tamara = RecordingTamara()
    answer = is_available(Money("100", "SAR"), "SA", client=tamara)
    assert answer == Availability(True) and bool(answer)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("0.50", "outside Tamara's limits (1.00 SAR to 8000.00 SAR)"), ("8000.01", "outside Tamara's limits")],
)
def test_outside_every_type_is_not(amount: str, reason: str) -> None:
    answer = is_available(Money(amount, "SAR"), "SA", client=RecordingTamara())
    assert not answer and reason in answer.reason


def test_any_payment_type_covering_the_amount_will_do() -> None:
    assert is_available(Money("6000", "SAR"), "SA", client=RecordingTamara())  # PAY_NOW only


def test_currency_and_country_must_pair_and_tamara_is_not_asked() -> None:
    tamara = RecordingTamara()
    answer = is_available(Money("100", "SAR"), "AE", client=tamara)
    assert not answer and "SAR is not accepted in AE" in answer.reason
    assert tamara.calls == []


def test_limits_are_cached_per_country_and_currency() -> None:
    tamara = RecordingTamara()
    for amount in ("100", "200", "300"):
        assert is_available(Money(amount, "SAR"), "SA", client=tamara)
    assert tamara.calls == [("payment_types", ("SA", "SAR"))]
    is_available(Money("30", "KWD"), "KW", client=tamara)
    assert tamara.calls[-1] == ("payment_types", ("KW", "KWD"))


def test_limits_expire_after_five_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert availability_module.LIMITS_TTL == 300
    seen: dict[str, Any] = {}
    real_set = cache.set

    def spy(key: str, value: Any, timeout: Any = None, **kwargs: Any) -> None:
        seen["timeout"] = timeout
        real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    payment_limits("SA", "SAR", client=RecordingTamara())
    assert seen["timeout"] == 300


def test_limits_come_from_tamara_not_from_code() -> None:
    tamara = RecordingTamara(
        types=[
            {
                "name": "PAY_BY_INSTALMENTS",
                "min_limit": {"amount": Decimal("500"), "currency": "SAR"},
                "max_limit": {"amount": Decimal("600"), "currency": "SAR"},
            }
        ]
    )
    assert not is_available(Money("100", "SAR"), "SA", client=tamara)
    assert is_available(Money("550", "SAR"), "SA", client=tamara)
    limits = payment_limits("SA", "SAR", client=tamara)
    assert [(limit.name, limit.min_limit, limit.max_limit) for limit in limits] == [
        ("PAY_BY_INSTALMENTS", Money("500", "SAR"), Money("600", "SAR"))
    ]


def test_no_payment_type_means_unavailable() -> None:
    answer = is_available(Money("100", "SAR"), "SA", client=RecordingTamara(types=[]))
    assert not answer and "no payment type" in answer.reason


def test_a_failing_tamara_hides_it_for_a_minute_without_asking_again() -> None:
    tamara = RecordingTamara(fail=True)
    first = is_available(Money("100", "SAR"), "SA", client=tamara)
    second = is_available(Money("100", "SAR"), "SA", client=tamara)
    assert not first and not second and "could not be fetched" in first.reason
    assert len(tamara.calls) == 1


def test_the_pre_check_asks_about_this_customer() -> None:
    yes, no = RecordingTamara(approve=True), RecordingTamara(approve=False)
    assert is_available(Money("100", "SAR"), "SA", phone_number="502223333", client=yes)
    cache.clear()
    answer = is_available(Money("100", "SAR"), "SA", phone_number="526422337", client=no)
    assert not answer and "no payment option for this customer" in answer.reason
    assert no.calls[-1] == ("pre_check", ("SA", Money("100", "SAR"), "526422337"))


# On the builder ------------------------------------------------------------------------------


class ExcludingBuilder(BookShopBuilder):
    excluded_categories = ("gift-cards",)
    excluded_skus = ("BOOK-666",)


def test_the_builder_answers_for_an_order() -> None:
    tamara = RecordingTamara()
    assert ExcludingBuilder().is_available(book_order(), client=tamara)
    assert tamara.calls == [("payment_types", ("SA", "SAR"))]


def test_an_excluded_category_or_sku_hides_tamara_before_asking() -> None:
    tamara = RecordingTamara()
    order = book_order()
    order.lines[1].product.category = "gift-cards"
    answer = ExcludingBuilder().is_available(order, client=tamara)
    assert not answer and "item" in answer.reason and tamara.calls == []
    order = book_order()
    order.lines[0].product.sku = "BOOK-666"
    assert not ExcludingBuilder().is_available(order, client=tamara)


def test_is_item_excluded_is_a_hook() -> None:
    class HeavyItemsExcluded(BookShopBuilder):
        def is_item_excluded(self, item: Any) -> bool:
            return item["quantity"] > 1

    assert not HeavyItemsExcluded().is_available(book_order(), client=RecordingTamara())


def test_the_builder_checks_the_orders_amount() -> None:
    order = book_order()
    order.lines[0].product.price = Decimal("4000")  # 2 × 4000 + 19.99 + 15 > 8000
    answer = BookShopBuilder().is_available(order, client=RecordingTamara())
    assert not answer and "8034.99 SAR is outside" in answer.reason


def test_the_builder_uses_the_shops_total_when_given() -> None:
    class Totalled(BookShopBuilder):
        def get_total_amount(self, order: Any) -> Decimal:
            return Decimal("0.50")

    assert not Totalled().is_available(book_order(), client=RecordingTamara())


def test_availability_needs_no_request_or_urls() -> None:
    """A checkout page asks before any merchant URL exists; the default builder has no request."""

    class Plain(CheckoutBuilder):
        def get_items(self, order: Any) -> list[dict[str, Any]]:
            return [{"sku": "X", "unit_price": Decimal("20"), "quantity": 1}]

    assert Plain().is_available(object(), client=RecordingTamara())
