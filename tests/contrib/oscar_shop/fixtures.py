"""Fixtures of the oscar_shop tests: a minimal Oscar shop selling in SAR, and a checkout walker.

The shop is rows of Oscar's own models (a shipping country, a partner, a product class, one
product with a stock record priced in SAR, a staff user); the walker goes through Oscar's real
checkout pages with Django's test client (basket, guest e-mail, shipping address, shipping
method, payment details), so a test starts where the customer presses "Pay with Tamara".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from .shipping import SHIPPING_CHARGE

Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
ProductClass = get_model("catalogue", "ProductClass")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

PRICE = Decimal("349.00")
STAFF_EMAIL, STAFF_PASSWORD = "staff@example.com", "a-long-staff-password"
GUEST_EMAIL = "mona@example.com"
PHONE = "+966502223333"
ADDRESS = {
    "first_name": "Mona",
    "last_name": "Lisa",
    "line1": "3764 Al Urubah Rd",
    "line4": "Riyadh",
    "state": "Riyadh Province",
    "postcode": "12271",
    "phone_number": PHONE,
}


@dataclass
class OscarShop:
    partner: Any
    product: Any
    stockrecord: Any
    staff: Any

    price = PRICE
    shipping = SHIPPING_CHARGE

    def total(self, quantity: int = 1) -> Decimal:
        return self.price * quantity + self.shipping


def make_shop(django_user_model: Any, *, currency: str = "SAR") -> OscarShop:
    Country._default_manager.get_or_create(
        iso_3166_1_a2="SA",
        defaults={
            "iso_3166_1_a3": "SAU",
            "iso_3166_1_numeric": "682",
            "printable_name": "Saudi Arabia",
            "name": "Kingdom of Saudi Arabia",
            "is_shipping_country": True,
        },
    )
    partner = Partner._default_manager.create(name="Oud Arabia")
    product_class = ProductClass._default_manager.create(name="Perfume", requires_shipping=True, track_stock=True)
    product = Product._default_manager.create(product_class=product_class, title="Oud perfume", upc="OUD-1")
    stockrecord = StockRecord._default_manager.create(
        partner=partner, product=product, partner_sku="OUD-1", price_currency=currency, price=PRICE, num_in_stock=100
    )
    staff = django_user_model.objects.create_user(
        username="staff", email=STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True, is_superuser=True
    )
    return OscarShop(partner=partner, product=product, stockrecord=stockrecord, staff=staff)


@pytest.fixture
def oscar_shop(django_user_model: Any) -> OscarShop:
    """The shop's rows (the test's own ``django_db`` marker gives the database)."""
    return make_shop(django_user_model)


# Oscar's checkout with the test client ----------------------------------------------------------


def fill_basket(client: Any, shop: OscarShop, quantity: int = 1) -> None:
    response = client.post(reverse("basket:add", kwargs={"pk": shop.product.pk}), {"quantity": quantity})
    assert response.status_code == 302, response


def check_out(client: Any, *, email: str = GUEST_EMAIL, address: dict[str, str] | None = None) -> Any:
    """Guest e-mail, shipping address and method: returns the payment-details page."""
    response = client.post(reverse("checkout:index"), {"username": email, "options": "anonymous"})
    assert response.status_code == 302 and response["Location"] == reverse("checkout:shipping-address"), response
    response = client.post(reverse("checkout:shipping-address"), address or ADDRESS)
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    page = client.get(reverse("checkout:shipping-method"), follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0] == reverse("checkout:payment-details"), page
    return page


def pay_with_tamara(client: Any) -> Any:
    """Press the button: the adapter's redirect view answers (302 to Tamara's page, or an error)."""
    return client.post(reverse("tamara_oscar:redirect"))


def start_payment(client: Any, shop: OscarShop, quantity: int = 1) -> Any:
    fill_basket(client, shop, quantity)
    check_out(client)
    response = pay_with_tamara(client)
    assert response.status_code == 302 and "/checkout/" in response["Location"], response
    return response


def place_order(client: Any, shop: OscarShop, simulator: Any, quantity: int = 1) -> Any:
    """A whole checkout: pay, approve at Tamara, return; the Oscar order placed from it."""
    from django_tamara.contrib.oscar.session import SESSION_KEY

    start_payment(client, shop, quantity)
    simulator.approve(client.session[SESSION_KEY])
    response = client.get(reverse("tamara_oscar:return"))
    assert response.status_code == 302 and response["Location"] == reverse("checkout:thank-you"), response
    return get_model("order", "Order")._default_manager.get(pk=client.session["checkout_order_id"])
