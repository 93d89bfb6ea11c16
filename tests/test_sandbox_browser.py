"""The whole sandbox in a real browser: shop, Tamara's hosted checkout (the simulator), webhooks,
the admin, and back to the shop's order page. Screenshots go to artifacts/screenshots/.

The shop runs on pytest-django's ``live_server``; the checkout's merchant URLs are built from
the request, so they point at the live server, and the simulator's redirects and webhooks
reach it as they would reach a deployed shop.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from django_tamara.models import TamaraOrder
from sandbox_project.shop.demo import load_demo_products
from sandbox_project.shop.models import ShopOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_USER, ADMIN_PASSWORD = "boss", "a-long-test-password"


@pytest.fixture
def shop(live_server, tamara_simulator, settings):
    """The sandbox on the live server, its products loaded, paying against the simulator."""
    load_demo_products()
    cache.clear()  # Tamara's limits are cached per currency: ask this simulator
    settings.TAMARA = {**settings.TAMARA, "WIDGET_URL": f"{tamara_simulator.url}/widget-v2/tamara-widget.js"}
    yield live_server.url
    cache.clear()


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def fill_basket(page, base: str, screenshot, *slugs: str) -> None:
    page.goto(f"{base}/")
    screenshot(page, "01-products")
    for slug in slugs:
        page.click(f"#product-{slug} button.add-to-basket")
        page.wait_for_load_state()
    page.click("#basket-link")
    expect()(page.locator("#basket tr.line")).to_have_count(len(slugs))
    # The promo widget, rendered by the simulator's stand-in script.
    expect()(page.locator("tamara-widget")).to_contain_text("Pay in 3 instalments")
    screenshot(page, "02-basket")


def check_out(page, sim_url: str, screenshot, vertical: str) -> None:
    page.click("#checkout-link")
    page.check(f"input[name=vertical][value={vertical}]")
    screenshot(page, "03-checkout")
    page.click("#pay-with-tamara")
    page.wait_for_url(re.compile(re.escape(sim_url) + r"/checkout/[^/]+$"))
    expect()(page.locator("#approve")).to_be_visible()
    screenshot(page, "04-tamara-checkout")


def shop_status(page, base: str, reference: str, expected: str, screenshot, name: str) -> None:
    page.goto(f"{base}/orders/{reference}/")
    expect()(page.locator("#order-status")).to_have_attribute("data-status", expected)
    screenshot(page, name)


def admin_action(
    page, base: str, order: TamaraOrder, action: str, fields: dict[str, str], screenshot, step: int
) -> None:
    """Press the action's button on the Tamara order's admin page, fill the form, confirm."""
    page.goto(f"{base}/admin/django_tamara/tamaraorder/{order.pk}/change/")
    page.click(f"#tamara-action-{action}")
    page.wait_for_url(re.compile(rf"/admin/django_tamara/tamaraorder/{order.pk}/{action}/"))
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    screenshot(page, f"{step:02d}-admin-{action}-form")
    page.click("#tamara-confirm")
    page.wait_for_url(re.compile(rf"/admin/django_tamara/tamaraorder/{order.pk}/change/"))
    expect()(page.locator("ul.messagelist li.success")).to_be_visible()
    screenshot(page, f"{step + 1:02d}-admin-{action}-done")


def test_pay_with_the_marketplace_vertical_then_capture_and_refund_in_the_admin(
    page, screenshot, shop, tamara_simulator, django_user_model
):
    fill_basket(page, shop, screenshot, "arabic-coffee-set", "oud-perfume")
    check_out(page, tamara_simulator.url, screenshot, "marketplace")

    page.click("#approve")
    # The simulator sends the browser to /tamara/success/, which syncs and authorises, then
    # to the shop's order page (TAMARA["SUCCESS_URL"]).
    page.wait_for_url(re.compile(re.escape(shop) + r"/orders/SBX-[0-9A-F]+/$"))
    expect()(page.locator("#order-status")).to_have_attribute("data-status", "authorised")
    expect()(page.locator("#order-status")).to_have_text("Authorised")
    screenshot(page, "05-order-authorised")

    order = ShopOrder.objects.get()
    assert order.vertical == "marketplace" and order.status == "authorised"
    tamara = TamaraOrder.objects.get(order_reference_id=order.reference)
    assert tamara.status == "authorised"
    sent = tamara_simulator.get_order(str(tamara.order_id))
    assert sent["risk_assessment"]["sub_merchant_id"] == "oud-arabia"  # 349.00 of 538.00
    assert sent["merchant_url"]["notification"] == f"{shop}/tamara/webhooks/"

    django_user_model.objects.create_superuser(ADMIN_USER, "boss@example.com", ADMIN_PASSWORD)
    page.goto(f"{shop}/admin/login/?next=/admin/")
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    capture = {"shipping_company": "SMSA", "tracking_number": "SMSA-1234"}
    admin_action(page, shop, tamara, "capture", capture, screenshot, step=6)
    shop_status(page, shop, order.reference, "fully_captured", screenshot, "08-order-captured")
    expect()(page.locator("#order-status")).to_have_text("Fully captured")
    expect()(page.locator("#captured")).to_have_text("538.00 SAR")

    refund = {"amount": "100.00", "comment": "One cup arrived broken"}
    admin_action(page, shop, tamara, "refund", refund, screenshot, step=9)
    shop_status(page, shop, order.reference, "partially_refunded", screenshot, "11-order-refunded")
    expect()(page.locator("#order-status")).to_have_text("Partially refunded")
    expect()(page.locator("#refunded")).to_have_text("100.00 SAR")
    expect()(page.locator("#history li")).to_have_count(4)

    order.refresh_from_db()
    assert (order.status, order.captured_amount, order.refunded_amount) == ("partially_refunded", 538, 100)


def test_a_declined_payment_lands_on_the_failure_page(page, screenshot, shop, tamara_simulator):
    fill_basket(page, shop, screenshot, "khalas-dates")
    check_out(page, tamara_simulator.url, screenshot, "shop")

    page.click("#decline")
    page.wait_for_url(re.compile(re.escape(shop) + r"/checkout/failed/\?reference=SBX-[0-9A-F]+$"))
    expect()(page.locator("#failure-title")).to_have_text("Payment failed")
    expect()(page.locator("#order-status")).to_have_attribute("data-status", "declined")
    screenshot(page, "05-payment-failed")

    order = ShopOrder.objects.get()
    assert order.status == "declined"
    assert TamaraOrder.objects.get(order_reference_id=order.reference).status == "declined"

    # The customer can try again: the items go back in the basket.
    page.click("#retry")
    expect()(page.locator("#basket tr.line")).to_have_count(1)
    screenshot(page, "06-basket-again")
