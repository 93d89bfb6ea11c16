"""The webhook endpoint refuses forged deliveries with 401 and changes nothing."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from django_tamara.models import TamaraOrder, WebhookEvent

pytestmark = pytest.mark.django_db

URL = "/tamara/webhooks/"


@pytest.fixture
def key(settings) -> str:
    return settings.TAMARA["NOTIFICATION_TOKEN"]


@pytest.fixture
def order() -> TamaraOrder:
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="R-1", currency="SAR", total_amount=100, status="new"
    )


def body_for(order: TamaraOrder) -> bytes:
    return json.dumps(
        {
            "order_id": str(order.order_id),
            "order_reference_id": "R-1",
            "order_number": "R-1",
            "event_type": "order_approved",
            "data": {},
        }
    ).encode()


def token(key: str, *, now: float | None = None, alg: str = "HS256", **claims) -> str:
    now = time.time() if now is None else now
    payload = {"iat": int(now), "exp": int(now) + 900, "iss": "Tamara", **claims}
    return jwt.encode(payload, key, algorithm=alg)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_deliveries(key: str) -> dict[str, dict]:
    good = token(key)
    head, payload, signature = good.split(".")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tampered_sig = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    return {
        "no token": {},
        "token in the wrong header": {"HTTP_X_TAMARA_TOKEN": good},
        "token without Bearer": {"HTTP_AUTHORIZATION": good},
        "wrong key": {"HTTP_AUTHORIZATION": "Bearer " + token("a-completely-different-key-0123456789")},
        "alg none": {"HTTP_AUTHORIZATION": "Bearer " + f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."},
        "HS512 with the right key": {"HTTP_AUTHORIZATION": "Bearer " + token(key, alg="HS512")},
        "RS256": {"HTTP_AUTHORIZATION": "Bearer " + token(pem, alg="RS256")},
        "expired": {"HTTP_AUTHORIZATION": "Bearer " + token(key, now=time.time() - 3600)},
        "iat in the future": {"HTTP_AUTHORIZATION": "Bearer " + token(key, now=time.time() + 3600)},
        "no exp": {"HTTP_AUTHORIZATION": "Bearer " + jwt.encode({"iat": int(time.time())}, key, algorithm="HS256")},
        "no iat": {
            "HTTP_AUTHORIZATION": "Bearer " + jwt.encode({"exp": int(time.time()) + 900}, key, algorithm="HS256")
        },
        "truncated": {"HTTP_AUTHORIZATION": "Bearer " + good[: len(good) // 2]},
        "tampered signature": {"HTTP_AUTHORIZATION": "Bearer " + f"{head}.{payload}.{tampered_sig}"},
        "tampered claims": {
            "HTTP_AUTHORIZATION": "Bearer " + f"{head}.{b64({'iat': 1, 'exp': 4102444800})}.{signature}"
        },
        "garbage": {"HTTP_AUTHORIZATION": "Bearer not.a.jwt"},
    }


CASES = list(forged_deliveries("placeholder"))


@pytest.mark.parametrize("case", CASES)
def test_forged_delivery_is_refused_and_changes_nothing(case, key, order, caplog):
    headers = forged_deliveries(key)[case]
    before = TamaraOrder.objects.get(pk=order.pk)
    response = Client().post(URL, body_for(order), content_type="application/json", **headers)
    assert response.status_code == 401, case
    assert response.json() == {"error": "invalid or missing tamaraToken"}
    assert WebhookEvent.objects.count() == 0
    after = TamaraOrder.objects.get(pk=order.pk)
    assert (after.status, after.date_updated) == (before.status, before.date_updated)
    assert "invalid token" in caplog.text
    assert key not in caplog.text


def test_forged_token_in_the_query_string_is_refused(key, order):
    response = Client().post(
        f"{URL}?tamaraToken={token('wrong-key-wrong-key-wrong-key-0000')}",
        body_for(order),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_only_post_is_accepted(key, order):
    good = token(key)
    assert Client().get(f"{URL}?tamaraToken={good}").status_code == 405
    assert (
        Client()
        .put(URL, body_for(order), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {good}")
        .status_code
        == 405
    )
