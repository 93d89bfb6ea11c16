"""Shop-like builders per vertical, reading plain Python objects (no Django models needed).

The "shop" below is what a real one looks like from a builder's side: its own dataclasses,
``Decimal`` prices, ``date`` fields, a customer object whose phone attribute is not called
``phone_number``. Each vertical's builder implements a few hooks and gets a valid payload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_tamara.amounts import expected_total
from django_tamara.builders import (
    CheckoutBuilder,
    CheckoutSerializer,
    MarketplaceCheckoutBuilder,
    MarketplaceCheckoutSerializer,
    TelecomCheckoutBuilder,
    TravelCheckoutBuilder,
)
from django_tamara.exceptions import PayloadInvalid
from django_tamara.money import CURRENCY_EXPONENTS, Money

#: A URLconf without django_tamara.urls (used as ROOT_URLCONF by one test).
urlpatterns: list[Any] = []

URLS = {
    "success": "https://shop.example/tamara/success/",
    "failure": "https://shop.example/tamara/failure/",
    "cancel": "https://shop.example/tamara/cancel/",
}


# The shop ------------------------------------------------------------------------------------


@dataclass
class Product:
    sku: str
    name: str
    price: Decimal
    kind: str = "Physical"
    category: str = "books"


@dataclass
class Line:
    product: Product
    quantity: int = 1
    vat: Decimal = Decimal("0")


@dataclass
class Customer:
    first_name: str
    last_name: str
    mobile: str
    email: str
    joined: dt.date
    completed_orders: int
    vip: bool


@dataclass
class Address:
    line1: str
    city: str
    region: str
    country_code: str = "SA"
    postal_code: str | None = None


@dataclass
class Vendor:
    id: int
    category: str
    name: str
    tier: str
    joining_date: dt.date


@dataclass
class Flight:
    origin: str
    destination: str
    travel_type: str
    trip_type: str | None
    travel_class: str
    number_of_passengers: int
    travel_date: dt.date
    is_refundable_booking: bool


@dataclass
class ShopOrder:
    id: int
    customer: Customer
    lines: list[Line]
    address: Address | None = None
    shipping: Decimal = Decimal("0")
    coupon: tuple[str, Decimal] | None = None
    currency: str = "SAR"
    vendor: Vendor | None = None
    flight: Flight | None = None
    channel: str | None = None
    store: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


MONA = Customer("Mona", "Lisa", "+966502223333", "mona@example.com", dt.date(2019, 1, 31), 12, True)


def book_order(**kwargs: Any) -> ShopOrder:
    lines = [
        Line(Product("BOOK-1", "Cookbook", Decimal("50.00")), quantity=2),
        Line(Product("BOOK-2", "Atlas", Decimal("19.99"))),
    ]
    kwargs.setdefault("address", Address("3764 Al Urubah Rd", "Riyadh", "As Sulimaniyah", postal_code="12345"))
    return ShopOrder(id=1001, customer=MONA, lines=lines, shipping=Decimal("15"), **kwargs)


class ShopMixin:
    """The hooks every vertical of this shop shares."""

    def get_items(self, order: ShopOrder) -> list[dict[str, Any]]:
        return [
            {
                "reference_id": line.product.sku,
                "type": line.product.kind,
                "name": line.product.name,
                "sku": line.product.sku,
                "quantity": line.quantity,
                "unit_price": line.product.price,
                "tax_amount": line.vat if line.vat else None,
                "category": line.product.category,  # the shop's own key: not sent
            }
            for line in order.lines
        ]

    def get_consumer(self, order: ShopOrder) -> dict[str, Any]:
        c = order.customer
        return {"first_name": c.first_name, "last_name": c.last_name, "phone_number": c.mobile, "email": c.email}

    def get_shipping_address(self, order: ShopOrder) -> Address | None:
        return order.address

    def get_shipping_amount(self, order: ShopOrder) -> Decimal:
        return order.shipping

    def get_discount(self, order: ShopOrder) -> dict[str, Any] | None:
        return {"name": order.coupon[0], "amount": order.coupon[1]} if order.coupon else None

    def get_currency(self, order: ShopOrder) -> str:
        return order.currency

    def get_risk_assessment(self, order: ShopOrder) -> dict[str, Any]:
        c = order.customer
        return {
            "is_premium_customer": c.vip,
            "account_creation_date": c.joined,
            "total_order_count": c.completed_orders,
            "risk_score": 5,
            **order.extra,
        }

    def get_merchant_urls(self, order: ShopOrder) -> dict[str, str]:
        return URLS


class BookShopBuilder(ShopMixin, CheckoutBuilder):
    pass


class MarketplaceShopBuilder(ShopMixin, MarketplaceCheckoutBuilder):
    def get_sub_merchant(self, order: ShopOrder) -> Vendor | None:
        return order.vendor


class TelecomShopBuilder(ShopMixin, TelecomCheckoutBuilder):
    def get_sales_channel(self, order: ShopOrder) -> str | None:
        return order.channel

    def get_store_id(self, order: ShopOrder) -> str | None:
        return order.store


class TravelShopBuilder(ShopMixin, TravelCheckoutBuilder):
    def get_travel_data(self, order: ShopOrder) -> Flight | None:
        return order.flight


VENDOR = Vendor(61817, "Professional Services", "DUMMY LLC", "p1", dt.date(2025, 3, 19))
FLIGHT = Flight("RUH", "JED", "Domestic", "Return", "Economy", 3, dt.date(2026, 8, 24), True)


def telecom_order(**kwargs: Any) -> ShopOrder:
    lines = [Line(Product("WIFI-12", "wifi_12_months", Decimal("41.65"), kind="home_internet"), vat=Decimal("7.35"))]
    return ShopOrder(
        id=2002, customer=MONA, lines=lines, shipping=Decimal("1"), channel="call_center", store="xyz", **kwargs
    )


def travel_order() -> ShopOrder:
    lines = [Line(Product("SA-12436", "RUH - JED Return Ticket", Decimal("304.04"), kind="Digital"))]
    return ShopOrder(id=3003, customer=MONA, lines=lines, shipping=Decimal("1"), flight=FLIGHT)


# E-commerce ------------------------------------------------------------------------------------


def test_the_default_builder_builds_a_valid_payload_from_plain_objects() -> None:
    out = BookShopBuilder().build(book_order())
    assert out["total_amount"] == {"amount": 134.99, "currency": "SAR"}  # 2×50 + 19.99 + 15
    assert out["shipping_amount"] == {"amount": 15.0, "currency": "SAR"}
    assert out["tax_amount"] == {"amount": 0.0, "currency": "SAR"}
    assert out["order_reference_id"] == "1001" and out["order_number"] == "1001"
    assert [i["total_amount"]["amount"] for i in out["items"]] == [100.0, 19.99]
    assert "category" not in out["items"][0]
    assert out["consumer"]["phone_number"] == "+966502223333"
    # The shipping address takes names and phone from the consumer.
    assert out["shipping_address"] == {
        "first_name": "Mona",
        "last_name": "Lisa",
        "line1": "3764 Al Urubah Rd",
        "line2": "",
        "region": "As Sulimaniyah",
        "postal_code": "12345",
        "city": "Riyadh",
        "country_code": "SA",
        "phone_number": "+966502223333",
    }
    assert out["risk_assessment"]["account_creation_date"] == "31-01-2019"
    assert out["merchant_url"] == URLS


def test_defaults_come_from_settings() -> None:
    out = BookShopBuilder().build(book_order())
    assert (out["country_code"], out["locale"], out["platform"]) == ("SA", "en_US", "django-tamara")
    assert (out["payment_type"], out["expires_in_minutes"], out["is_mobile"]) == ("PAY_BY_INSTALMENTS", 30, False)
    assert "instalments" not in out  # INSTALMENTS is None: single checkout, the customer picks
    assert out["description"] == "Order 1001"


def test_settings_changes_are_seen(settings: Any) -> None:
    settings.TAMARA = {
        **settings.TAMARA,
        "LOCALE": "ar_SA",
        "PLATFORM": "Book shop 2.1",
        "INSTALMENTS": 4,
        "CHECKOUT_EXPIRY_MINUTES": 15,
    }
    out = BookShopBuilder().build(book_order())
    assert (out["locale"], out["platform"], out["instalments"], out["expires_in_minutes"]) == (
        "ar_SA",
        "Book shop 2.1",
        4,
        15,
    )


def test_class_attributes_override_settings() -> None:
    class PayNowBuilder(BookShopBuilder):
        payment_type = "PAY_NOW"
        instalments = 3  # ignored: only PAY_BY_INSTALMENTS carries instalments
        locale = "ar"
        expires_in_minutes = 60

    out = PayNowBuilder().build(book_order())
    assert (out["payment_type"], out["locale"], out["expires_in_minutes"]) == ("PAY_NOW", "ar_SA", 60)
    assert "instalments" not in out


def test_order_number_and_reference_hooks() -> None:
    class NumberedBuilder(BookShopBuilder):
        def get_order_reference_id(self, order: ShopOrder) -> str:
            return f"REF-{order.id}"

        def get_order_number(self, order: ShopOrder) -> int:
            return order.id

    out = NumberedBuilder().build(book_order())
    assert (out["order_reference_id"], out["order_number"]) == ("REF-1001", "1001")


def test_amounts_are_quantised_to_the_currency() -> None:
    order = book_order(currency="KWD")
    order.lines[0].product.price = Decimal("1.23456")
    out = BookShopBuilder().build(order)
    assert out["items"][0]["unit_price"] == {"amount": 1.235, "currency": "KWD"}
    assert out["items"][0]["total_amount"] == {"amount": 2.47, "currency": "KWD"}
    assert out["country_code"] == "KW"  # derived from the currency, not the SAR settings


def test_without_quantising_extra_places_are_refused_with_their_path() -> None:
    class StrictBuilder(BookShopBuilder):
        quantize_amounts = False

    order = book_order(currency="KWD")
    order.lines[1].product.price = Decimal("1.2345")
    with pytest.raises(PayloadInvalid) as info:
        StrictBuilder().build(order)
    assert list(info.value.errors) == ["items[1].unit_price.amount"]


def test_item_total_is_unit_price_times_quantity_minus_discount() -> None:
    class DiscountedLines(BookShopBuilder):
        def get_items(self, order: ShopOrder) -> list[dict[str, Any]]:
            items = super().get_items(order)
            items[0]["discount_amount"] = Money("10", "SAR")
            return items

    out = DiscountedLines().build(book_order())
    assert out["items"][0]["total_amount"]["amount"] == 90.0
    assert out["total_amount"]["amount"] == 124.99


def test_a_coupon_is_a_positive_discount() -> None:
    out = BookShopBuilder().build(book_order(coupon=("WELCOME10", Decimal("10"))))
    assert out["discount"] == {"name": "WELCOME10", "amount": {"amount": 10.0, "currency": "SAR"}}
    assert out["total_amount"]["amount"] == 124.99


def test_a_bare_or_zero_discount() -> None:
    class Bare(BookShopBuilder):
        def get_discount(self, order: ShopOrder) -> Any:
            return order.coupon[1] if order.coupon else None

    assert Bare().build(book_order(coupon=("X", Decimal("5"))))["discount"]["name"] == "Discount"
    assert "discount" not in Bare().build(book_order(coupon=("X", Decimal("0"))))


def test_item_taxes_count_instead_of_the_order_tax() -> None:
    order = book_order()
    order.lines[0].vat = Decimal("15")

    class Taxed(BookShopBuilder):
        def get_tax_amount(self, order: ShopOrder) -> Decimal:
            return Decimal("999")  # ignored by the total: the items carry their tax

    out = Taxed().build(order)
    assert out["total_amount"]["amount"] == 149.99
    assert out["total_amount"] == expected_total(out).to_api()


def test_a_shop_total_is_checked_against_the_parts() -> None:
    class WrongTotal(BookShopBuilder):
        def get_total_amount(self, order: ShopOrder) -> Decimal:
            return Decimal("135.00")

    with pytest.raises(PayloadInvalid) as info:
        WrongTotal().build(book_order())
    assert info.value.errors == {
        "total_amount": ["Expected 134.99 SAR (items + tax + shipping - discount), got 135.00 SAR."]
    }


def test_a_money_in_another_currency_is_refused_at_its_path() -> None:
    class Mixed(BookShopBuilder):
        def get_shipping_amount(self, order: ShopOrder) -> Money:
            return Money("15", "AED")

    with pytest.raises(PayloadInvalid) as info:
        Mixed().build(book_order())
    assert list(info.value.errors) == ["shipping_amount.currency"]


def test_digital_orders_need_no_shipping_address() -> None:
    order = book_order(address=None)
    with pytest.raises(PayloadInvalid) as info:
        BookShopBuilder().build(order)
    assert list(info.value.errors) == ["shipping_address"]
    for line in order.lines:
        line.product.kind = "digital"
    assert "shipping_address" not in BookShopBuilder().build(order)


def test_a_billing_address_is_sent_as_given() -> None:
    class WithBilling(BookShopBuilder):
        def get_billing_address(self, order: ShopOrder) -> dict[str, Any]:
            return {"city": "Jeddah", "country_code": "sa", "line2": None}

    assert WithBilling().build(book_order())["billing_address"] == {"city": "Jeddah", "country_code": "SA"}


def test_a_consumer_object_and_a_callable_attribute() -> None:
    class User:
        first_name, last_name, email = "Mona", "Lisa", "mona@example.com"

        def phone_number(self) -> str:
            return "502223333"

    class UserBuilder(BookShopBuilder):
        def get_consumer(self, order: ShopOrder) -> User:
            return User()

    assert UserBuilder().build(book_order())["consumer"]["phone_number"] == "502223333"


def test_a_missing_hook_says_which() -> None:
    class Incomplete(CheckoutBuilder):
        def get_merchant_urls(self, order: Any) -> dict[str, str]:
            return URLS

    with pytest.raises(NotImplementedError, match="get_items"):
        Incomplete().build(book_order())


def test_a_consumer_without_phone_is_refused() -> None:
    class NoPhone(BookShopBuilder):
        def get_consumer(self, order: ShopOrder) -> dict[str, Any]:
            return {"first_name": "Mona", "last_name": "Lisa"}

    with pytest.raises(PayloadInvalid) as info:
        NoPhone().build(book_order())
    assert "consumer.phone_number" in info.value.errors


def test_get_serializer_class_reads_the_class_attribute() -> None:
    assert BookShopBuilder().get_serializer_class() is CheckoutSerializer
    assert MarketplaceShopBuilder().get_serializer_class() is MarketplaceCheckoutSerializer
    serializer = MarketplaceShopBuilder().get_serializer(data={})
    assert not serializer.is_valid() and "risk_assessment" in serializer.errors


def test_validate_accepts_a_hand_built_payload_with_python_values() -> None:
    payload = BookShopBuilder().get_payload(book_order())  # Money, date and Decimal inside
    assert isinstance(payload["total_amount"], Money)
    assert BookShopBuilder().validate(payload) == BookShopBuilder().build(book_order())


# Merchant URLs ----------------------------------------------------------------------------------


class UrlBuilder(ShopMixin, CheckoutBuilder):
    get_merchant_urls = CheckoutBuilder.get_merchant_urls


def test_merchant_urls_from_the_request(rf: RequestFactory) -> None:
    request = rf.get("/checkout/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile/15E148")
    request.LANGUAGE_CODE = "ar"
    out = UrlBuilder(request).build(book_order())
    assert out["merchant_url"] == {
        "success": "http://testserver/tamara/success/",
        "failure": "http://testserver/tamara/failure/",
        "cancel": "http://testserver/tamara/cancel/",
        "notification": "http://testserver/tamara/webhooks/",
    }
    assert out["locale"] == "ar_SA" and out["is_mobile"] is True


def test_merchant_urls_from_a_base_url() -> None:
    out = UrlBuilder(base_url="https://shop.example").build(book_order())
    assert out["merchant_url"]["success"] == "https://shop.example/tamara/success/"


def test_merchant_urls_need_a_request_or_a_base_url() -> None:
    with pytest.raises(ImproperlyConfigured, match="base_url"):
        UrlBuilder().build(book_order())


@override_settings(ROOT_URLCONF=__name__)
def test_merchant_urls_without_the_apps_urls_say_what_to_include() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"include\('django_tamara.urls'\).*get_merchant_urls"):
        UrlBuilder(base_url="https://shop.example").build(book_order())


# Verticals ----------------------------------------------------------------------------------


def test_marketplace_shop_builder() -> None:
    out = MarketplaceShopBuilder().build(book_order(vendor=VENDOR))
    risk = out["risk_assessment"]
    assert risk["sub_merchant_id"] == "61817"
    assert risk["sub_merchant_joining_date"] == "19-03-2025"
    assert (risk["sub_merchant_name"], risk["sub_merchant_tier"]) == ("DUMMY LLC", "p1")
    assert (out["locale"], out["platform"], out["is_mobile"]) == ("en_US", "django-tamara", False)


def test_marketplace_without_sub_merchant_is_refused() -> None:
    with pytest.raises(PayloadInvalid) as info:
        MarketplaceShopBuilder().build(book_order())
    assert set(info.value.errors) == {
        f"risk_assessment.sub_merchant_{k}" for k in ("id", "category", "name", "tier", "joining_date")
    }


def test_telecom_shop_builder() -> None:
    out = TelecomShopBuilder().build(telecom_order())
    assert out["total_amount"]["amount"] == 50.0  # the marketplace table sample's sums: 41.65 + 7.35 + 1
    assert out["risk_assessment"]["sales_channel"] == "call_center"
    assert out["risk_assessment"]["store_id"] == "xyz"
    assert "shipping_address" not in out  # home_internet is a service


def test_telecom_sales_channel_defaults(rf: RequestFactory) -> None:
    order = telecom_order()
    order.channel = order.store = None
    builder = type("B", (ShopMixin, TelecomCheckoutBuilder), {})
    assert "sales_channel" not in builder().build(order)["risk_assessment"]
    assert builder(rf.get("/")).build(order)["risk_assessment"]["sales_channel"] == "online_eshop"


def test_travel_shop_builder() -> None:
    out = TravelShopBuilder().build(travel_order())
    assert out["total_amount"]["amount"] == 305.04
    assert out["risk_assessment"]["travel_data"] == {
        "origin": "RUH",
        "destination": "JED",
        "travel_type": "Domestic",
        "trip_type": "Return",
        "class": "Economy",
        "number_of_passengers": 3,
        "travel_date": "24-08-2026",
        "is_refundable_booking": True,
    }


def test_travel_trip_type_none_is_sent_as_null() -> None:
    order = travel_order()
    order.flight = Flight("ruh", "DXB", "international", None, "business", 1, dt.date(2026, 9, 1), False)
    travel = TravelShopBuilder().build(order)["risk_assessment"]["travel_data"]
    assert (travel["origin"], travel["trip_type"], travel["travel_type"], travel["class"]) == (
        "RUH",
        "Null",
        "International",
        "Business",
    )


def test_travel_with_a_bad_date_names_the_path() -> None:
    class BadDate(TravelShopBuilder):
        def get_travel_data(self, order: ShopOrder) -> dict[str, Any]:
            return {**vars(FLIGHT), "class": "Economy", "travel_date": "2026/08/24"}

    with pytest.raises(PayloadInvalid) as info:
        BadDate().build(travel_order())
    assert list(info.value.errors) == ["risk_assessment.travel_data.travel_date"]


# Properties ---------------------------------------------------------------------------------


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)),
    lines=st.lists(
        st.tuples(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=10**7)),
        min_size=1,
        max_size=20,
    ),
    shipping=st.integers(min_value=0, max_value=10**5),
    coupon=st.integers(min_value=0, max_value=10**3),
)
def test_any_shop_order_builds_a_payload_that_adds_up(
    currency: str, lines: list[tuple[int, int]], shipping: int, coupon: int
) -> None:
    places = CURRENCY_EXPONENTS[currency]
    order = book_order(currency=currency, coupon=("C", Decimal(coupon).scaleb(-places)) if coupon else None)
    order.shipping = Decimal(shipping).scaleb(-places)
    order.lines = [
        Line(Product(f"S{i}", f"P{i}", Decimal(units).scaleb(-places)), qty) for i, (qty, units) in enumerate(lines)
    ]
    parts = sum((Decimal(u).scaleb(-places) * q for q, u in lines), Decimal(shipping).scaleb(-places))
    expected = parts - Decimal(coupon).scaleb(-places)
    if expected < 0:
        with pytest.raises(PayloadInvalid):
            BookShopBuilder().build(order)
        return
    out = BookShopBuilder().build(order)
    assert Money.from_api(out["total_amount"]) == Money(expected, currency)
    assert out["country_code"] == {"SAR": "SA", "AED": "AE", "BHD": "BH", "KWD": "KW", "OMR": "OM"}[currency]
