"""A damaged or incomplete action form says so and asks to open it again: never a 500, nothing done (#12)."""

from __future__ import annotations

import pytest

from django_tamara.models import Capture, OrderAction

from .test_admin_support import ORDERS, action_url, change_url, make_order, make_staff, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

DAMAGED = [None, "", "short", "x" * 200, "not a token, spaces!", "\x00" * 20]


@pytest.fixture
def order(tamara_simulator, client):
    client.force_login(make_staff())
    return make_order(tamara_simulator)


def journal_posts(sim) -> int:
    return sum(1 for e in sim.journal() if e.get("kind") == "api" and e.get("method") == "POST")


CASES = [("capture", token) for token in DAMAGED] + [
    (kind, token)
    for kind in ("refund", "cancel", "reference", "authorise", "sync", "check")
    for token in (None, "short")
]


@pytest.mark.parametrize(("kind", "token"), CASES)
def test_a_damaged_order_form_is_refused_and_reopened(tamara_simulator, client, order, kind, token):
    before = journal_posts(tamara_simulator)
    data = {"amount": "10", "seen": "160.00", "shipping_company": "SMSA", "comment": "c", "order_reference_id": "NEW"}
    if token is not None:
        data["form_token"] = token
    response = client.post(action_url(order, kind), data, follow=True)
    assert response.status_code == 200
    assert any(
        level == "error" and "damaged or incomplete" in text and "open it again" in text
        for level, text in messages_of(response)
    )
    target = change_url(order) if kind in ("authorise", "sync", "check") else action_url(order, kind)
    assert response.redirect_chain[0] == (target, 302)
    assert journal_posts(tamara_simulator) == before and not OrderAction.objects.exists()


@pytest.mark.parametrize("token", [None, "short", "\x00" * 20])
def test_a_damaged_bulk_confirmation_is_refused(tamara_simulator, client, order, token):
    data = {"action": "capture_orders", "_selected_action": [order.pk], "post": "yes", "shipping_company": "SMSA"}
    if token is not None:
        data["form_token"] = token
    response = client.post(ORDERS, data, follow=True)
    assert response.status_code == 200
    assert any("damaged or incomplete" in text for _level, text in messages_of(response))
    assert not Capture.objects.exists() and not OrderAction.objects.exists()


def test_a_token_of_invalid_utf8_is_refused(tamara_simulator, client, order):
    """A lone surrogate cannot be sent as UTF-8; its bytes percent-encoded can (``%ED%A0%80``)."""
    body = "amount=10&seen=160.00&shipping_company=SMSA&form_token=" + "%ED%A0%80" * 20
    response = client.post(
        action_url(order, "capture"), body, content_type="application/x-www-form-urlencoded", follow=True
    )
    assert response.status_code == 200
    assert any("damaged or incomplete" in text for _level, text in messages_of(response))
    assert not OrderAction.objects.exists()
