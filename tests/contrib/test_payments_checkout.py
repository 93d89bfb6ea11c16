"""get_form(): the payload from the Payment, one session per payment, and what is refused.

Every test opens its checkout at the simulator (a real HTTP Tamara); nothing of the app's
client is mocked.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import checks
from django.test import override_settings
from payments import PaymentError, PaymentStatus, RedirectNeeded

from django_tamara.contrib.payments.checks import check_payment_model
from django_tamara.exceptions import PayloadInvalid, ServerError
from django_tamara.models import TamaraOrder
from tests.contrib.payments_shop.models import TwoDecimalPayment

pytestmark = pytest.mark.django_db(transaction=True)


def checkout_calls(sim) -> int:
    return sum(1 for e in sim.journal(kind="api") if e["method"] == "POST" and e["path"] == "/checkout")


def test_get_form_opens_a_checkout_built_from_the_payment_and_redirects_to_it(tamara_simulator, open_checkout):
    payment, order, url = open_checkout(total="250.00", tax="15.00", delivery="10.00")

    assert url == order.checkout_url and url.startswith(tamara_simulator.url)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING
    assert payment.transaction_id == str(order.order_id)
    assert order.shop_order == payment and order.order_reference_id == payment.token

    sent = tamara_simulator.get_order(str(order.order_id))
    process_url = f"http://{_host()}{payment.get_process_url()}"
    assert sent["merchant_url"] == {
        "success": process_url,
        "failure": process_url,
        "cancel": process_url,
        "notification": f"http://{_host()}/tamara/webhooks/",
    }
    assert sent["total_amount"] == {"amount": 250.0, "currency": "SAR"}
    assert sent["tax_amount"]["amount"] == 15.0 and sent["shipping_amount"]["amount"] == 10.0
    [item] = sent["items"]
    assert (item["sku"], item["quantity"], item["total_amount"]["amount"]) == ("COFFEE-1", 1, 225.0)
    assert sent["consumer"]["phone_number"] == "+966502223333"
    assert sent["shipping_address"]["city"] == "Riyadh"


def _host() -> str:
    import payments.core

    return str(payments.core.PAYMENT_HOST)


def test_a_second_get_form_goes_back_to_the_same_checkout(tamara_simulator, open_checkout):
    payment, order, url = open_checkout()
    with pytest.raises(RedirectNeeded) as again:
        payment.get_form()
    assert str(again.value) == url
    assert checkout_calls(tamara_simulator) == 1 and TamaraOrder.objects.count() == 1


def test_get_form_past_the_checkout_sends_the_customer_to_the_process_url(tamara_simulator, open_checkout, client):
    payment, order, _ = open_checkout()
    tamara_simulator.decline(str(order.order_id))
    with pytest.raises(RedirectNeeded) as again:
        payment.get_form()  # the order is still "new" here: the customer has not come back yet
    assert str(again.value) == order.checkout_url
    client.get(payment.get_process_url())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REJECTED
    with pytest.raises(RedirectNeeded) as after:
        payment.get_form()
    assert str(after.value).endswith(payment.get_process_url())
    assert checkout_calls(tamara_simulator) == 1


def test_a_payload_tamaras_rules_refuse_makes_the_payment_error_and_names_the_field(tamara_simulator, make_payment):
    payment = make_payment(billing_phone="")
    with pytest.raises(PaymentError) as refused:
        payment.get_form()
    assert "consumer.phone_number" in str(refused.value)
    assert isinstance(refused.value.__cause__, PayloadInvalid)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ERROR and "consumer.phone_number" in payment.message
    assert checkout_calls(tamara_simulator) == 0 and not TamaraOrder.objects.exists()


def test_a_total_that_its_parts_do_not_add_up_to_is_refused_before_tamara(tamara_simulator, make_payment):
    payment = make_payment(total="100.00", lines=[{"name": "Dates", "sku": "D-1", "quantity": 2, "price": "40.00"}])
    with pytest.raises(PaymentError, match=r"total_amount: Expected 80\.00 SAR"):
        payment.get_form()
    assert checkout_calls(tamara_simulator) == 0


def test_tamara_failing_makes_the_payment_error_with_its_answer(tamara_simulator, make_payment):
    tamara_simulator.inject_fault("/checkout", "error_500")
    payment = make_payment()
    with pytest.raises(PaymentError) as refused:
        payment.get_form()
    assert refused.value.code == 500 and isinstance(refused.value.__cause__, ServerError)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ERROR and "HTTP 500" in payment.message
    assert not payment.transaction_id


def test_three_decimal_currencies_are_exact_on_a_model_with_three_decimals(tamara_simulator, open_checkout):
    payment, order, _ = open_checkout(currency="KWD", total="12.345")
    assert order.total_amount == Decimal("12.345") and order.currency == "KWD"
    assert tamara_simulator.get_order(str(order.order_id))["total_amount"] == {"amount": 12.345, "currency": "KWD"}


@pytest.mark.parametrize("currency", ["KWD", "BHD", "OMR"])
def test_a_three_decimal_currency_is_refused_on_a_model_with_two(tamara_simulator, make_payment, currency):
    payment = make_payment(currency=currency, total="12.34", model=TwoDecimalPayment)
    with pytest.raises(PaymentError) as refused:
        payment.get_form()
    message = str(refused.value)
    assert f"{currency} amounts have 3 decimal places" in message
    for field in ("TwoDecimalPayment.total", "TwoDecimalPayment.captured_amount", "decimal_places=3"):
        assert field in message
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.WAITING and not payment.transaction_id  # nothing changed
    assert checkout_calls(tamara_simulator) == 0


def test_a_two_decimal_currency_is_fine_on_a_model_with_two(tamara_simulator, make_payment):
    payment = make_payment(currency="SAR", total="99.50", model=TwoDecimalPayment)
    with pytest.raises(RedirectNeeded):
        payment.get_form()
    assert TamaraOrder.objects.get(order_id=payment.transaction_id).total_amount == Decimal("99.50")


def test_a_currency_tamara_does_not_take_is_refused(tamara_simulator, make_payment):
    payment = make_payment(currency="USD", total="10.00")
    with pytest.raises(PaymentError, match="Payment.currency: unknown currency 'USD'"):
        payment.get_form()
    assert checkout_calls(tamara_simulator) == 0


def test_the_system_check_warns_about_a_payment_model_with_two_decimals():
    assert check_payment_model() == []
    with override_settings(PAYMENT_MODEL="payments_shop.TwoDecimalPayment"):
        [warning] = check_payment_model()
        assert "django_tamara.payments.W001" in [m.id for m in checks.run_checks()]
    assert warning.id == "django_tamara.payments.W001" and warning.level == checks.WARNING
    assert "payments_shop.TwoDecimalPayment.total, .delivery, .tax, .captured_amount" in warning.msg
    assert "BHD, KWD, OMR" in warning.msg and "decimal_places=3" in warning.hint


def test_the_static_callback_of_the_variant_is_a_clear_400(client):
    response = client.post("/payments/process/tamara/", data="{}", content_type="application/json")
    assert response.status_code == 400
    assert "tamara:webhook" in response.json()["error"]
