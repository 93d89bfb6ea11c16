"""The landing views: one call to Tamara per order per LANDING_SYNC_SECONDS, and clean URLs (#12).

A customer reloading the success page, or a bot replaying it, must not cost a call to Tamara
each time; an ``orderId`` the shop does not know must not leave ``{order_reference_id}`` in
the URL the customer lands on.
"""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client

from django_tamara import lifecycle, views
from django_tamara.client import get_client

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clear_default_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


def new_order(reference: str | None = None):
    session = get_client().create_checkout_session(checkout_payload(("100.00",), reference=reference))
    order, _ = lifecycle.sync_by_id(session.order_id)
    return order


def order_fetches(sim, order) -> int:
    return sum(1 for e in sim.journal(kind="api") if e["method"] == "GET" and e["path"] == f"/orders/{order.order_id}")


def test_twenty_reloads_of_the_success_page_cost_one_call(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "SUCCESS_URL": "/orders/{order_reference_id}/"}
    order = new_order()
    tamara_simulator.approve(str(order.order_id))
    before = order_fetches(tamara_simulator, order)
    client = Client()
    for _ in range(20):
        response = client.get("/tamara/success/", {"orderId": str(order.order_id), "paymentStatus": "approved"})
        assert response.status_code == 302 and response["Location"] == f"/orders/{order.order_reference_id}/"
    assert order_fetches(tamara_simulator, order) - before == 1
    order.refresh_from_db()
    assert order.status == "authorised"  # the one sync that ran did the work


def test_reloads_racing_each_other_cost_one_call(tamara_simulator):
    order = new_order()
    before = order_fetches(tamara_simulator, order)
    start = threading.Barrier(8)

    def reload() -> None:
        start.wait()
        try:
            Client().get("/tamara/success/", {"orderId": str(order.order_id)})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order_fetches(tamara_simulator, order) - before == 1


def test_the_next_window_syncs_again_and_each_order_has_its_own(tamara_simulator, settings):
    settings.TAMARA = {**settings.TAMARA, "LANDING_SYNC_SECONDS": 1}
    first, second = new_order(), new_order()
    before = order_fetches(tamara_simulator, first)
    Client().get("/tamara/success/", {"orderId": str(first.order_id)})
    Client().get("/tamara/success/", {"orderId": str(second.order_id)})  # another order: its own call
    assert order_fetches(tamara_simulator, second) == 1 + 1  # sync_by_id, then the landing
    caches["default"].delete(views.SYNC_KEY.format(order_id=first.order_id))  # the window passed
    Client().get("/tamara/success/", {"orderId": str(first.order_id)})
    assert order_fetches(tamara_simulator, first) - before == 2


@pytest.mark.parametrize("seconds", [0, None])
def test_no_window_means_every_visit_syncs(tamara_simulator, settings, seconds):
    settings.TAMARA = {**settings.TAMARA, "LANDING_SYNC_SECONDS": seconds}
    order = new_order()
    before = order_fetches(tamara_simulator, order)
    for _ in range(3):
        Client().get("/tamara/success/", {"orderId": str(order.order_id)})
    assert order_fetches(tamara_simulator, order) - before == 3


def test_a_cache_that_fails_does_not_cost_the_sync(tamara_simulator, caplog):
    order = new_order()
    tamara_simulator.approve(str(order.order_id))
    with mock.patch.object(type(caches["default"]), "add", side_effect=ConnectionError("cache down")):
        response = Client().get("/tamara/success/", {"orderId": str(order.order_id)})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "authorised"
    assert "landing sync throttle unavailable" in caplog.text


# Unknown orders go to FAILURE_URL, with no placeholder left --------------------------------------


@pytest.mark.parametrize("path", ["/tamara/success/", "/tamara/failure/", "/tamara/cancel/"])
@pytest.mark.parametrize("order_id", [None, "", "not-a-uuid", "00000000-0000-4000-8000-000000000000", "{order_id}"])
def test_an_unknown_order_goes_to_the_failure_url_without_braces(tamara_simulator, path, order_id):
    # The sandbox's FAILURE_URL is "/checkout/failed/?reference={order_reference_id}".
    params = {} if order_id is None else {"orderId": order_id, "paymentStatus": "approved"}
    response = Client().get(path, params)
    assert response.status_code == 302
    assert response["Location"] == "/checkout/failed/"
    assert not [e for e in tamara_simulator.journal(kind="api")]  # and nothing was asked of Tamara


@pytest.mark.parametrize(
    "failure_url, expected",
    [
        ("/checkout/failed/?reference={order_reference_id}", "/checkout/failed/"),
        (
            "/checkout/failed/?reason=tamara&reference={order_reference_id}&id={order_id}",
            "/checkout/failed/?reason=tamara",
        ),
        ("/checkout/failed/?id={order_id}&reason=tamara", "/checkout/failed/?reason=tamara"),
        ("https://shop.example/basket/?ref={order_reference_id}#retry", "https://shop.example/basket/#retry"),
        ("/orders/{order_reference_id}/", "/"),  # a page only an order has: the site's root
        ("/basket/", "/basket/"),
    ],
)
def test_placeholders_are_removed_cleanly(tamara_simulator, settings, failure_url, expected):
    settings.TAMARA = {**settings.TAMARA, "FAILURE_URL": failure_url}
    response = Client().get("/tamara/success/", {"orderId": "nope"})
    assert response["Location"] == expected
    assert "{" not in response["Location"] and "%7B" not in response["Location"].upper()


def test_a_known_order_fills_the_placeholders_url_quoted(tamara_simulator, settings):
    settings.TAMARA = {
        **settings.TAMARA,
        "CANCEL_URL": "/checkout/canceled/?reference={order_reference_id}&id={order_id}",
    }
    order = new_order(reference="A&B/1")
    response = Client().get("/tamara/cancel/", {"orderId": str(order.order_id)})
    assert response["Location"] == f"/checkout/canceled/?reference=A%26B%2F1&id={order.order_id}"
