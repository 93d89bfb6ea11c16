"""Money moves once when Tamara is slow: an unanswered capture, refund or cancel is "not confirmed" (#12).

Tamara here is the simulator with its ``delay`` fault: it sleeps past the client's read
timeout and *then* processes the request, as a slow Tamara does. The operator, told the
action was not confirmed, tries again at once from the admin; Tamara must end with one
capture (one refund), and the shop's ledger must equal Tamara's after the next sync.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests
from django.core.management import call_command

from django_tamara import lifecycle
from django_tamara.client import ShippingInfo, get_client
from django_tamara.exceptions import NotConfirmed, OrderHeld, TamaraTimeout
from django_tamara.models import Capture, Intent, OrderAction, Refund, TamaraOrder, WebhookEvent
from django_tamara.money import Money
from django_tamara.webhooks.processing import already_known

from .test_admin_support import action_url, change_url, make_order, make_staff, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="Aramex")
DELAY = 2.5  # seconds Tamara takes; the client gives up after READ_TIMEOUT (1 s here)


@pytest.fixture
def slow_tamara(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "READ_TIMEOUT": 1.0, "MAX_RETRIES": 0}
    return tamara_simulator


@pytest.fixture
def staff(client):
    user = make_staff()
    client.force_login(user)
    return user


def delay(sim, path: str) -> None:
    requests.post(
        f"{sim.url}/simulator/faults", json={"path": path, "action": "delay", "delay": DELAY, "count": 1}, timeout=5
    ).raise_for_status()


def calls(sim, path_part: str) -> int:
    return sum(
        1
        for e in sim.journal()
        if e.get("kind") == "api" and e.get("method") == "POST" and path_part in e.get("path", "")
    )


def tamara_ledger(order: TamaraOrder) -> tuple[list[Decimal], list[Decimal], dict]:
    data = get_client().get_order(str(order.order_id))
    txs = data.get("transactions") or {}
    return (
        [Decimal(str(c["total_amount"]["amount"])) for c in txs.get("captures") or []],
        [Decimal(str(r["total_amount"]["amount"])) for r in txs.get("refunds") or []],
        data,
    )


def post_form(client, order, kind: str, **data):
    page = client.get(action_url(order, kind))
    assert page.status_code == 200
    form = page.context["form"]
    body = {"form_token": form.token, "seen": str(form.initial.get("seen", "")), **data}
    return page, client.post(action_url(order, kind), body, follow=True)


def wait_until_tamara_has(order, *, captures: int = 0, refunds: int = 0, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c, r, _ = tamara_ledger(order)
        if len(c) >= captures and len(r) >= refunds:
            return
        time.sleep(0.2)
    pytest.fail("Tamara never processed the delayed request")


def test_capture_delayed_past_the_read_timeout_then_retried_at_once_captures_once(slow_tamara, client, staff):
    order = make_order(slow_tamara)
    delay(slow_tamara, "/payments/capture")
    _, first = post_form(client, order, "capture", amount="50", shipping_company="SMSA", shipped_at="2026-11-23 10:00")
    assert first.redirect_chain == [(change_url(order), 302)]
    [(level, text)] = messages_of(first)
    assert level == "warning" and "not confirmed the capture of 50.00 SAR" in text and "Do not try again" in text
    assert "nothing was captured" not in text

    # The operator tries again at once: the order is held, Tamara is not called.
    page, second = post_form(
        client, order, "capture", amount="50", shipping_company="SMSA", shipped_at="2026-11-23 10:00"
    )
    assert "Tamara has not confirmed the capture of 50.00 SAR" in page.context["reason"]
    assert "Tamara has not confirmed the capture" in second.context["error"]
    with pytest.raises(OrderHeld):
        lifecycle.capture(order, Money("50", "SAR"), shipping_info=SHIPPING)
    with pytest.raises(OrderHeld):
        lifecycle.cancel(order, Money("10", "SAR"))

    wait_until_tamara_has(order, captures=1)
    call_command("tamara_sync", "--stuck", "--retry-events", verbosity=0)  # the next scheduled run
    captures, _, data = tamara_ledger(order)
    assert captures == [Decimal("50")] and calls(slow_tamara, "/payments/capture") == 1
    order.refresh_from_db()
    assert [c.amount for c in Capture.objects.filter(order=order)] == captures
    assert order.captured_amount == Decimal(str(data["captured_amount"]["amount"])) == Decimal("50")
    intent = Intent.objects.get(order=order)
    assert intent.state == "confirmed" and intent.tamara_id == Capture.objects.get(order=order).capture_id
    outcomes = list(OrderAction.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["done", "skipped"]  # the first attempt, settled; the refused retry

    # Settled: the rest can be captured again.
    lifecycle.capture(order, shipping_info=SHIPPING)
    order.refresh_from_db()
    assert order.captured_amount == order.total_amount


def test_refund_delayed_past_the_read_timeout_then_retried_at_once_refunds_once(slow_tamara, client, staff):
    order = make_order(slow_tamara)
    lifecycle.capture(order, shipping_info=SHIPPING)
    delay(slow_tamara, "/payments/simplified-refund")
    _, first = post_form(client, order, "refund", amount="60", comment="damaged")
    [(level, text)] = messages_of(first)
    assert level == "warning" and "not confirmed the refund of 60.00 SAR" in text

    _, second = post_form(client, order, "refund", amount="60", comment="damaged")
    assert "Tamara has not confirmed the refund" in second.context["error"]

    wait_until_tamara_has(order, captures=1, refunds=1)
    call_command("tamara_sync", "--stuck", verbosity=0)
    _, refunds, data = tamara_ledger(order)
    assert refunds == [Decimal("60")] and calls(slow_tamara, "/payments/simplified-refund") == 1
    order.refresh_from_db()
    assert [r.amount for r in Refund.objects.filter(order=order)] == refunds
    assert order.refunded_amount == Decimal("60")
    intent = Intent.objects.get(order=order, kind="refund")
    refund = Refund.objects.get(order=order)
    # The refund carried the intent's merchant_refund_id: a repeat would be refused by Tamara itself.
    assert intent.state == "confirmed" and intent.merchant_refund_id.startswith("django-tamara-")
    assert refund.merchant_refund_id == intent.merchant_refund_id


def test_a_repeated_merchant_refund_id_is_refused_by_tamara(tamara_simulator):
    order = make_order(tamara_simulator)
    lifecycle.capture(order, shipping_info=SHIPPING)
    first = lifecycle.refund(order, Money("10", "SAR"), comment="one")
    with pytest.raises(Exception) as info:
        get_client().simplified_refund(
            str(order.order_id), Money("10", "SAR"), "again", merchant_refund_id=first.merchant_refund_id
        )
    assert "merchant_refund_id" in str(info.value)


def test_the_echo_webhook_of_an_unconfirmed_capture_settles_it(slow_tamara):
    """Processing an event re-fetches the order while an attempt is open, even an echo it would skip."""
    order = make_order(slow_tamara)
    delay(slow_tamara, "/payments/capture")
    with pytest.raises(NotConfirmed) as info:
        lifecycle.capture(order, Money("40", "SAR"), shipping_info=SHIPPING)
    assert isinstance(info.value.cause, TamaraTimeout)
    wait_until_tamara_has(order, captures=1)
    capture_id = get_client().get_order(str(order.order_id))["transactions"]["captures"][0]["capture_id"]
    event = WebhookEvent(
        order=order,
        event_type="order_captured",
        body=f'{{"order_id": "{order.order_id}", "data": {{"capture_id": "{capture_id}"}}}}',
    )
    order.refresh_from_db()
    assert already_known(order, event) is False
    lifecycle.sync(order)
    assert Intent.objects.get(order=order).state == "confirmed"
    assert already_known(order, event) is True


def test_the_scheduled_run_settles_an_attempt_whose_process_died(tamara_simulator, settings):
    """The intent committed, the call reached Tamara, then the process died: nothing was recorded here."""
    order = make_order(tamara_simulator)
    intent = lifecycle.open_intent(order, Intent.Kind.CAPTURE, Money("70", "SAR"))
    get_client().capture_order(str(order.order_id), intent.money, SHIPPING)  # ... and then nothing
    assert order.captured_amount == 0
    with pytest.raises(OrderHeld):
        lifecycle.capture(order, Money("70", "SAR"), shipping_info=SHIPPING)
    call_command("tamara_sync", "--stuck", verbosity=0)
    order.refresh_from_db()
    intent.refresh_from_db()
    assert intent.state == "confirmed" and order.captured_amount == Decimal("70")

    # One that never reached Tamara: held until the window passes, then settled as not made.
    other = make_order(tamara_simulator)
    lost = lifecycle.open_intent(other, Intent.Kind.CANCEL, Money("20", "SAR"))
    call_command("tamara_sync", "--stuck", verbosity=0)
    lost.refresh_from_db()
    assert lost.state == "sent"
    settings.TAMARA = {**settings.TAMARA, "SETTLE_WINDOW_SECONDS": 0}
    call_command("tamara_sync", "--stuck", verbosity=0)
    lost.refresh_from_db()
    assert lost.state == "absent" and lost.settled_at is not None
    lifecycle.cancel(other, Money("20", "SAR"))


def test_the_database_refuses_a_second_unsettled_attempt(tamara_simulator):
    from django.db import IntegrityError

    order = make_order(tamara_simulator)
    lifecycle.open_intent(order, Intent.Kind.CAPTURE, Money("10", "SAR"))
    with pytest.raises(IntegrityError):
        Intent.objects.create(order=order, kind="refund", amount=Decimal("5"), currency="SAR")


def test_the_attempts_list_shows_the_held_orders(tamara_simulator, client):
    client.force_login(make_staff(perms=("view_tamaraorder", "view_intent")))
    order = make_order(tamara_simulator)
    lifecycle.open_intent(order, Intent.Kind.CAPTURE, Money("70", "SAR"))
    response = client.get("/admin/django_tamara/intent/?state__exact=sent")
    assert response.status_code == 200
    html = response.content.decode()
    assert order.order_reference_id in html and "70.00" in html
    assert client.get("/admin/django_tamara/intent/add/").status_code == 403


@pytest.mark.parametrize("amount", ["20", None])  # part of the order, and all of it
def test_a_cancel_delayed_past_the_read_timeout_is_settled_by_the_next_sync(slow_tamara, amount):
    order = make_order(slow_tamara)
    delay(slow_tamara, "^/orders/[^/]+/cancel$")
    with pytest.raises(NotConfirmed):
        lifecycle.cancel(order, Money(amount, "SAR") if amount else None)
    with pytest.raises(OrderHeld):
        lifecycle.capture(order, shipping_info=SHIPPING)
    time.sleep(DELAY)
    lifecycle.sync(order)
    intent = Intent.objects.get(order=order)
    assert intent.state == "confirmed", intent.message
    order.refresh_from_db()
    assert order.canceled_amount == (Decimal(amount) if amount else order.total_amount)
