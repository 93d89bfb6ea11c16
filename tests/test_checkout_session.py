"""``create_session``: validate, open the session at Tamara, store the order in status ``new``.

The end-to-end tests run against the simulator (the ``tamara_simulator`` fixture of
``django_tamara.testing``): a shop-like builder per vertical creates a real order there, and
its hosted checkout page shows the shop's items.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from django_tamara.builders import (
    CheckoutBuilder,
    MarketplaceCheckoutBuilder,
    TravelCheckoutBuilder,
)
from django_tamara.client import CheckoutSession
from django_tamara.exceptions import BadRequest, PayloadInvalid
from django_tamara.lifecycle import CheckoutSessionResult, create_session
from django_tamara.models import TamaraOrder

from .test_builders import (
    VENDOR,
    BookShopBuilder,
    MarketplaceShopBuilder,
    ShopOrder,
    TelecomShopBuilder,
    TravelShopBuilder,
    book_order,
    telecom_order,
    travel_order,
)
from .test_serializers_rules import Tripwire
from .test_serializers_samples import marketplace_sample, travel_sample


class OneSession:
    """Answers ``create_checkout_session`` as Tamara does, once, and keeps the payload."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def create_checkout_session(self, payload: dict[str, Any]) -> CheckoutSession:
        self.payloads.append(payload)
        order_id = str(uuid.uuid4())
        raw = {
            "order_id": order_id,
            "checkout_id": "chk-1",
            "checkout_url": f"https://checkout.example/{order_id}",
            "status": "new",
            "total": Decimal("1.10"),
        }
        return CheckoutSession(
            order_id=order_id, checkout_id="chk-1", checkout_url=raw["checkout_url"], status="new", raw=raw
        )


# Refused before any call ---------------------------------------------------------------------


def test_an_invalid_order_never_reaches_tamara() -> None:
    class Broken(BookShopBuilder):
        def get_total_amount(self, order: ShopOrder) -> Decimal:
            return Decimal("1")

    with pytest.raises(PayloadInvalid) as info:
        create_session(Broken(), book_order(), client=Tripwire())  # type: ignore[arg-type]  # a stand-in on purpose
    assert list(info.value.errors) == ["total_amount"]


def test_an_invalid_payload_never_reaches_tamara_nor_the_database() -> None:
    """No django_db mark: a query would raise, so the refusal comes before any."""
    payload = travel_sample()
    payload["risk_assessment"]["travel_data"]["travel_date"] = "2024-13-45"
    with pytest.raises(PayloadInvalid) as info:
        create_session(payload, builder=TravelCheckoutBuilder(), client=Tripwire())  # type: ignore[arg-type]  # a stand-in on purpose
    assert list(info.value.errors) == ["risk_assessment.travel_data.travel_date"]


def test_no_client_is_built_for_an_invalid_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django_tamara.lifecycle.sessions.get_client", lambda: pytest.fail("a client was built"))
    with pytest.raises(PayloadInvalid):
        create_session({"order_reference_id": "x"})


def test_a_builder_needs_the_shop_order() -> None:
    with pytest.raises(TypeError, match="shop_order"):
        create_session(BookShopBuilder())
    with pytest.raises(TypeError, match="payload dict"):
        create_session("not a payload")  # type: ignore[arg-type]  # a stand-in on purpose


# Storing the order ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_order_is_stored_in_status_new_with_the_payloads_data() -> None:
    tamara = OneSession()
    order = book_order(coupon=("WELCOME10", Decimal("10")))
    result = create_session(BookShopBuilder(), order, client=tamara)  # type: ignore[arg-type]  # a stand-in on purpose
    assert isinstance(result, CheckoutSessionResult)
    stored = TamaraOrder.objects.get()
    assert stored == result.order and tamara.payloads == [result.payload]
    assert str(stored.order_id) == result.session.order_id
    assert (stored.status, stored.checkout_id, stored.checkout_url) == ("new", "chk-1", result.checkout_url)
    assert (stored.order_reference_id, stored.order_number) == ("1001", "1001")
    assert (stored.currency, stored.total_amount, stored.shipping_amount) == ("SAR", Decimal("124.99"), Decimal("15"))
    assert (stored.discount_amount, stored.discount_name) == (Decimal("10"), "WELCOME10")
    assert (stored.consumer_first_name, stored.consumer_phone_number) == ("Mona", "+966502223333")
    assert stored.consumer_email == "mona@example.com"
    assert [i["sku"] for i in stored.items] == ["BOOK-1", "BOOK-2"]
    assert stored.shipping_address["city"] == "Riyadh"
    assert (stored.payment_type, stored.locale, stored.description) == ("PAY_BY_INSTALMENTS", "en_US", "Order 1001")
    assert stored.raw["total"] == 1.1  # JSON-safe copy of Tamara's answer
    assert stored.content_type is None  # a dataclass order is linked by reference id only


@pytest.mark.django_db
def test_a_raw_payload_is_validated_by_the_configured_builder(settings: Any) -> None:
    # The default (e-commerce) serializer knows no sub-merchant: it passes the key on as given.
    result = create_session(marketplace_sample(), client=OneSession())  # type: ignore[arg-type]  # a stand-in on purpose
    assert result.payload["risk_assessment"]["sub_merchant_id"] == 61817
    assert result.order.order_reference_id == "abd12331-a123-1234-4567-473fkid5"
    # A marketplace shop names its builder, and the table's types are enforced.
    settings.TAMARA = {**settings.TAMARA, "BUILDER_CLASS": "django_tamara.builders.MarketplaceCheckoutBuilder"}
    result = create_session(marketplace_sample(), client=OneSession())  # type: ignore[arg-type]  # a stand-in on purpose
    assert result.payload["risk_assessment"]["sub_merchant_id"] == "61817"
    result = create_session(marketplace_sample(), builder=MarketplaceCheckoutBuilder(), client=OneSession())  # type: ignore[arg-type]  # a stand-in on purpose
    assert result.payload["risk_assessment"]["sub_merchant_joining_date"] == "19-03-2025"


@pytest.mark.django_db
def test_the_result_redirects_to_the_hosted_checkout() -> None:
    result = BookShopBuilder().create_session(book_order(), client=OneSession())  # type: ignore[arg-type]  # a stand-in on purpose
    response = result.redirect()
    assert response.status_code == 302 and response["Location"] == result.checkout_url
    assert result.checkout_id == "chk-1"


@pytest.mark.django_db
def test_a_model_instance_is_linked_through_the_generic_relation() -> None:
    user = User.objects.create(username="mona", first_name="Mona", last_name="Lisa", email="mona@example.com")

    class UserCartBuilder(CheckoutBuilder):
        def get_items(self, order: User) -> list[dict[str, Any]]:
            return [
                {
                    "reference_id": "gift",
                    "type": "Digital",
                    "name": "Gift card",
                    "sku": "GC-50",
                    "quantity": 1,
                    "total_amount": Decimal("50"),
                }
            ]

        def get_consumer(self, order: User) -> Any:
            order.phone_number = "502223333"
            return order

        def get_merchant_urls(self, order: User) -> dict[str, str]:
            return {k: f"https://shop.example/{k}" for k in ("success", "failure", "cancel")}

    result = create_session(UserCartBuilder(), user, client=OneSession())  # type: ignore[arg-type]  # a stand-in on purpose
    stored = TamaraOrder.objects.get(pk=result.order.pk)
    assert stored.content_type == ContentType.objects.get_for_model(User)
    assert stored.object_id == str(user.pk) and stored.shop_order == user
    assert stored.order_reference_id == str(user.pk)


@pytest.mark.django_db
def test_a_row_a_notification_created_first_is_kept() -> None:
    tamara = OneSession()
    session = tamara.create_checkout_session({})
    TamaraOrder.objects.create(order_id=session.order_id, order_reference_id="1001", status="approved", currency="SAR")

    class Replay:
        def create_checkout_session(self, payload: dict[str, Any]) -> CheckoutSession:
            return session

    result = create_session(BookShopBuilder(), book_order(), client=Replay())  # type: ignore[arg-type]  # a stand-in on purpose
    assert TamaraOrder.objects.count() == 1
    assert (result.order.status, result.order.checkout_url) == ("approved", session.checkout_url)


# Against the simulator -------------------------------------------------------------------------


def _hosted_page(url: str) -> str:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text[:500]
    return html.unescape(response.text)


def _shop_orders() -> dict[str, tuple[type[CheckoutBuilder], ShopOrder]]:
    return {
        "ecommerce": (BookShopBuilder, book_order()),
        "marketplace": (MarketplaceShopBuilder, book_order(vendor=VENDOR)),
        "telecom": (TelecomShopBuilder, telecom_order()),
        "travel": (TravelShopBuilder, travel_order()),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("vertical", ["ecommerce", "marketplace", "telecom", "travel"])
def test_a_shop_builder_creates_a_real_order_on_the_simulator(vertical: str, tamara_simulator: Any) -> None:
    builder_class, order = _shop_orders()[vertical]
    order.id = int(uuid.uuid4().int % 10**9)  # a fresh reference per run
    result = create_session(builder_class(), order)  # the client comes from settings.TAMARA

    remote = tamara_simulator.get_order(str(result.order.order_id))
    assert remote["status"] == "new"
    assert remote["order_reference_id"] == result.order.order_reference_id
    assert [item["sku"] for item in remote["items"]] == [line.product.sku for line in order.lines]

    stored = TamaraOrder.objects.get(order_id=result.order.order_id)
    assert stored.status == "new" and stored.checkout_url == result.checkout_url
    assert stored.total_amount == Decimal(str(result.payload["total_amount"]["amount"]))

    page = _hosted_page(result.checkout_url)
    for line in order.lines:
        assert line.product.name in page


@pytest.mark.django_db(transaction=True)
def test_a_hand_built_payload_creates_an_order_on_the_simulator(tamara_simulator: Any) -> None:
    payload = travel_sample()
    payload["order_reference_id"] = f"REF-{uuid.uuid4().hex[:12]}"
    payload["consumer"]["phone_number"] = "+966502223333"
    result = create_session(payload, builder=TravelCheckoutBuilder())
    assert tamara_simulator.get_order(str(result.order.order_id))["status"] == "new"
    assert "RUH - JED Return Ticket" in _hosted_page(result.checkout_url)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("builder_class", "order", "path"),
    [
        (BookShopBuilder, book_order(address=None), "shipping_address"),
        (MarketplaceShopBuilder, book_order(), "risk_assessment.sub_merchant_id"),
        (TelecomShopBuilder, telecom_order(currency="KWD"), "total_amount"),
        (TravelShopBuilder, travel_order(), "risk_assessment.travel_data"),
    ],
    ids=["ecommerce", "marketplace", "telecom", "travel"],
)
def test_a_refused_order_leaves_the_simulators_journal_untouched(
    builder_class: type[CheckoutBuilder], order: ShopOrder, path: str, tamara_simulator: Any
) -> None:
    if builder_class is TravelShopBuilder:
        order.flight = None
    if order.currency == "KWD":
        order.lines[0].product.price = Decimal("41.6504")  # 4 places: kept only without rounding

        class Strict(builder_class):  # type: ignore[valid-type, misc]  # a class from a parameter
            quantize_amounts = False

        builder_class, path = Strict, "items[0].unit_price.amount"
    before = tamara_simulator.journal_last_seq()
    with pytest.raises(PayloadInvalid) as info:
        create_session(builder_class(), order)
    assert path in info.value.errors
    assert tamara_simulator.journal_last_seq() == before and tamara_simulator.orders() == []
    assert not TamaraOrder.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_by_tamara_stores_nothing(tamara_simulator: Any) -> None:
    """Valid by the tables, refused by Tamara (above its limit): the client's error, no row."""
    order = book_order()
    order.lines[0].product.price = Decimal("100000")
    with pytest.raises(BadRequest):
        create_session(BookShopBuilder(), order)
    assert not TamaraOrder.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_availability_against_the_simulators_limits(tamara_simulator: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    order = book_order()
    assert BookShopBuilder().is_available(order)
    order.lines[0].product.price = Decimal("100000")
    answer = BookShopBuilder().is_available(order)
    assert not answer and "outside Tamara's limits" in answer.reason
    cache.clear()


@pytest.mark.django_db
def test_tamara_receives_the_normalised_payload() -> None:
    """No Python date, Decimal or Money leaks into what is sent."""
    tamara = OneSession()
    create_session(TravelShopBuilder(), travel_order(), client=tamara)  # type: ignore[arg-type]  # a stand-in on purpose
    sent = tamara.payloads[0]
    assert sent["risk_assessment"]["travel_data"]["travel_date"] == "24-08-2026"
    assert sent["risk_assessment"]["account_creation_date"] == dt.date(2019, 1, 31).strftime("%d-%m-%Y")
    assert sent["total_amount"] == {"amount": 305.04, "currency": "SAR"}
