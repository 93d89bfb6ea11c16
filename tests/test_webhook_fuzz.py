"""Hostile bodies with an authentic token: never a 5xx, never an unhandled exception."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from django_tamara.models import TamaraOrder
from django_tamara.testing import make_notification_token

pytestmark = pytest.mark.django_db

KNOWN_ORDER = uuid.UUID("6f1f7d2e-9a51-4c8e-9f0b-1f1f1f1f1f1f")

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
json_values = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
order_ids = st.one_of(st.just(str(KNOWN_ORDER)), st.uuids().map(str), json_leaf, st.text(max_size=50))
event_types = st.one_of(
    st.sampled_from(
        ["order_approved", "order_declined", "order_captured", "order_refunded", "order_expired", "dispute_opened"]
    ),
    json_leaf,
    st.text(max_size=80),
)
bodies = st.one_of(
    st.fixed_dictionaries(
        {"order_id": order_ids, "event_type": event_types},
        optional={
            "order_reference_id": json_values,
            "order_number": json_values,
            "data": json_values,
            "order_status": json_values,
        },
    ),
    st.fixed_dictionaries({"order_id": order_ids, "order_status": json_values}, optional={"data": json_values}),
    json_values,
)


def deep(depth: int) -> str:
    return (
        '{"order_id": "'
        + str(KNOWN_ORDER)
        + '", "event_type": "order_approved", "data": '
        + "[" * depth
        + "]" * depth
        + "}"
    )


@pytest.fixture
def token(settings):
    return make_notification_token(settings.TAMARA["NOTIFICATION_TOKEN"])


@pytest.fixture
def known_order(db):
    # The order exists locally but not at Tamara's: processing fails cleanly (kept as failed).
    return TamaraOrder.objects.create(order_id=KNOWN_ORDER, order_reference_id="R", currency="SAR", total_amount=1)


@hsettings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(body=bodies)
def test_hostile_bodies_never_cause_a_server_error(body, token, known_order, tamara_simulator):
    raw = json.dumps(body, ensure_ascii=False)
    response = Client(raise_request_exception=True).post(
        "/tamara/webhooks/", raw.encode("utf-8"), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "raw",
    [
        deep(5000).encode(),
        b"\xff\xfe\x00garbage",
        "\ud800".encode("utf-8", "surrogatepass"),
        b'{"order_id": 1e999999, "event_type": "x"}',
        b"",
        b"null",
    ],
)
def test_pathological_bytes(raw, token, known_order, tamara_simulator):
    response = Client(raise_request_exception=True).post(
        "/tamara/webhooks/", raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert 400 <= response.status_code < 500 or response.status_code == 200
