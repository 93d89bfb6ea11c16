"""Oscar's checkout with Tamara in a real browser: basket, checkout, Tamara's hosted page (the
simulator), back to Oscar's thank-you page; then a capture from Oscar's dashboard. And a decline
that lands on the basket with Oscar's message. Screenshots go to artifacts/screenshots/.

The shop runs on pytest-django's ``live_server``; the merchant URLs are built from the request,
so the simulator's redirects and webhooks reach it as they would reach a deployed shop.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from oscar.core.loading import get_model

from django_tamara.models import TamaraOrder

from .oscar_shop.fixtures import ADDRESS, GUEST_EMAIL, STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Source = get_model("payment", "Source")


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture
def shop(live_server, tamara_simulator, oscar_shop):
    cache.clear()  # the landing throttle is per order, but start clean
    yield live_server.url
    cache.clear()


def to_tamara(page, base: str, shop_rows, sim_url: str, screenshot) -> None:
    """Basket, guest checkout, shipping address, payment details, "Pay with Tamara"."""
    page.goto(f"{base}{shop_rows.product.get_absolute_url()}")
    page.click("#add_to_basket_form button[type=submit]")
    page.goto(f"{base}/basket/")
    expect()(page.locator("#content_inner")).to_contain_text("Oud perfume")
    screenshot(page, "01-basket")
    page.click("text=Proceed to checkout")
    page.fill("#id_username", GUEST_EMAIL)
    page.check("input[name=options][value=anonymous]")
    screenshot(page, "02-guest")
    page.click("button:has-text('Continue')")
    page.wait_for_url(re.compile(r"/checkout/shipping-address/$"))
    for name in ("first_name", "last_name", "line1", "line4", "state", "postcode", "phone_number"):
        page.fill(f"#id_{name}", ADDRESS[name])
    screenshot(page, "03-shipping-address")
    page.click("button:has-text('Continue')")
    page.wait_for_url(re.compile(r"/checkout/payment-details/$"))
    expect()(page.locator("#pay-with-tamara")).to_be_visible()
    screenshot(page, "04-payment-details")
    page.click("#pay-with-tamara")
    page.wait_for_url(re.compile(re.escape(sim_url) + r"/checkout/[^/]+$"))
    expect()(page.locator("#approve")).to_be_visible()
    screenshot(page, "05-tamara-checkout")


def test_pay_with_tamara_then_capture_from_oscars_dashboard(page, screenshot, shop, oscar_shop, tamara_simulator):
    to_tamara(page, shop, oscar_shop, tamara_simulator.url, screenshot)

    page.click("#approve")
    page.wait_for_url(re.compile(re.escape(shop) + r"/checkout/thank-you/$"))
    order = Order.objects.get()
    expect()(page.locator("h1")).to_have_text(f"Order {order.number}: confirmation")
    expect()(page.locator("body")).to_contain_text("from type Tamara")  # the Source, on Oscar's own page
    screenshot(page, "06-thank-you")

    tamara = TamaraOrder.objects.get(order_reference_id=order.number)
    assert tamara.status == "authorised" and order.total_incl_tax == Decimal("374.00")
    [source] = Source.objects.filter(order=order)
    assert (source.amount_allocated, source.amount_debited, source.amount_refunded) == (Decimal("374.00"), 0, 0)
    assert source.reference == str(tamara.order_id)
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED

    # Staff capture everything from Oscar's dashboard.
    page.goto(f"{shop}/dashboard/login/")
    page.fill("#id_username", oscar_shop.staff.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{shop}/dashboard/orders/{order.number}/")
    line = order.lines.get()
    page.check(f"input[name=selected_line][value='{line.pk}']")
    page.check("#payment_event_check")
    page.select_option("#payment_event_type_select", "tamara-capture")
    page.fill("#amount_input", "374.00")
    screenshot(page, "07-dashboard-capture")
    page.click("#order_lines_form button[type=submit]")
    expect()(page.locator("#messages")).to_contain_text("Payment event created")
    screenshot(page, "08-dashboard-captured")
    tamara.refresh_from_db()
    [capture] = tamara.captures.all()
    page.click("a[href='#payment']")
    expect()(page.locator("#payment")).to_have_class(re.compile(r"\bshow\b"))
    expect()(page.locator("#payment")).to_contain_text(capture.capture_id)
    expect()(page.locator("#payment")).to_contain_text("captured")
    screenshot(page, "09-dashboard-payment-tab")

    assert (tamara.status, tamara.captured_amount) == ("fully_captured", Decimal("374.00"))
    source.refresh_from_db()
    assert (source.amount_allocated, source.amount_debited, source.amount_refunded) == (
        Decimal("374.00"),
        Decimal("374.00"),
        Decimal("0.00"),
    )
    rows = [(t.txn_type, t.amount, t.reference) for t in source.transactions.order_by("pk")]
    assert rows == [
        ("Authorise", Decimal("374.00"), str(tamara.order_id)),
        ("Debit", Decimal("374.00"), capture.capture_id),
    ]
    tamara_simulator.wait_for_notifications()
    assert Source.objects.get(pk=source.pk).transactions.count() == 2  # the capture's webhook added nothing


def test_a_decline_lands_on_the_basket_with_oscars_message(page, screenshot, shop, oscar_shop, tamara_simulator):
    to_tamara(page, shop, oscar_shop, tamara_simulator.url, screenshot)

    page.click("#decline")
    page.wait_for_url(re.compile(re.escape(shop) + r"/basket/$"))
    expect()(page.locator("#messages .alert-danger")).to_contain_text(
        "Tamara declined the payment - no payment has been taken. Please choose another way to pay."
    )
    expect()(page.locator("#content_inner")).to_contain_text("Oud perfume")  # the basket is back
    screenshot(page, "06-basket-after-decline")

    assert not Order.objects.exists()
    [basket] = Basket.objects.all()
    assert basket.status == Basket.OPEN and basket.num_items == 1
    assert TamaraOrder.objects.get(object_id=str(basket.pk)).status == "declined"
