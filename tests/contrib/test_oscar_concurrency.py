"""Oscar's records follow Tamara exactly once under races, over real HTTP, on PostgreSQL.

- 50 deliveries each of a capture and a refund notification, at once and refund first, for
  orders whose capture and refund the shop has not heard of: each Source gets one Debit and one
  Refund transaction and the exact amounts;
- 50 projections of one order at once: one transaction per Tamara transaction;
- ten return requests of one checkout at once: one Oscar order.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.contrib.oscar import sources
from django_tamara.contrib.oscar.session import SESSION_KEY
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.money import Money
from django_tamara.testing import make_notification_token

from .oscar_shop.fixtures import place_order, start_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")

ORDERS = 4
DELIVERIES = 50
SHIPPING = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA"}


def tamara_of(order) -> TamaraOrder:
    return TamaraOrder.objects.get(order_id=Source.objects.get(order=order).reference)


def ledger_of(order) -> tuple[tuple[Decimal, Decimal, Decimal], list[tuple[str, Decimal, str]]]:
    source = Source.objects.get(order=order)
    rows = sorted((t.txn_type, t.amount, t.reference) for t in source.transactions.all())
    return (source.amount_allocated, source.amount_debited, source.amount_refunded), rows


def in_threads(count: int, work, items) -> list:
    """Run ``work`` over ``items`` on ``count`` threads, each closing its database connection."""

    def run(item):
        try:
            return work(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, items))


def test_duplicate_out_of_order_webhooks_record_each_tamara_transaction_once(oscar_shop, tamara_simulator, live_server):
    orders = [place_order(Client(), oscar_shop, tamara_simulator) for _ in range(ORDERS)]
    client = get_client()
    notifications = []
    for order in orders:
        tamara = tamara_of(order)
        # Made at Tamara behind the shop's back (as Tamara's own dashboard would): only the
        # notifications tell the shop.
        capture = client.capture_order(str(tamara.order_id), Money("200.00", "SAR"), SHIPPING)
        refund = client.simplified_refund(str(tamara.order_id), Money("50.00", "SAR"), "one bottle leaked")
        body = {"order_id": str(tamara.order_id), "order_reference_id": tamara.order_reference_id}
        notifications += [
            {**body, "event_type": "order_refunded", "data": {"refund_id": refund.refund_id}}
        ] * DELIVERIES
        notifications += [
            {**body, "event_type": "order_captured", "data": {"capture_id": capture.capture_id}}
        ] * DELIVERIES
    random.Random(16).shuffle(notifications)  # refunds before their captures, duplicates side by side

    token = make_notification_token(tamara_simulator.notification_token)
    url = f"{live_server.url}/tamara/webhooks/"
    local = threading.local()

    def deliver(body) -> int:
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        return http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code

    statuses = in_threads(DELIVERIES, deliver, notifications)

    assert set(statuses) == {200}
    assert WebhookEvent.objects.count() == 2 * ORDERS
    for order in orders:
        tamara = tamara_of(order)
        [capture] = tamara.captures.all()
        [refund] = tamara.refunds.all()
        assert (tamara.captured_amount, tamara.refunded_amount) == (Decimal("200.00"), Decimal("50.00"))
        assert ledger_of(order) == (
            (Decimal("374.00"), Decimal("200.00"), Decimal("50.00")),
            sorted(
                [
                    ("Authorise", Decimal("374.00"), str(tamara.order_id)),
                    ("Debit", Decimal("200.00"), capture.capture_id),
                    ("Refund", Decimal("50.00"), refund.refund_id),
                ]
            ),
        )


def test_concurrent_projections_of_one_order_record_each_transaction_once(oscar_shop, tamara_simulator):
    order = place_order(Client(), oscar_shop, tamara_simulator)
    tamara = tamara_of(order)
    lifecycle.cancel(tamara, Money("100.00", "SAR"))
    lifecycle.capture(tamara, Money("200.00", "SAR"), shipping_info=SHIPPING)
    lifecycle.capture(tamara, Money("74.00", "SAR"), shipping_info=SHIPPING)
    expected = ledger_of(order)
    assert expected[0] == (Decimal("274.00"), Decimal("274.00"), Decimal("0.00"))
    assert [kind for kind, _, _ in expected[1]] == ["Authorise", "Cancel", "Debit", "Debit"]
    source = Source.objects.get(order=order)
    start = threading.Barrier(DELIVERIES)

    def project(_) -> None:
        start.wait(timeout=30)  # all at once
        sources.project(tamara)

    # Forget the ledger the signals projected (the amounts are right: nothing to update, so only
    # the Source's row lock keeps fifty readers from each adding the rows), then race to redo it.
    source.transactions.exclude(txn_type="Authorise").delete()
    in_threads(DELIVERIES, project, range(DELIVERIES))
    assert ledger_of(order) == expected

    # And the amounts as well.
    source.transactions.exclude(txn_type="Authorise").delete()
    Source.objects.filter(pk=source.pk).update(amount_allocated=Decimal("374.00"), amount_debited=0)
    start.reset()
    in_threads(DELIVERIES, project, range(DELIVERIES))
    assert ledger_of(order) == expected
    assert sorted(t.reference for t in Transaction.objects.filter(source=source, txn_type="Debit")) == sorted(
        tamara.captures.values_list("capture_id", flat=True)
    )


def test_concurrent_returns_place_one_order(oscar_shop, tamara_simulator, live_server):
    customer = Client()
    start_payment(customer, oscar_shop)
    tamara = TamaraOrder.objects.get(order_id=customer.session[SESSION_KEY])
    tamara_simulator.approve(str(tamara.order_id))
    lifecycle.settle(tamara)
    assert tamara.status == "authorised"
    cookies = {key: morsel.value for key, morsel in customer.cookies.items()}
    url = f"{live_server.url}{reverse('tamara_oscar:return')}"

    def come_back(_) -> tuple[int, str]:
        response = requests.get(url, cookies=cookies, allow_redirects=False, timeout=60)
        return response.status_code, response.headers.get("Location", "")

    answers = in_threads(10, come_back, range(10))

    assert answers == [(302, reverse("checkout:thank-you"))] * 10
    order = Order.objects.get()
    assert order.number == tamara.order_reference_id
    assert Source.objects.count() == 1 and Transaction.objects.count() == 1
