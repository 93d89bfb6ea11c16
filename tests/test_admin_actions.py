"""Admin actions against the simulator: intermediate forms, amounts, audit, double submission, bulk runs."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings

from django_tamara import lifecycle
from django_tamara.client import ShippingInfo
from django_tamara.models import Capture, OrderAction, Refund, TamaraOrder
from django_tamara.money import Money

from .test_admin_support import ORDERS, action_url, change_url, fake_orders, make_order, make_staff, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="Aramex")


@pytest.fixture
def staff(client):
    user = make_staff()
    client.force_login(user)
    return user


def calls(sim, path_part: str) -> int:
    return sum(1 for e in sim.journal() if e.get("kind") == "api" and path_part in e.get("path", ""))


def open_form(client, order, kind):
    response = client.get(action_url(order, kind))
    assert response.status_code == 200
    return response.context["form"]


def capture_data(form, amount="60", **extra):
    return {
        "form_token": form.token,
        "seen": str(form.initial["seen"]),
        "amount": amount,
        "shipping_company": "SMSA",
        "tracking_number": "TRK-1",
        "tracking_url": "",
        "shipped_at": "",
        **extra,
    }


def fault(sim, path, action="error_500", count=1):
    requests.post(
        f"{sim.url}/simulator/faults", json={"path": path, "action": action, "count": count}, timeout=5
    ).raise_for_status()


# One order ------------------------------------------------------------------------------------------


def test_capture_form_shows_what_is_left_and_captures_part(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    assert form.initial["amount"] == order.capturable.amount == Decimal("160.00")
    response = client.get(action_url(order, "capture"))
    html = response.content.decode()
    assert (
        'id="tamara-confirm"' in html and 'name="shipping_company"' in html and "160.00 SAR is left to capture" in html
    )
    assert 'name="shipping_company" value' not in html  # empty and required, no placeholder value

    response = client.post(action_url(order, "capture"), capture_data(form), follow=True)

    assert response.redirect_chain == [(change_url(order), 302)]
    assert messages_of(response)[0][0] == "success" and "Captured 60.00 SAR" in messages_of(response)[0][1]
    order.refresh_from_db()
    assert order.status == "partially_captured" and order.captured_amount == Decimal("60")
    capture = Capture.objects.get(order=order)
    assert capture.shipping_info["shipping_company"] == "SMSA" and capture.shipping_info["tracking_number"] == "TRK-1"
    html = response.content.decode()
    assert capture.capture_id in html  # the inline
    record = OrderAction.objects.get()
    assert (record.user, record.action, record.outcome, record.amount, record.currency) == (
        staff,
        "capture",
        "done",
        Decimal("60"),
        "SAR",
    )
    assert capture.capture_id in record.message
    assert "Capture by staff: Done" in html  # the timeline


@pytest.mark.parametrize(
    "amount, error",
    [
        ("160.01", "At most 160.00 SAR is left."),
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("10.005", "SAR amounts have at most 2 decimals."),
        ("abc", "Enter a number."),
    ],
)
def test_capture_amount_is_validated_before_calling_tamara(tamara_simulator, client, staff, amount, error):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    before = calls(tamara_simulator, "/payments/capture")
    response = client.post(action_url(order, "capture"), capture_data(form, amount=amount))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["amount"])
    assert calls(tamara_simulator, "/payments/capture") == before
    assert not OrderAction.objects.exists()


def test_capture_needs_a_shipping_company(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    response = client.post(action_url(order, "capture"), capture_data(form, shipping_company=""))
    assert response.context["form"].errors["shipping_company"] == ["This field is required."]


def test_refund_part_then_cancel_another_order(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    lifecycle.capture(order, Money("100", "SAR"), shipping_info=SHIPPING)
    form = open_form(client, order, "refund")
    assert form.initial["amount"] == Decimal("100.00")
    missing_comment = client.post(
        action_url(order, "refund"), {"form_token": form.token, "seen": "100.00", "amount": "25", "comment": ""}
    )
    assert "comment" in missing_comment.context["form"].errors
    response = client.post(
        action_url(order, "refund"),
        {"form_token": form.token, "seen": "100.00", "amount": "25", "comment": "one book returned"},
        follow=True,
    )
    assert messages_of(response)[0] == ("success", messages_of(response)[0][1])
    assert "Refunded 25.00 SAR" in messages_of(response)[0][1]
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("25") and refund.comment == "one book returned"

    other = make_order(tamara_simulator)
    form = open_form(client, other, "cancel")
    response = client.post(
        action_url(other, "cancel"),
        {"form_token": form.token, "seen": str(form.initial["seen"]), "amount": "160.00"},
        follow=True,
    )
    assert "Canceled 160.00 SAR" in messages_of(response)[0][1]
    other.refresh_from_db()
    assert other.status == "canceled"
    assert list(OrderAction.objects.order_by("id").values_list("action", "outcome")) == [
        ("refund", "done"),
        ("cancel", "done"),
    ]


def test_double_submission_captures_once(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    data = capture_data(form, amount="60")
    first = client.post(action_url(order, "capture"), data, follow=True)
    second = client.post(action_url(order, "capture"), data, follow=True)  # double click / back + submit

    assert "Captured 60.00 SAR" in messages_of(first)[0][1]
    assert messages_of(second)[0][0] == "warning" and "already submitted" in messages_of(second)[0][1]
    order.refresh_from_db()
    assert order.captured_amount == Decimal("60") and Capture.objects.count() == 1
    assert calls(tamara_simulator, "/payments/capture") == 1
    assert OrderAction.objects.count() == 1
    # The back button brings back the form's address (the script puts the token there): refused too.
    back = client.get(action_url(order, "capture") + f"?t={form.token}", follow=True)
    assert back.redirect_chain == [(change_url(order), 302)]
    assert "already submitted" in messages_of(back)[0][1]


def test_concurrent_double_submission_captures_once(tamara_simulator, staff):
    """Two requests with the same token at the same moment: the token's unique row lets one through."""
    order = make_order(tamara_simulator)
    browser = Client()
    browser.force_login(staff)
    form = open_form(browser, order, "capture")
    data = capture_data(form, amount="60")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        agent = Client()
        agent.force_login(staff)
        barrier.wait()
        try:
            statuses.append(agent.post(action_url(order, "capture"), data).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    order.refresh_from_db()
    assert order.captured_amount == Decimal("60") and Capture.objects.count() == 1
    assert calls(tamara_simulator, "/payments/capture") == 1
    assert OrderAction.objects.filter(form_token=form.token).count() == 1


def test_a_stale_form_is_refused_and_shown_again_with_what_is_left(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")  # shows 160.00 left
    lifecycle.capture(order, Money("100", "SAR"), shipping_info=SHIPPING)  # someone else, meanwhile
    response = client.post(action_url(order, "capture"), capture_data(form, amount="60"))
    assert response.status_code == 200
    assert "the order changed since the form was opened: 60.00 SAR is left now" in response.context["error"]
    assert response.context["form"].initial["amount"] == Decimal("60.00")
    assert response.context["form"].token != form.token
    assert response.context["form"].initial["shipping_company"] == "SMSA"  # what was typed is kept
    assert Capture.objects.count() == 1
    assert OrderAction.objects.get().outcome == "skipped"


def test_tamara_error_is_reported_and_recorded_never_a_500(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    # Answered 429 on every try (the client's retries included): Tamara said no, nothing moved.
    fault(tamara_simulator, "/payments/capture", "error_429", count=3)
    response = client.post(action_url(order, "capture"), capture_data(form))
    assert response.status_code == 200
    assert response.context["error"].startswith("Tamara answered: ")
    assert 'id="tamara-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.captured_amount == 0 and not Capture.objects.exists()
    record = OrderAction.objects.get()
    assert record.outcome == "failed" and "HTTP 429" in record.message and record.user == staff
    assert record.intent is not None and record.intent.state == "refused"


def test_a_5xx_is_not_confirmed_and_the_order_offers_only_check_with_tamara(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    form = open_form(client, order, "capture")
    fault(tamara_simulator, "/payments/capture", "error_500")
    response = client.post(action_url(order, "capture"), capture_data(form), follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]  # never the form again
    [(level, text)] = messages_of(response)
    assert level == "warning" and "has not confirmed the capture of 60.00 SAR" in text and "Do not try again" in text
    html = response.content.decode()
    assert 'id="tamara-held"' in html and 'id="tamara-action-check"' in html
    assert 'id="tamara-action-capture"' not in html and 'id="tamara-action-cancel"' not in html
    record = OrderAction.objects.get()
    assert record.outcome == "unconfirmed" and record.intent.state == "unconfirmed"

    # The capture form, opened anyway, says why it does not fit and Tamara is not called.
    page = client.get(action_url(order, "capture"))
    assert "Tamara has not confirmed the capture of 60.00 SAR" in page.context["reason"]
    again = client.post(action_url(order, "capture"), capture_data(page.context["form"]))
    assert "Tamara has not confirmed the capture" in again.context["error"]
    assert calls(tamara_simulator, "/payments/capture") == 1

    # Tamara shows nothing once the window has passed: checking settles it as not made.
    with override_settings(TAMARA={**settings.TAMARA, "SETTLE_WINDOW_SECONDS": 0}):
        checked = client.post(action_url(order, "check"), {"form_token": "c" * 32}, follow=True)
    [(level, text)] = messages_of(checked)
    assert level == "success" and "it was not made" in text
    record.refresh_from_db()
    assert record.outcome == "failed" and record.intent.state == "absent"
    assert 'id="tamara-action-capture"' in checked.content.decode()


def test_authorise_and_sync_post_from_the_change_page(tamara_simulator, client, staff):
    order = make_order(tamara_simulator, "approved")
    html = client.get(change_url(order)).content.decode()
    assert 'id="tamara-action-authorise"' in html and 'id="tamara-action-capture"' not in html
    response = client.post(action_url(order, "authorise"), {"form_token": "a" * 32}, follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]
    assert messages_of(response) == [("success", f"Order {order.order_reference_id} is now Authorised.")]
    order.refresh_from_db()
    assert order.status == "authorised"
    html = response.content.decode()
    assert 'id="tamara-action-authorise"' not in html and 'id="tamara-action-capture"' in html

    get_page = client.get(action_url(order, "sync"))
    assert 'id="tamara-confirm"' in get_page.content.decode()  # a short confirm page on GET
    response = client.post(action_url(order, "sync"), {"form_token": "b" * 32}, follow=True)
    assert messages_of(response)[0] == ("success", messages_of(response)[0][1])
    assert f"Order {order.order_reference_id} synced from Tamara" in messages_of(response)[0][1]
    assert list(OrderAction.objects.order_by("id").values_list("action", "outcome")) == [
        ("authorise", "done"),
        ("sync", "done"),
    ]


def test_authorise_on_a_new_order_is_skipped_with_the_reason(tamara_simulator, client, staff):
    order = make_order(tamara_simulator, "new")
    response = client.post(action_url(order, "authorise"), {"form_token": "c" * 32}, follow=True)
    level, text = messages_of(response)[0]
    assert level == "warning" and "skipped" in text and "not approved" in text
    assert OrderAction.objects.get().outcome == "skipped"


def test_update_reference_id(tamara_simulator, client, staff):
    order = make_order(tamara_simulator, reference="REF-OLD")
    form = open_form(client, order, "reference")
    assert form.initial["order_reference_id"] == "REF-OLD"
    same = client.post(action_url(order, "reference"), {"form_token": form.token, "order_reference_id": "REF-OLD"})
    assert same.context["form"].errors["order_reference_id"] == ["This is the current reference id."]
    response = client.post(
        action_url(order, "reference"), {"form_token": form.token, "order_reference_id": "REF-NEW"}, follow=True
    )
    assert "Reference id changed from REF-OLD to REF-NEW." in messages_of(response)[0][1]
    order.refresh_from_db()
    assert order.order_reference_id == "REF-NEW"
    assert tamara_simulator.get_order(str(order.order_id))["order_reference_id"] == "REF-NEW"


def test_action_that_does_not_fit_shows_why_without_a_form(tamara_simulator, client, staff):
    order = make_order(tamara_simulator)
    response = client.get(action_url(order, "refund"))
    html = response.content.decode()
    assert 'id="tamara-reason"' in html and "only captured orders can be refunded" in html
    assert 'id="tamara-confirm"' not in html


# Many orders ------------------------------------------------------------------------------------------


def post_action(client, action, pks, query="", **extra):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}
    return client.post(ORDERS + query, data, follow=True)


def test_bulk_capture_confirms_then_reports_each_order(tamara_simulator, client, staff):
    a, b = make_order(tamara_simulator, reference="REF-A"), make_order(tamara_simulator, reference="REF-B")
    new = make_order(tamara_simulator, "new", reference="REF-NEW")
    pks = [a.pk, b.pk, new.pk]

    confirm = post_action(client, "capture_orders", pks, index="0")
    assert confirm.status_code == 200 and confirm.templates[0].name.endswith("bulk_confirm.html")
    html = confirm.content.decode()
    assert "3 orders are selected" in html and "fits 2 of them" in html and "320.00 SAR" in html
    assert "will be skipped: it is New" in html and 'id="tamara-confirm"' in html
    assert calls(tamara_simulator, "/payments/capture") == 0
    token = confirm.context["form"].token

    missing = post_action(client, "capture_orders", pks, post="yes", form_token=token)
    assert missing.context["form"].errors["shipping_company"]

    done = post_action(client, "capture_orders", pks, post="yes", form_token=token, shipping_company="Aramex")
    messages = messages_of(done)
    assert messages[0][0] == "success"
    assert "Capture: done for 2 orders" in messages[0][1] and "REF-A (160.00 SAR)" in messages[0][1]
    assert messages[1][0] == "warning" and messages[1][1].startswith("REF-NEW skipped: it is New")
    assert set(TamaraOrder.objects.values_list("order_reference_id", "status")) == {
        ("REF-A", "fully_captured"),
        ("REF-B", "fully_captured"),
        ("REF-NEW", "new"),
    }
    assert OrderAction.objects.filter(outcome="done").count() == 2
    assert OrderAction.objects.filter(outcome="skipped").count() == 1

    again = post_action(client, "capture_orders", pks, post="yes", form_token=token, shipping_company="Aramex")
    assert all(level == "warning" and "already submitted" in text for level, text in messages_of(again))
    assert calls(tamara_simulator, "/payments/capture") == 2


def test_bulk_refund_reports_failures_with_tamaras_answer(tamara_simulator, client, staff):
    a, b = make_order(tamara_simulator, reference="REF-A"), make_order(tamara_simulator, reference="REF-B")
    for order in (a, b):
        lifecycle.capture(order, shipping_info=SHIPPING)
    fault(tamara_simulator, "/payments/simplified-refund", "error_429", count=3)
    confirm = post_action(client, "refund_orders", [a.pk, b.pk], index="0")
    token = confirm.context["form"].token
    done = post_action(client, "refund_orders", [a.pk, b.pk], post="yes", form_token=token, comment="recall")
    levels = sorted(level for level, _ in messages_of(done))
    assert levels == ["error", "success"]
    error = next(text for level, text in messages_of(done) if level == "error")
    assert "failed: Tamara answered:" in error and "HTTP 429" in error
    assert sorted(TamaraOrder.objects.values_list("status", flat=True)) == ["fully_captured", "fully_refunded"]


def test_bulk_refund_reports_an_unconfirmed_refund_as_such(tamara_simulator, client, staff):
    a, b = make_order(tamara_simulator, reference="REF-A"), make_order(tamara_simulator, reference="REF-B")
    for order in (a, b):
        lifecycle.capture(order, shipping_info=SHIPPING)
    fault(tamara_simulator, "/payments/simplified-refund", "error_500")
    confirm = post_action(client, "refund_orders", [a.pk, b.pk], index="0")
    done = post_action(
        client, "refund_orders", [a.pk, b.pk], post="yes", form_token=confirm.context["form"].token, comment="recall"
    )
    levels = sorted(level for level, _ in messages_of(done))
    assert levels == ["success", "warning"]
    warning = next(text for level, text in messages_of(done) if level == "warning")
    assert "REF-A" in warning and "has not confirmed the refund" in warning


def test_bulk_authorise_and_sync_run_without_confirmation(tamara_simulator, client, staff):
    orders = [make_order(tamara_simulator, "approved") for _ in range(2)]
    response = post_action(client, "authorise_orders", [o.pk for o in orders], index="0")
    assert "Authorise: done for 2 orders" in messages_of(response)[0][1]
    assert set(TamaraOrder.objects.values_list("status", flat=True)) == {"authorised"}
    response = post_action(client, "sync_orders", [o.pk for o in orders], index="0")
    assert "Sync from Tamara: done for 2 orders" in messages_of(response)[0][1]


def test_select_all_carries_the_filters_not_the_keys(client, staff):
    """ "Select all N" posts select_across=1; the confirmation page keeps the query string, lists at
    most 50 orders, holds one placeholder key, and the run re-evaluates the filtered queryset."""
    fake_orders(70, status="new", currency="AED")
    fake_orders(5, status="new", currency="SAR", start=1000)
    visible = list(TamaraOrder.objects.filter(currency="AED").values_list("pk", flat=True)[:50])
    confirm = post_action(client, "cancel_orders", visible, query="?currency=AED", index="0", select_across="1")
    html = confirm.content.decode()
    assert confirm.context["count"] == 70 and confirm.context["select_across"]
    assert html.count('name="_selected_action"') == 1
    assert (
        'name="select_across" value="1"' in html and 'action="/admin/django_tamara/tamaraorder/?currency=AED"' in html
    )
    assert len(confirm.context["listed"]) == 50 and "and 20 more orders" in html
    assert confirm.context["eligible"] == 0 and 'id="tamara-confirm"' not in html  # nothing fits: new orders

    token = confirm.context["form"].token
    response = post_action(
        client, "cancel_orders", visible[:1], query="?currency=AED", post="yes", select_across="1", form_token=token
    )
    assert response.status_code == 200
    assert OrderAction.objects.count() == 70  # every AED order, none of the SAR ones
    assert set(OrderAction.objects.values_list("order__currency", "outcome")) == {("AED", "skipped")}
    messages = messages_of(response)
    assert sum(1 for level, _ in messages if level == "warning") == 20  # spelled out up to 20 ...
    assert "50 more results are in the order actions log." in messages[-1][1]  # ... the rest counted


def test_bulk_runs_stop_at_the_limit(client, staff, monkeypatch):
    from django_tamara.admin.orders import TamaraOrderAdmin

    monkeypatch.setattr(TamaraOrderAdmin, "bulk_limit", 3)
    fake_orders(5, status="new")
    pks = list(TamaraOrder.objects.values_list("pk", flat=True))
    response = post_action(client, "sync_orders", pks, index="0")
    assert OrderAction.objects.count() == 3
    assert "Only the first 3 orders were processed" in messages_of(response)[-1][1]
