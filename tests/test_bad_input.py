"""Authentic deliveries with strange text: a clear 400 or a 2xx, never a 500 (#12).

Every case is a real signed delivery posted through Django's test client, and runs on SQLite
and on PostgreSQL (whose text and jsonb refuse NUL characters, and whose driver refuses lone
surrogates). A NUL or a lone surrogate is legal JSON (``\\u0000``, ``\\ud800``), so the JSON
parser lets them through; the intake refuses them, and event types outside ``[a-z_]{1,64}``,
before anything reaches the database, the queue or the admin.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_tamara import lifecycle
from django_tamara.background import DUMMY_BACKEND
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.testing import make_notification_token

from .payloads import checkout_payload

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/tamara/webhooks/"


@pytest.fixture
def order() -> TamaraOrder:
    # Known locally, unknown to any Tamara: what is accepted is stored; processing is not the point.
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="BAD-1", currency="SAR", total_amount=100, status="new"
    )


@pytest.fixture
def no_processing(settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}


def post(settings, raw: bytes, **headers: str):
    token = make_notification_token(settings.TAMARA["NOTIFICATION_TOKEN"])
    response = Client(raise_request_exception=False).post(
        URL, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **headers
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    return response


def body(order: TamaraOrder, **fields) -> bytes:
    """JSON as Tamara writes it: ASCII, so a NUL or a surrogate travels as its escape."""
    data = {"order_id": str(order.order_id), "order_reference_id": order.order_reference_id, "data": {}}
    data.update(fields)
    return json.dumps(data, ensure_ascii=True).encode("ascii")


BAD_EVENT_TYPES = {
    "upper case": "Order_Approved",
    "a space": "order approved",
    "a NUL": "order_\x00approved",
    "a lone surrogate": "order_\ud800",
    "a newline at the end": "order_approved\n",
    "a digit": "order_approved2",
    "65 characters": "a" * 65,
    "empty": "",
    "not a string": 5,
    "null and no order_status": None,
}


@pytest.mark.parametrize("value", BAD_EVENT_TYPES.values(), ids=BAD_EVENT_TYPES.keys())
def test_an_event_type_outside_the_alphabet_is_refused(settings, order, value):
    response = post(settings, body(order, event_type=value))
    assert response.status_code == 400
    assert "event_type" in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


BAD_STATUSES = {
    "upper case": "Approved",
    "a space": "appro ved",
    "a NUL": "\x00",
    "a lone surrogate": "\udfff",
    "too long for order_<status>": "a" * 59,
    "empty": "",
    "a list": ["approved"],
}


@pytest.mark.parametrize("value", BAD_STATUSES.values(), ids=BAD_STATUSES.keys())
def test_an_order_status_outside_the_alphabet_is_refused(settings, order, value):
    response = post(settings, body(order, order_status=value))
    assert response.status_code == 400
    assert "order_status" in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "fields, stored_type",
    [
        ({"event_type": "a" * 64}, "a" * 64),
        ({"order_status": "a" * 58}, "order_" + "a" * 58),
        ({"order_status": "approved"}, "order_approved"),
    ],
)
def test_the_longest_and_the_legacy_event_types_are_stored(settings, order, no_processing, fields, stored_type):
    response = post(settings, body(order, **fields))
    assert response.status_code == 200
    assert WebhookEvent.objects.get().event_type == stored_type


BAD_TEXT = {
    "a NUL in order_reference_id": {"order_reference_id": "REF\x00-1"},
    "a NUL in data": {"data": {"comment": "a\x00b"}},
    "a NUL in a key": {"data": {"k\x00": 1}},
    "a lone surrogate in data": {"data": {"name": "\ud83d"}},
    "a lone low surrogate in a list": {"data": {"items": ["ok", "\udc00"]}},
    "a lone surrogate in a key": {"data": {"\ud800": "x"}},
    "a NUL deep down": {"data": {"a": [{"b": [{"c": "\x00"}]}]}},
}


@pytest.mark.parametrize("fields", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_a_nul_or_a_lone_surrogate_anywhere_is_refused(settings, order, fields):
    response = post(settings, body(order, event_type="order_approved", **fields))
    assert response.status_code == 400
    assert "NUL" in response.json()["error"] or "surrogate" in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        "\ud800".encode("utf-8", "surrogatepass"),  # a surrogate written as UTF-8 bytes: not UTF-8
        b'{"order_id": "%s", "event_type": "order_\xff"}',
        b'{"order_id": "%s", "event_type": "order_approved", "data": {"x": "\xc3"}}',
    ],
)
def test_bytes_that_are_not_utf8_are_refused(settings, order, raw):
    response = post(settings, raw.replace(b"%s", str(order.order_id).encode()))
    assert response.status_code == 400


def test_text_that_only_looks_like_an_escape_is_kept_as_sent(settings, order, no_processing):
    # A backslash followed by "u0000" is six ordinary characters, and a UTF-8 BOM is allowed.
    fields = {"event_type": "order_updated", "data": {"note": "\\u0000 and \\ud800", "name": "منى 😀"}}
    raw = "\ufeff".encode() + json.dumps({"order_id": str(order.order_id), **fields}, ensure_ascii=False).encode()
    assert post(settings, raw).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.payload["data"] == fields["data"]


def test_a_nul_in_a_kept_header_is_dropped_not_stored(settings, order, no_processing):
    response = post(
        settings,
        body(order, event_type="order_approved"),
        HTTP_USER_AGENT="Tamara\x00/1.0",
        HTTP_X_REQUEST_ID="id-\x00-1",
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().headers["User-Agent"] == "Tamara/1.0"


def test_accepted_strange_text_is_processed_and_shown_without_a_500(settings, tamara_simulator):
    """Through processing (the Immediate backend runs it in the request) and the admin."""
    session = get_client().create_checkout_session(checkout_payload(("100.00",)))
    order, _ = lifecycle.sync_by_id(session.order_id)
    tamara_simulator.approve(session.order_id)
    fields = {
        "order_number": "رقم ١",
        "data": {"capture_id": "\\u0000" + "x" * 80, "emoji": "😀", "deep": [[[{"a": "\\ud800"}]]]},
    }
    assert post(settings, body(order, event_type="order_approved", **fields)).status_code == 200
    assert post(settings, body(order, event_type="order_captured", **fields)).status_code == 200
    assert post(settings, body(order, event_type="dispute_opened", **fields)).status_code == 200
    assert dict(WebhookEvent.objects.values_list("event_type", "state")) == {
        "order_approved": "done",
        "order_captured": "done",
        "dispute_opened": "ignored",
    }
    order.refresh_from_db()
    assert order.status == "authorised"

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    for event in WebhookEvent.objects.all():
        assert client.get(f"/admin/django_tamara/webhookevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/django_tamara/tamaraorder/{order.pk}/change/").status_code == 200
    # A search with a NUL and bytes that are not UTF-8 (as a browser would send them).
    for changelist in ("/admin/django_tamara/webhookevent/", "/admin/django_tamara/tamaraorder/"):
        assert client.get(f"{changelist}?q=a%00%ED%A0%80b").status_code == 200
