"""Issue #13, the app's side: money in any order, webhooks as Tamara delivers them, builders that
charge what the shop meant, and the client's smaller gaps."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory

from django_tamara import lifecycle
from django_tamara.admin import actions as admin_actions
from django_tamara.admin.actions import ELIGIBLE
from django_tamara.admin.events import EventTypeFilter
from django_tamara.builders import CheckoutBuilder, HookNeeded
from django_tamara.client import CaptureResult, ShippingInfo, get_client
from django_tamara.exceptions import InvalidTransition, PayloadInvalid
from django_tamara.lifecycle.applying import is_stale, order_fields
from django_tamara.management.commands.tamara_webhooks import ALL_EVENTS
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.money import Money
from django_tamara.states import follows
from django_tamara.webhooks import processing
from django_tamara.webhooks.events import EVENTS, KNOWN_EVENTS, TAMARA_EVENTS

from .test_admin_support import action_url, fake_orders, make_order, make_staff, messages_of
from .test_webhook_security import token

SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="Aramex")
URL = "/tamara/webhooks/"


def sar(amount: str) -> Money:
    return Money(amount, "SAR")


def local_order(
    status: str, total: str = "150", captured: str = "0", refunded: str = "0", canceled: str = "0"
) -> TamaraOrder:
    order = fake_orders(1, status=status, start=uuid.uuid4().int % 10**6)[0]
    order.total_amount, order.captured_amount = Decimal(total), Decimal(captured)
    order.refunded_amount, order.canceled_amount = Decimal(refunded), Decimal(canceled)
    order.save()
    return order


def tamara_json(order: TamaraOrder, status: str, captured: str, refunded: str = "0", canceled: str = "0") -> dict:
    money = lambda v: {"amount": v, "currency": "SAR"}  # noqa: E731  a one-line formula beside its use
    return {
        "order_id": str(order.order_id),
        "order_reference_id": order.order_reference_id,
        "status": status,
        "total_amount": money(str(order.total_amount)),
        "captured_amount": money(captured),
        "refunded_amount": money(refunded),
        "canceled_amount": money(canceled),
    }


# 1. Captures, refunds and cancels in any order ----------------------------------------------------


@pytest.mark.django_db
def test_the_staleness_rule_reads_the_totals_that_never_go_down():
    order = local_order("partially_refunded", captured="100", refunded="30")
    # Capture the rest after a refund: Tamara may report a lower-ranked status; the totals grew.
    assert not is_stale(order, order_fields(tamara_json(order, "partially_captured", "150", "30")))
    assert not is_stale(order, order_fields(tamara_json(order, "partially_refunded", "150", "30")))
    # A total below ours is older, whatever the status says.
    assert is_stale(order, order_fields(tamara_json(order, "fully_refunded", "90", "90")))
    # Same totals: only a forward status is newer.
    assert is_stale(order, order_fields(tamara_json(order, "partially_captured", "100", "30")))
    assert not follows("canceled", "authorised", amounts_grew=True)  # a closed order stays closed


@pytest.mark.django_db
def test_eligibility_comes_from_the_amounts_in_the_admin():
    rest = local_order("partially_refunded", captured="100", refunded="30")  # 50 to capture, 70 to refund
    full = local_order("fully_captured", captured="150")
    authorised = local_order("authorised")
    assert admin_actions.why_not(rest, "capture") is None and admin_actions.why_not(rest, "refund") is None
    assert admin_actions.why_not(full, "capture") == "nothing is left to capture"
    assert "only captured orders can be refunded" in admin_actions.why_not(authorised, "refund")
    capture_q, _ = ELIGIBLE["capture"]
    refund_q, _ = ELIGIBLE["refund"]
    assert set(TamaraOrder.objects.filter(capture_q)) == {rest, authorised}
    assert set(TamaraOrder.objects.filter(refund_q)) == {rest, full}


@dataclass
class AnsweringClient:
    """Answers a capture as Tamara would, without a network (the app's own checks and recording)."""

    status: str
    captured: list[Money] = field(default_factory=list)

    def capture_order(self, order_id: str, money: Money, shipping_info: Any, **kwargs: Any) -> CaptureResult:
        self.captured.append(money)
        return CaptureResult(order_id=order_id, capture_id=str(uuid.uuid4()), status=self.status, captured_amount=money)


@pytest.mark.django_db(transaction=True)
def test_lifecycle_captures_the_rest_of_a_partially_refunded_order():
    order = local_order("partially_refunded", captured="100", refunded="30")
    client = AnsweringClient(status="partially_captured")
    capture = lifecycle.capture(order, shipping_info=SHIPPING, client=client)  # everything left
    assert client.captured == [sar("50")] and capture.amount == Decimal("50")
    order.refresh_from_db()
    # Tamara's answer is newer than what we held although its status ranks lower.
    assert (order.status, order.captured_amount, order.refunded_amount) == ("partially_captured", 150, 30)
    with pytest.raises(InvalidTransition, match="nothing is left to capture"):
        lifecycle.capture(order, shipping_info=SHIPPING, client=client)


@pytest.mark.django_db(transaction=True)
def test_capture_part_refund_part_capture_the_rest_against_the_simulator(tamara_simulator):
    order = make_order(tamara_simulator)  # 160 SAR authorised
    lifecycle.capture(order, sar("100"), shipping_info=SHIPPING)
    lifecycle.refund(order, sar("30"), comment="one returned")
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    lifecycle.capture(order, shipping_info=SHIPPING)  # the remaining 60
    order.refresh_from_db()
    remote = get_client().get_order(str(order.order_id))
    local = (order.status, order.captured_amount, order.refunded_amount)
    assert local == (remote["status"], Decimal("160"), Decimal("30"))
    assert lifecycle.sync(order).stale is False


@pytest.mark.django_db(transaction=True)
def test_capture_part_refund_part_capture_the_rest_from_the_admin(tamara_simulator, client):
    client.force_login(make_staff())
    order = make_order(tamara_simulator)

    def post(kind: str, amount: str, **extra: str):
        form = client.get(action_url(order, kind)).context["form"]
        data = {"form_token": form.token, "seen": str(form.initial["seen"]), "amount": amount, **extra}
        return messages_of(client.post(action_url(order, kind), data, follow=True))[0]

    shipping = {"shipping_company": "SMSA", "tracking_number": "", "tracking_url": "", "shipped_at": ""}
    assert post("capture", "100", **shipping)[0] == "success"
    assert post("refund", "30", comment="one returned")[0] == "success"
    level, text = post("capture", "60", **shipping)
    assert level == "success", text
    order.refresh_from_db()
    remote = get_client().get_order(str(order.order_id))
    assert (order.status, order.captured_amount, order.refunded_amount, order.captures.count()) == (
        remote["status"],
        Decimal("160"),
        Decimal("30"),
        2,
    )
    assert order.captured_amount == Decimal(str(remote["captured_amount"]["amount"]))
    assert order.refunded_amount == Decimal(str(remote["refunded_amount"]["amount"]))
    assert order.canceled_amount == Decimal(str((remote.get("canceled_amount") or {"amount": 0})["amount"]))


# 2. Webhooks -------------------------------------------------------------------------------------


def delivery(order: TamaraOrder, event_type: str = "order_approved", data: Any = None) -> bytes:
    return json.dumps(
        {
            "order_id": str(order.order_id),
            "order_reference_id": order.order_reference_id,
            "order_number": order.order_reference_id,
            "event_type": event_type,
            "data": {} if data is None else data,
        }
    ).encode()


@pytest.fixture
def key(settings) -> str:
    return settings.TAMARA["NOTIFICATION_TOKEN"]


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["MySecret123", "Basic c2hvcDpzZWNyZXQ=", "Bearer merchant-own-token"])
def test_a_merchant_authorization_header_does_not_fail_an_authentic_delivery(key, header):
    order = local_order("authorised")
    response = Client().post(
        f"{URL}?tamaraToken={token(key)}", delivery(order), content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 200, response.content
    assert WebhookEvent.objects.filter(order=order).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["MySecret123", "Bearer merchant-own-token", None])
def test_a_forged_token_is_refused_beside_a_merchant_header(key, header):
    order = local_order("authorised")
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    forged = token("not-the-notification-token-0123456789")
    response = Client().post(f"{URL}?tamaraToken={forged}", delivery(order), content_type="application/json", **extra)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_registered_with_a_merchant_authorization_header_is_processed(tamara_simulator, live_server):
    """End to end: the simulator sends the registered header in place of its Bearer, as
    Tamara's "Register Webhook URL" sample sets one; the tamaraToken query parameter proves it."""
    get_client().register_webhook(
        f"{live_server.url}{URL}", ["order_approved"], headers={"authorization": "MySecret123"}
    )
    order = make_order(tamara_simulator, "new")
    tamara_simulator.approve(str(order.order_id))
    tamara_simulator.wait_for_notifications()
    events = WebhookEvent.objects.filter(order=order, event_type="order_approved")
    assert [e.state for e in events] == [WebhookEvent.State.DONE]
    order.refresh_from_db()
    assert order.status == "authorised"
    [delivery] = [e for e in tamara_simulator.journal(kind="webhook") if e.get("webhook_id")]
    assert delivery["status"] == 200


@pytest.mark.django_db
def test_a_bearer_token_alone_still_verifies(key):
    order = local_order("authorised")
    response = Client().post(
        URL, delivery(order), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token(key)}"
    )
    assert response.status_code == 200


def test_one_table_names_the_events():
    assert "order_updated" in EVENTS and all(EVENTS.values())
    assert KNOWN_EVENTS == set(EVENTS) and list(TAMARA_EVENTS) == list(EVENTS) == ALL_EVENTS
    lookups = EventTypeFilter(RequestFactory().get("/"), {}, None, None).lookups(None, None)
    assert [name for name, _ in lookups] == list(EVENTS)
    assert {name for name, event in EVENTS.items() if event.transaction} == {
        "order_captured",
        "order_refunded",
        "order_canceled",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "event_type, data", [("order_updated", {}), ("order_approved", []), ("order_refunded", []), ("order_captured", [])]
)
def test_order_updated_and_empty_list_data_are_processed(tamara_simulator, key, event_type, data):
    order = make_order(tamara_simulator)
    response = Client().post(
        f"{URL}?tamaraToken={token(key)}", delivery(order, event_type, data), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get(order=order, event_type=event_type)
    processing.process_event(event.pk)  # a no-op when on_commit already processed it
    event.refresh_from_db()
    assert event.state == WebhookEvent.State.DONE, event.error


@pytest.mark.django_db(transaction=True)
def test_listing_webhooks_in_the_client_and_the_command(tamara_simulator):
    client = get_client()
    webhook_id = client.register_webhook("https://shop.example/tamara/webhooks/", ["order_approved", "order_captured"])
    hooks = client.list_webhooks()
    assert [(h.webhook_id, h.url) for h in hooks] == [(webhook_id, "https://shop.example/tamara/webhooks/")]
    out = io.StringIO()
    call_command("tamara_webhooks", "list", stdout=out)
    assert webhook_id in out.getvalue() and "order_captured" in out.getvalue()


# 3. Builders charge what the shop meant --------------------------------------------------------------


@dataclass
class Line:
    pk: int
    name: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass
class Lines:
    rows: list[Line]

    def all(self) -> list[Line]:
        return self.rows


@dataclass
class ShopOrder:
    """The installation guide's order: reference, lines, customer, address, shipping, and the
    shop's own currency and grand total."""

    currency: str
    total: Decimal
    reference: str = "AE-1001"
    shipping_amount: Decimal = Decimal("20")
    lines: Lines = field(default_factory=lambda: Lines([Line(1, "Lamp", "LAMP-1", 2, Decimal("215.00"))]))
    first_name: str = "Mona"
    last_name: str = "Lisa"
    phone_number: str = "+971501234567"
    email: str = "mona@example.com"
    line1: str = "Sheikh Zayed Rd"
    city: str = "Dubai"
    region: str = "Dubai"


class GuideBuilder(CheckoutBuilder):
    """docs/installation.md's minimum hooks, and nothing else."""

    def get_order_reference_id(self, order):
        return order.reference

    def get_items(self, order):
        return [
            {
                "reference_id": line.pk,
                "type": "Physical",
                "name": line.name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in order.lines.all()
        ]

    def get_consumer(self, order):
        return {
            "first_name": order.first_name,
            "last_name": order.last_name,
            "phone_number": order.phone_number,
            "email": order.email,
        }

    def get_shipping_address(self, order):
        return {"line1": order.line1, "city": order.city, "region": order.region, "country_code": "AE"}

    def get_shipping_amount(self, order):
        return order.shipping_amount


def test_a_guide_builder_sends_an_aed_order_in_aed_with_its_own_total():
    payload = GuideBuilder(base_url="https://shop.example").build(ShopOrder(currency="AED", total=Decimal("450.00")))
    assert payload["total_amount"] == {"amount": 450.0, "currency": "AED"}
    assert payload["country_code"] == "AE" and payload["shipping_amount"]["currency"] == "AED"


def test_a_guide_builder_refuses_a_total_the_shop_did_not_mean():
    order = ShopOrder(currency="AED", total=Decimal("472.50"))  # the shop adds 5% VAT the hooks do not give
    with pytest.raises(HookNeeded) as info:
        GuideBuilder(base_url="https://shop.example").build(order)
    assert info.value.hook == "get_total_amount"
    assert "GuideBuilder.get_total_amount(order)" in info.value.errors["total_amount"][0]
    assert "472.50 AED" in str(info.value) and "450.00 AED" in str(info.value)


def test_a_builder_refuses_a_currency_the_order_is_not_in():
    class SarBuilder(GuideBuilder):
        def get_currency(self, order):
            return "SAR"

    with pytest.raises(HookNeeded) as info:
        SarBuilder(base_url="https://shop.example").build(ShopOrder(currency="AED", total=Decimal("450.00")))
    assert info.value.hook == "get_currency" and "in AED" in info.value.errors["currency"][0]


def test_a_get_total_amount_hook_is_the_shops_word():
    class TotalBuilder(GuideBuilder):
        def get_total_amount(self, order):
            return Decimal("450.00")

    order = ShopOrder(currency="AED", total=Decimal("999"))  # the shop's ``total`` means something else
    assert TotalBuilder(base_url="https://shop.example").build(order)["total_amount"]["amount"] == 450.0


# 4. Smaller gaps ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_payment_types_filters_and_credit_pre_check(tamara_simulator):
    client = get_client()
    client.payment_types("SA", order_value=sar("300"), phone="+966502223333")
    api = [e for e in tamara_simulator.journal() if e.get("kind") == "api" and "payment-types" in e.get("path", "")]
    assert {k: api[-1]["query"].get(k) for k in ("country", "currency", "order_value", "phone")} == {
        "country": "SA",
        "currency": "SAR",
        "order_value": "300.00",
        "phone": "+966502223333",
    }
    types = client.credit_pre_check("SA", sar("300"), phone_number="+966502223333")
    assert types and all({"name", "min_limit", "max_limit"} <= set(t) for t in types)
    assert client.credit_pre_check("SA", sar("99999999")) == []
    with pytest.raises(ValueError):
        client.payment_types("SA", "AED", order_value=sar("1"))


def test_the_installation_sample_with_get_currency_and_get_total_amount():
    class SampleBuilder(GuideBuilder):
        def get_currency(self, order):
            return order.currency

        def get_total_amount(self, order):
            return order.total

    builder = SampleBuilder(base_url="https://shop.example")
    assert builder.build(ShopOrder(currency="AED", total=Decimal("450.00")))["total_amount"] == {
        "amount": 450.0,
        "currency": "AED",
    }
    with pytest.raises(PayloadInvalid, match="Expected 450.00 AED"):
        builder.build(ShopOrder(currency="AED", total=Decimal("472.50")))
