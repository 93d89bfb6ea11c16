"""The sandbox shop: pages, basket, the four builders, the signal receivers and the widget tag."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import reverse

from django_tamara import lifecycle, signals
from django_tamara.client import ShippingInfo
from django_tamara.models import TamaraOrder
from django_tamara.money import Money
from django_tamara.templatetags.tamara import widget_amount, widget_config
from sandbox_project.shop.basket import SESSION_KEY, Basket
from sandbox_project.shop.demo import PRODUCTS, load_demo_products
from sandbox_project.shop.forms import DEMO_CUSTOMER
from sandbox_project.shop.models import OrderLine, Product, ShopOrder
from sandbox_project.shop.tamara import (
    BUILDERS,
    ShopCheckoutBuilder,
    ShopMarketplaceBuilder,
    ShopTelecomBuilder,
    ShopTravelBuilder,
    builder_for,
)

pytestmark = pytest.mark.django_db

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="SMSA")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Tamara's limits are cached per (country, currency): each test asks the simulator anew."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def products() -> dict[str, Product]:
    load_demo_products()
    return {p.slug: p for p in Product.objects.all()}


def make_order(products: dict[str, Product], *slugs: str, vertical: str = "shop", **fields) -> ShopOrder:
    data = {k: v for k, v in DEMO_CUSTOMER.items()}
    data.update(fields)
    order = ShopOrder.objects.create(vertical=vertical, shipping_amount=Decimal("15.00"), **data)
    for slug in slugs or ("arabic-coffee-set", "oud-perfume"):
        p = products[slug]
        OrderLine.objects.create(order=order, product=p, name=p.name, sku=p.sku, quantity=1, unit_price=p.price)
    return order


def add(client, product: Product, quantity: int = 1):
    return client.post(reverse("shop:basket-add"), {"product": product.pk, "quantity": quantity})


def checkout_data(vertical: str, **overrides) -> dict[str, str]:
    data = {
        **DEMO_CUSTOMER,
        "vertical": vertical,
        "origin": "RUH",
        "destination": "DXB",
        "travel_date": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "passengers": "2",
        "travel_class": "Business",
        "trip_type": "Return",
    }
    data.update(overrides)
    return data


# Pages -------------------------------------------------------------------------------------


def test_product_list_answers_200_with_the_demo_products(client, products):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for data in PRODUCTS:
        assert data["name"] in body
    assert "189.00 SAR" in body


def test_product_page_answers_200_with_the_widget_once(client, products):
    response = client.get("/products/arabic-coffee-set/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<tamara-widget type="tamara-summary" amount="189.00" inline-type="2"></tamara-widget>' in body
    assert body.count("window.tamaraWidgetConfig") == 1
    assert body.count("/widget-v2/tamara-widget.js") == 1


def test_unknown_product_and_order_are_404(client, products):
    assert client.get("/products/nope/").status_code == 404
    assert client.get("/orders/SBX-NOPE/").status_code == 404
    assert client.get("/orders/SBX-NOPE/status.json").status_code == 404


def test_arabic_toggle_renders_rtl_and_arabic_names(client, products):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    body = client.get("/").content.decode()
    assert 'dir="rtl"' in body and 'lang="ar"' in body
    assert "طقم قهوة عربية" in body
    body = client.get("/products/oud-perfume/").content.decode()
    assert '"lang": "ar"' in body


def test_sandbox_setup_is_idempotent_and_prints_the_credentials(capsys):
    call_command("sandbox_setup")
    call_command("sandbox_setup")
    out = capsys.readouterr().out
    assert "admin / admin" in out
    assert Product.objects.count() == len(PRODUCTS)
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="admin", is_superuser=True).count() == 1


# Basket ------------------------------------------------------------------------------------


def test_basket_adds_updates_and_removes(client, products):
    coffee, oud = products["arabic-coffee-set"], products["oud-perfume"]
    assert add(client, coffee).status_code == 302
    add(client, coffee)
    add(client, oud)
    body = client.get("/basket/").content.decode()
    assert "Arabic coffee set" in body and "Oud perfume" in body
    assert client.session[SESSION_KEY] == {str(coffee.pk): 2, str(oud.pk): 1}
    assert "727.00 SAR" in body  # 2 × 189 + 349, free shipping above 300
    assert '<tamara-widget type="tamara-summary" amount="727.00" inline-type="3">' in body
    client.post(reverse("shop:basket-update"), {"product": coffee.pk, "quantity": 0})
    assert client.session[SESSION_KEY] == {str(oud.pk): 1}


def test_basket_charges_shipping_for_small_baskets_of_goods_only(rf, products):
    request = rf.get("/")
    request.session = {}
    basket = Basket(request)
    basket.add(products["khalas-dates"])
    assert basket.shipping == Decimal("15.00")
    basket.clear()
    basket.add(products["prepaid-5g-plan"])
    assert basket.shipping == Decimal("0.00")


def test_basket_ignores_a_tampered_session(rf, products):
    request = rf.get("/")
    request.session = {SESSION_KEY: {"x": 3, "1": "lots", str(products["oud-perfume"].pk): -2}}
    assert Basket(request).lines() == []
    request.session = {SESSION_KEY: ["not", "a", "dict"]}
    assert len(Basket(request)) == 0


def test_checkout_with_an_empty_basket_goes_back_to_it(client, products):
    assert client.get("/checkout/").url == reverse("shop:basket")


# Builders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("vertical", list(BUILDERS))
def test_each_vertical_builds_a_valid_payload(products, vertical, settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    order = make_order(
        products,
        "arabic-coffee-set",
        "prepaid-5g-plan",
        "flight-ruh-jed",
        vertical=vertical,
        vertical_data={
            "origin": "RUH",
            "destination": "JED",
            "travel_date": "2026-12-24",
            "passengers": 2,
            "travel_class": "Business",
            "trip_type": "Return",
            "travel_type": "Domestic",
        },
    )
    request = RequestFactory().get("/checkout/", HTTP_HOST="shop.example")
    builder = builder_for(order, request)
    assert type(builder) is BUILDERS[vertical]
    payload = builder.build(order)
    assert payload["order_reference_id"] == order.reference
    assert payload["total_amount"] == {"amount": 769.0, "currency": "SAR"}  # 189 + 115 + 450 + 15
    assert payload["merchant_url"]["success"] == "http://shop.example/tamara/success/"
    assert payload["merchant_url"]["notification"] == "http://shop.example/tamara/webhooks/"
    assert payload["consumer"]["phone_number"] == "544337866"
    assert payload["shipping_address"]["first_name"] == "Nora"
    assert payload["items"][0]["item_url"] == "http://shop.example/products/arabic-coffee-set/"
    risk = payload["risk_assessment"]
    assert risk["is_premium_customer"] is False and risk["total_order_count"] == 0
    if vertical == "marketplace":
        # the vendor with the largest share: Sahara Air's 450 over the others
        assert risk["sub_merchant_id"] == "sahara-air"
        assert risk["sub_merchant_joining_date"] == "10-06-2020"
        assert risk["sub_merchant_tier"] == "gold"
    if vertical == "telecom":
        assert risk["sales_channel"] == "online_eshop"
        assert [i["type"] for i in payload["items"]] == ["Physical", "mobile_prepaid_plan", "Digital"]
    if vertical == "travel":
        assert risk["travel_data"] == {
            "origin": "RUH",
            "destination": "JED",
            "travel_type": "Domestic",
            "trip_type": "Return",
            "class": "Business",
            "number_of_passengers": 2,
            "travel_date": "24-12-2026",
            "is_refundable_booking": False,
        }


def test_marketplace_sub_merchant_is_the_vendor_with_the_largest_share(products):
    order = make_order(products, "khalas-dates", "arabic-coffee-set", "incense-burner", vertical="marketplace")
    # Al-Qahwa House: 95.50 + 189.00 against Oud Arabia's 120.00
    sub = ShopMarketplaceBuilder(base_url="http://shop.example").get_sub_merchant(order)
    assert sub["id"] == "qahwa-house" and sub["name"] == "Al-Qahwa House"


def test_risk_data_counts_the_customers_earlier_orders(products):
    make_order(products)
    make_order(products)
    order = make_order(products)
    risk = ShopCheckoutBuilder(base_url="http://shop.example").build(order)["risk_assessment"]
    assert risk["total_order_count"] == 2


def test_builder_classes_extend_the_apps_verticals():
    from django_tamara.builders import (
        CheckoutBuilder,
        MarketplaceCheckoutBuilder,
        TelecomCheckoutBuilder,
        TravelCheckoutBuilder,
    )

    assert issubclass(ShopCheckoutBuilder, CheckoutBuilder)
    assert issubclass(ShopMarketplaceBuilder, MarketplaceCheckoutBuilder)
    assert issubclass(ShopTelecomBuilder, TelecomCheckoutBuilder)
    assert issubclass(ShopTravelBuilder, TravelCheckoutBuilder)


# Checkout against the simulator ------------------------------------------------------------


@pytest.mark.parametrize("vertical", list(BUILDERS))
def test_checkout_opens_a_session_and_redirects_to_the_hosted_page(client, products, tamara_simulator, vertical):
    add(client, products["arabic-coffee-set"])
    add(client, products["flight-ruh-jed"])
    assert client.get("/checkout/").status_code == 200
    response = client.post("/checkout/", checkout_data(vertical))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith(f"{tamara_simulator.url}/checkout/")
    order = ShopOrder.objects.get()
    assert order.vertical == vertical and order.status == "pending"
    tamara = TamaraOrder.objects.get()
    assert tamara.order_reference_id == order.reference
    assert tamara.shop_order == order  # the generic relation, set by create_session
    assert order.tamara_order == tamara
    sent = tamara_simulator.get_order(str(tamara.order_id))
    assert sent["total_amount"]["amount"] == Decimal("654")  # 189 + 450 + 15 shipping
    assert client.session[SESSION_KEY] == {}  # the basket is now the order
    if vertical == "travel":
        assert sent["risk_assessment"]["travel_data"]["travel_type"] == "International"


def test_checkout_refused_by_tamara_shows_why_and_keeps_no_order(client, products, tamara_simulator):
    add(client, products["oud-perfume"])
    response = client.post("/checkout/", checkout_data("shop", phone_number="123456789"))
    assert response.status_code == 400
    assert "consumer_invalid_phone_number" in response.content.decode()
    assert not ShopOrder.objects.exists() and not TamaraOrder.objects.exists()


def test_checkout_with_an_invalid_payload_shows_the_field(client, products, tamara_simulator):
    add(client, products["oud-perfume"])
    response = client.post("/checkout/", checkout_data("shop", phone_number="not a phone"))
    assert response.status_code == 400
    assert "consumer.phone_number" in response.content.decode()
    assert not ShopOrder.objects.exists()


def test_travel_checkout_needs_the_flight(client, products, tamara_simulator):
    add(client, products["flight-ruh-jed"])
    response = client.post("/checkout/", checkout_data("travel", origin="", travel_date=""))
    assert response.status_code == 200
    assert "Needed for a flight booking." in response.content.decode()
    assert not ShopOrder.objects.exists()


def test_checkout_over_the_limit_says_tamara_is_unavailable(client, products, tamara_simulator):
    tamara_simulator.configure(limits={"SAR": {"PAY_BY_INSTALMENTS": {"max": 100}, "PAY_NOW": None}})
    add(client, products["oud-perfume"])
    response = client.post("/checkout/", checkout_data("shop"))
    assert response.status_code == 400
    assert "Tamara is not available" in response.content.decode()


# Signal receivers --------------------------------------------------------------------------


def test_receivers_follow_the_order_through_its_life(
    client, products, tamara_simulator, django_capture_on_commit_callbacks
):
    add(client, products["arabic-coffee-set"])
    add(client, products["oud-perfume"])
    client.post("/checkout/", checkout_data("marketplace"))
    order, tamara = ShopOrder.objects.get(), TamaraOrder.objects.get()

    tamara_simulator.approve(str(tamara.order_id))  # its notification cannot reach "testserver"
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.sync(tamara)
        lifecycle.authorise(tamara)
    order.refresh_from_db()
    assert order.status == ShopOrder.Status.AUTHORISED

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.capture(tamara, shipping_info=SHIPPING)
    order.refresh_from_db()
    assert order.status == ShopOrder.Status.FULLY_CAPTURED
    assert order.captured_amount == Decimal("538.00")

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.refund(tamara, Money("100", "SAR"), comment="One cup arrived broken")
    order.refresh_from_db()
    assert order.status == ShopOrder.Status.PARTIALLY_REFUNDED
    assert order.refunded_amount == Decimal("100.00")
    messages = list(order.events.values_list("message", flat=True))
    assert messages == [
        "Order placed; paying with Tamara.",
        "Paid with Tamara: the payment is authorised.",
        "Captured 538.00 SAR: shipped to the customer.",
        "Refunded 100.00 SAR.",
    ]

    status = client.get(f"/orders/{order.reference}/status.json").json()
    assert status == {
        "reference": order.reference,
        "status": "partially_refunded",
        "status_display": "Partially refunded",
        "tamara_status": "partially_refunded",
        "final": False,
        "events": 4,
    }
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Partially refunded" in page and "100.00 SAR" in page


def test_return_from_tamara_lands_on_the_order_page_authorised(
    client, products, tamara_simulator, django_capture_on_commit_callbacks
):
    # The pattern docs/testing.md shows: approve on the simulator, come back through the app.
    add(client, products["incense-burner"])
    client.post("/checkout/", checkout_data("telecom"))
    order, tamara = ShopOrder.objects.get(), TamaraOrder.objects.get()
    tamara_simulator.approve(str(tamara.order_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/tamara/success/?orderId={tamara.order_id}&paymentStatus=approved")
    assert response.url == f"/orders/{order.reference}/"
    order.refresh_from_db()
    assert order.status == "authorised"
    page = client.get(response.url).content.decode()
    assert 'data-status="authorised"' in page


@pytest.mark.django_db(transaction=True)
def test_the_webhook_alone_moves_the_shop_order(live_server, tamara_simulator):
    # docs/testing.md, "Webhooks end to end": no browser return, only the notification.
    load_demo_products()
    order = make_order({p.slug: p for p in Product.objects.all()}, vertical="travel")
    result = ShopTravelBuilder(base_url=live_server.url).create_session(order)
    assert result.payload["merchant_url"]["notification"] == f"{live_server.url}/tamara/webhooks/"
    tamara_simulator.approve(str(result.order.order_id))
    order.refresh_from_db()
    assert order.status == "authorised"


@pytest.mark.parametrize(
    "signal, tamara_status, expected",
    [
        (signals.order_declined, "declined", "declined"),
        (signals.order_expired, "expired", "expired"),
        (signals.order_canceled, "canceled", "canceled"),
        (signals.order_authorised, "authorised", "authorised"),
        (signals.order_captured, "partially_captured", "partially_captured"),
        (signals.order_refunded, "fully_refunded", "fully_refunded"),
        (signals.order_updated, "updated", "pending"),  # a part-cancel keeps the shop's status
    ],
)
def test_each_signal_moves_the_shop_order(products, signal, tamara_status, expected):
    order = make_order(products)
    tamara = TamaraOrder.objects.create(
        order_id="6f0a7e52-3c41-4d8e-9f5b-0c2a1d3e4f50",
        order_reference_id=order.reference,
        currency="SAR",
        total_amount=Decimal("553"),
        status=tamara_status,
    )
    signal.send(sender=TamaraOrder, order=tamara, transaction=None)
    order.refresh_from_db()
    assert order.status == expected
    assert order.events.count() == 1


def test_a_late_signal_does_not_move_the_shop_order_back(products):
    order = make_order(products, status=ShopOrder.Status.FULLY_CAPTURED)
    tamara = TamaraOrder.objects.create(
        order_id="6f0a7e52-3c41-4d8e-9f5b-0c2a1d3e4f52",
        order_reference_id=order.reference,
        currency="SAR",
        total_amount=Decimal("553"),
        captured_amount=Decimal("553"),
        status="fully_captured",
    )
    signals.order_authorised.send(sender=TamaraOrder, order=tamara, transaction=None)
    order.refresh_from_db()
    assert order.status == "fully_captured"
    assert order.events.count() == 1  # still noted in the history


def test_signals_for_an_order_of_another_app_are_ignored(products):
    tamara = TamaraOrder.objects.create(
        order_id="6f0a7e52-3c41-4d8e-9f5b-0c2a1d3e4f51",
        order_reference_id="NOT-OURS",
        currency="SAR",
        total_amount=Decimal("10"),
        status="authorised",
    )
    signals.order_authorised.send(sender=TamaraOrder, order=tamara, transaction=None)
    assert not ShopOrder.objects.exists()


def test_failure_page_shows_the_order_and_offers_to_retry(client, products):
    order = make_order(products, status=ShopOrder.Status.DECLINED)
    body = client.get(f"/checkout/failed/?reference={order.reference}").content.decode()
    assert "Payment failed" in body and "Payment declined" in body
    assert "Payment canceled" in client.get(f"/checkout/canceled/?reference={order.reference}").content.decode()
    # An unknown or unfilled reference still gives a page, not an error.
    assert client.get("/checkout/failed/?reference={order_reference_id}").status_code == 200
    client.post(f"/orders/{order.reference}/retry/")
    assert len(client.session[SESSION_KEY]) == 2


# The widget tag ----------------------------------------------------------------------------


def render(source: str, context: dict | None = None) -> str:
    return engines["django"].from_string("{% load tamara %}" + source).render(context or {})


def test_widget_renders_the_element_config_and_script():
    html = render("{% tamara_widget amount %}", {"amount": Decimal("1234.5")})
    assert '<tamara-widget type="tamara-summary" amount="1234.50" inline-type="2"></tamara-widget>' in html
    config = html.split("window.tamaraWidgetConfig = ", 1)[1].split(";</script>", 1)[0]
    assert json.loads(config) == {"lang": "en", "country": "SA", "publicKey": "sandbox-public-key"}
    assert '<script src="http://127.0.0.1:8001/widget-v2/tamara-widget.js" defer></script>' in html
    assert html.index("tamaraWidgetConfig") < html.index("<script src=") < html.index("<tamara-widget")


def test_widget_options_and_quantisation():
    source = '{% tamara_widget a inline_type=3 type="tamara-card-snippet" %}{% tamara_widget b currency="KWD" %}'
    html = render(source, {"a": 10, "b": "1.23456"})
    assert '<tamara-widget type="tamara-card-snippet" amount="10.00" inline-type="3">' in html
    assert 'amount="1.235"' in html
    assert html.count("<script src=") == 1
    assert widget_amount(Money("7.5", "BHD")) == "7.500"


def test_widget_config_and_script_are_emitted_once_per_page_even_across_includes():
    templates = {
        "page.html": "{% load tamara %}{% tamara_widget 5 %}{% include 'part.html' %}{% include 'part.html' only %}",
        "part.html": "{% load tamara %}{% tamara_widget 7 %}",
    }
    with override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", templates)]},
            }
        ]
    ):
        from django.template.loader import get_template

        html = get_template("page.html").render({})
        assert html.count("<tamara-widget") == 3
        assert html.count("tamaraWidgetConfig") == 1 and html.count("<script src=") == 1
        # A second render of the same template is a new page: it gets its own script.
        assert get_template("page.html").render({}).count("<script src=") == 1


@pytest.mark.parametrize(
    "amount", ["<script>alert(1)</script>", '1" onmouseover="alert(1)', "-5", "NaN", None, "", [1]]
)
def test_widget_renders_nothing_for_what_is_not_an_amount(amount):
    assert render("{% tamara_widget amount %}", {"amount": amount}) == ""


def test_widget_settings_cannot_break_out_of_the_script(settings):
    settings.TAMARA = {
        **settings.TAMARA,
        "PUBLIC_KEY": "</script><script>alert('x')</script>",
        "WIDGET_URL": 'https://cdn.example/w.js"><script>alert(1)</script>',
    }
    html = render("{% tamara_widget 100 %}")
    assert "</script><script>alert" not in html
    assert "\\u003C/script\\u003E" in html
    assert '"><script>' not in html and "&quot;&gt;&lt;script&gt;" in html
    config = html.split("window.tamaraWidgetConfig = ", 1)[1].split(";</script>", 1)[0]
    assert json.loads(config)["publicKey"] == "</script><script>alert('x')</script>"


def test_widget_language_follows_the_active_language():
    from django.utils import translation

    with translation.override("ar"):
        assert widget_config()["lang"] == "ar"
        assert '"lang": "ar"' in render("{% tamara_widget 100 %}")
    assert widget_config("en-us")["lang"] == "en"
    assert '"lang": "ar"' in render('{% tamara_widget 100 lang="ar" %}')
