"""Oscar's checkout with Tamara, through Oscar's real pages and the simulator (issue #16).

The redirect view opens the session for the frozen basket; the return view places the Oscar
order only once Tamara has authorised it, once, from the frozen basket; a decline or cancel
gives the basket back with the reason. Nothing here trusts the query string.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from oscar.core.loading import get_model

from django_tamara import lifecycle
from django_tamara.contrib.oscar.session import SESSION_KEY
from django_tamara.models import TamaraOrder

from .oscar_shop.fixtures import (
    PHONE,
    check_out,
    fill_basket,
    make_shop,
    pay_with_tamara,
    start_payment,
)

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")


def the_tamara_order(client) -> TamaraOrder:
    return TamaraOrder.objects.get(order_id=client.session[SESSION_KEY])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def back_from_tamara(client, name: str = "return", **query):
    return client.get(reverse(f"tamara_oscar:{name}"), query)


def test_paying_opens_a_session_for_the_frozen_basket_with_oscars_order_number(client, oscar_shop, tamara_simulator):
    response = start_payment(client, oscar_shop, quantity=2)

    tamara = the_tamara_order(client)
    assert response["Location"] == tamara.checkout_url
    basket = Basket.objects.get()
    assert basket.status == Basket.FROZEN
    assert tamara.shop_order == basket and tamara.order_reference_id == str(100000 + basket.pk)
    sent = tamara_simulator.get_order(str(tamara.order_id))
    assert sent["total_amount"] == {"amount": 723.0, "currency": "SAR"}  # 2 x 349.00 + 25.00 shipping
    assert sent["shipping_amount"]["amount"] == 25.0
    assert [(i["sku"], i["quantity"], i["total_amount"]["amount"]) for i in sent["items"]] == [("OUD-1", 2, 698.0)]
    assert sent["consumer"]["email"] == "mona@example.com" and sent["consumer"]["phone_number"] == PHONE
    assert sent["shipping_address"]["city"] == "Riyadh" and sent["shipping_address"]["country_code"] == "SA"
    urls = sent["merchant_url"]
    assert urls["success"] == "http://testserver/checkout/tamara/return/"
    assert urls["failure"] == "http://testserver/checkout/tamara/failure/"
    assert urls["cancel"] == "http://testserver/checkout/tamara/cancel/"
    assert urls["notification"] == "http://testserver/tamara/webhooks/"
    assert not Order.objects.exists()


def test_the_return_places_the_order_once_tamara_has_authorised_it(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.approve(str(tamara.order_id))

    response = back_from_tamara(client, orderId=str(tamara.order_id), paymentStatus="approved")

    assert response.status_code == 302 and response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    tamara.refresh_from_db()
    assert tamara.status == "authorised"
    assert order.number == tamara.order_reference_id and order.total_incl_tax == Decimal("374.00")
    assert order.guest_email == "mona@example.com"
    source = Source.objects.get(order=order)
    assert (source.source_type.name, source.currency, source.reference) == ("Tamara", "SAR", str(tamara.order_id))
    assert (source.amount_allocated, source.amount_debited, source.amount_refunded) == (Decimal("374.00"), 0, 0)
    [authorise] = source.transactions.all()
    assert (authorise.txn_type, authorise.amount, authorise.reference) == (
        "Authorise",
        Decimal("374.00"),
        str(tamara.order_id),
    )
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200 and order.number in page.content.decode()

    # Reloading the return URL places nothing more: it shows the same order.
    again = back_from_tamara(client, orderId=str(tamara.order_id))
    assert again.status_code == 302 and again["Location"] == reverse("checkout:thank-you")
    assert Order.objects.count() == 1 and Source.objects.count() == 1 and Transaction.objects.count() == 1


def test_a_forged_order_id_changes_nothing(client, oscar_shop, tamara_simulator, django_user_model):
    start_payment(client, oscar_shop)
    mine = the_tamara_order(client)

    # Another customer's order, approved at Tamara: naming it in the URL must not place ours.
    other = make_other_approved_order(tamara_simulator)
    response = back_from_tamara(client, orderId=str(other.order_id), paymentStatus="approved")

    assert response.status_code == 200  # ours is not approved: the waiting page
    assert b'data-status="new"' in response.content
    assert not Order.objects.exists()
    other.refresh_from_db()
    mine.refresh_from_db()
    assert (other.status, mine.status) == ("approved", "new")  # neither synced nor authorised by it
    assert Basket.objects.get(pk=mine.object_id).status == Basket.FROZEN

    # Without a payment in this session, any orderId leads back to the basket.
    stranger = client_class()()
    response = back_from_tamara(stranger, orderId=str(other.order_id), paymentStatus="approved")
    assert response.status_code == 302 and response["Location"] == reverse("basket:summary")
    assert texts(response) == ["No Tamara payment is in progress for this checkout."]
    other.refresh_from_db()
    assert other.status == "approved" and not Order.objects.exists()


def client_class():
    from django.test import Client

    return Client


def make_other_approved_order(tamara_simulator) -> TamaraOrder:
    from django_tamara.testing import sample_checkout_payload

    result = lifecycle.create_session(sample_checkout_payload(order_reference_id="OTHER-1"))
    tamara_simulator.approve(str(result.order.order_id))
    lifecycle.sync(result.order)
    return result.order


def test_a_decline_gives_the_basket_back_with_the_reason(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.decline(str(tamara.order_id))

    response = back_from_tamara(client, "failure", orderId=str(tamara.order_id), paymentStatus="declined")

    assert response.status_code == 302 and response["Location"] == reverse("basket:summary")
    assert texts(response) == [
        "Tamara declined the payment - no payment has been taken. Please choose another way to pay."
    ]
    tamara.refresh_from_db()
    assert tamara.status == "declined" and not Order.objects.exists()
    basket = Basket.objects.get(pk=tamara.object_id)
    assert basket.status == Basket.OPEN and basket.num_items == 1
    assert SESSION_KEY not in client.session
    page = client.get(reverse("basket:summary"))
    assert page.context["basket"].pk == basket.pk  # the customer's basket again

    # The success URL typed by hand afterwards places nothing.
    response = back_from_tamara(client, orderId=str(tamara.order_id), paymentStatus="approved")
    assert response["Location"] == reverse("basket:summary") and not Order.objects.exists()


def test_the_return_of_a_declined_order_gives_the_basket_back_too(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.decline(str(tamara.order_id))

    response = back_from_tamara(client, orderId=str(tamara.order_id), paymentStatus="approved")

    assert response["Location"] == reverse("basket:summary")
    assert "Tamara declined the payment" in texts(response)[0]
    assert Basket.objects.get(pk=tamara.object_id).status == Basket.OPEN and not Order.objects.exists()


def test_a_cancel_at_tamara_gives_the_basket_back(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)

    response = back_from_tamara(client, "cancel", orderId=str(tamara.order_id))

    assert response["Location"] == reverse("basket:summary")
    assert texts(response) == ["Tamara payment cancelled - no payment has been taken."]
    assert Basket.objects.get(pk=tamara.object_id).status == Basket.OPEN and not Order.objects.exists()


def test_a_cancel_url_of_an_approved_order_places_it_instead(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.approve(str(tamara.order_id))

    response = back_from_tamara(client, "cancel", orderId=str(tamara.order_id))

    assert response["Location"] == reverse("tamara_oscar:return")
    assert client.get(response["Location"])["Location"] == reverse("checkout:thank-you")
    assert Order.objects.count() == 1


def test_a_cancel_after_the_order_was_placed_does_not_reopen_its_basket(client, oscar_shop, tamara_simulator):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.approve(str(tamara.order_id))
    back_from_tamara(client)
    order = Order.objects.get()

    back_from_tamara(client, "cancel", orderId=str(tamara.order_id))

    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED


def test_an_empty_basket_never_reaches_tamara(client, oscar_shop, tamara_simulator):
    response = pay_with_tamara(client)

    assert response.status_code == 302 and response["Location"] == reverse("basket:summary")
    assert texts(response) == ["You need to add some items to your cart to checkout"]  # Oscar's own words
    assert not TamaraOrder.objects.exists() and not tamara_simulator.orders()


def test_a_basket_without_shipping_details_never_reaches_tamara(client, oscar_shop, tamara_simulator):
    fill_basket(client, oscar_shop)
    response = pay_with_tamara(client)

    assert response.status_code == 302 and response["Location"] == reverse("checkout:index")
    assert not TamaraOrder.objects.exists() and not tamara_simulator.orders()


def test_a_price_changed_while_at_tamara_cancels_the_authorisation_and_places_nothing(
    client, oscar_shop, tamara_simulator
):
    start_payment(client, oscar_shop)
    tamara = the_tamara_order(client)
    tamara_simulator.approve(str(tamara.order_id))
    oscar_shop.stockrecord.price = Decimal("399.00")
    oscar_shop.stockrecord.save()

    response = back_from_tamara(client)

    assert response.status_code == 200  # Oscar's payment-details page, with the error and the button
    assert response.context["error"].startswith(
        "The total of your basket changed while you were at Tamara (Tamara authorised 374.00 SAR, "
        "the basket now comes to 424.00 SAR), so the order was not placed."
    )
    assert "Tamara's authorisation was cancelled" in response.context["error"]
    assert b'id="pay-with-tamara"' in response.content
    assert not Order.objects.exists() and not Source.objects.exists()
    tamara.refresh_from_db()
    assert tamara.status == "canceled" and tamara.canceled_amount == Decimal("374.00")
    assert tamara_simulator.get_order(str(tamara.order_id))["status"] == "canceled"
    assert Basket.objects.get(pk=tamara.object_id).status == Basket.OPEN


def test_a_basket_tamara_cannot_take_is_refused_with_the_reason_and_thawed(
    client, oscar_shop, tamara_simulator, settings
):
    # A shop that does not ask for the phone number Tamara needs.
    settings.OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line4", "postcode", "country")
    fill_basket(client, oscar_shop)
    check_out(client, address={**ADDRESS_WITHOUT_PHONE})
    response = pay_with_tamara(client)

    assert response.status_code == 200
    assert response.context["error"] == (
        "Tamara cannot take this payment (consumer.phone_number: This field is required.; "
        "shipping_address.phone_number: This field is required.)."
    )
    assert Basket.objects.get().status == Basket.OPEN
    assert not TamaraOrder.objects.exists() and not tamara_simulator.orders()


ADDRESS_WITHOUT_PHONE = {
    "first_name": "Mona",
    "last_name": "Lisa",
    "line1": "3764 Al Urubah Rd",
    "line4": "Riyadh",
    "postcode": "12271",
    "phone_number": "",
}


@pytest.mark.parametrize("currency", ["KWD", "GBP"])
def test_a_basket_in_a_currency_oscar_or_tamara_cannot_hold_is_refused_by_name(
    client, django_user_model, tamara_simulator, settings, currency
):
    settings.OSCAR_DEFAULT_CURRENCY = currency
    shop = make_shop(django_user_model, currency=currency)
    fill_basket(client, shop)
    check_out(client)
    response = pay_with_tamara(client)

    assert response.status_code == 200
    expected = {
        "KWD": "Tamara counts KWD in 3 decimal places, but django-oscar stores prices and payments with 2, "
        "so a KWD basket cannot be paid with Tamara here.",
        "GBP": "Tamara does not take payments in GBP; it takes SAR, AED, BHD, KWD, OMR.",
    }[currency]
    assert response.context["error"] == expected
    assert Basket.objects.get().status == Basket.OPEN
    assert not TamaraOrder.objects.exists() and not tamara_simulator.orders()


def test_tamara_refusing_the_session_thaws_the_basket_with_oscars_message(client, oscar_shop, tamara_simulator):
    import requests

    fill_basket(client, oscar_shop)
    check_out(client)
    requests.post(
        f"{tamara_simulator.url}/simulator/faults",
        json={"path": "/checkout", "action": "error_500", "count": 5},
        timeout=5,
    ).raise_for_status()
    response = pay_with_tamara(client)

    assert response.status_code == 200
    assert response.context["error"].startswith(
        "A problem occurred while processing payment for this order - no payment has been taken."
    )
    assert Basket.objects.get().status == Basket.OPEN and not TamaraOrder.objects.exists()


def test_an_unknown_session_order_id_is_not_a_500(client, oscar_shop):
    session = client.session
    session[SESSION_KEY] = "not-a-uuid"
    session.save()
    assert back_from_tamara(client)["Location"] == reverse("basket:summary")
    session[SESSION_KEY] = str(uuid.uuid4())
    session.save()
    assert back_from_tamara(client)["Location"] == reverse("basket:summary")
    assert back_from_tamara(client, "failure")["Location"] == reverse("basket:summary")
