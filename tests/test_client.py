"""The client against a running simulator over real HTTP: every method and every error kind."""

from __future__ import annotations

import logging
import socket
from decimal import Decimal

import jwt
import pytest
import requests

from django_tamara import exceptions as exc
from django_tamara.client import ShippingInfo, TamaraClient, get_client
from django_tamara.money import Money

from .payloads import checkout_payload

SAR = "SAR"
SHIPPING = ShippingInfo(shipped_at="2026-11-23T10:00:00Z", shipping_company="SMSA", tracking_number="T1")


def sar(amount: str) -> Money:
    return Money(amount, SAR)


@pytest.fixture
def client(tamara_simulator) -> TamaraClient:
    client = TamaraClient(
        tamara_simulator.url, tamara_simulator.api_token, read_timeout=5, max_retries=2, retry_backoff=0.01
    )
    yield client
    client.close()


def fault(sim, path: str, action: str, count: int = 1, method: str | None = None, delay: float | None = None) -> None:
    body = {"path": path, "action": action, "count": count}
    if method:
        body["method"] = method
    if delay is not None:
        body["delay"] = delay
    requests.post(f"{sim.url}/simulator/faults", json=body, timeout=5).raise_for_status()


def api_calls(sim, path_part: str) -> list[dict]:
    return [e for e in sim.journal() if e.get("kind") == "api" and path_part in e.get("path", "")]


def new_order(client: TamaraClient, sim, *items: str, **kwargs) -> str:
    session = client.create_checkout_session(checkout_payload(items or ("100.00", "50.00"), **kwargs))
    return session.order_id


def authorised_order(client: TamaraClient, sim, *items: str, **kwargs) -> str:
    order_id = new_order(client, sim, *items, **kwargs)
    sim.approve(order_id)
    client.authorise_order(order_id)
    return order_id


def amounts(order: dict) -> tuple[str, Decimal, Decimal, Decimal, Decimal]:
    def a(key: str) -> Decimal:
        return Money.from_api(order[key]).amount

    return order["status"], a("total_amount"), a("captured_amount"), a("refunded_amount"), a("canceled_amount")


# Checkout --------------------------------------------------------------------------------


def test_create_checkout_session(client, tamara_simulator):
    session = client.create_checkout_session(checkout_payload(("100.00", "50.00")))
    assert session.status == "new"
    assert session.checkout_url.startswith(tamara_simulator.url + "/checkout/")
    assert session.order_id and session.checkout_id
    order = client.get_order(session.order_id)
    assert order["status"] == "new"
    assert isinstance(order["total_amount"]["amount"], Decimal)
    assert Money.from_api(order["total_amount"]) == sar("160.00")


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"item_amounts": ("99999.00",)}, "total_amount_invalid_limit"),
        ({"country_code": "AE"}, "total_amount_invalid_currency"),
        ({"consumer": {"first_name": "A", "last_name": "B", "phone_number": "12"}}, "consumer_invalid_phone_number"),
    ],
)
def test_checkout_errors_carry_tamaras_codes(client, overrides, code):
    items = overrides.pop("item_amounts", ("100.00",))
    with pytest.raises(exc.BadRequest) as info:
        client.create_checkout_session(checkout_payload(items, **overrides))
    assert info.value.status == 400
    assert code in info.value.error_codes
    assert code in str(info.value)


def test_unsupported_currency_is_refused(client):
    payload = checkout_payload(("10",))
    for key in ("total_amount", "shipping_amount", "tax_amount"):
        payload[key]["currency"] = "USD"
    for item in payload["items"]:
        item["total_amount"]["currency"] = "USD"
    with pytest.raises(exc.BadRequest) as info:
        client.create_checkout_session(payload)
    assert "currency_unsupported" in info.value.error_codes


def test_payment_types_and_pre_check(client):
    types = client.payment_types("SA", "SAR")
    assert types and all("min_limit" in t and "max_limit" in t for t in types)
    assert all(isinstance(t["min_limit"]["amount"], (Decimal, int)) for t in types)
    options = client.payment_options_pre_check("SA", sar("300"), phone_number="+966502223333")
    assert options.has_available_payment_options is True
    assert options.available_payment_labels
    too_big = client.payment_options_pre_check("SA", sar("9999999"))
    assert too_big.has_available_payment_options is False


# The four operations of tests/schemas/tamara-orders-api.openapi.yaml ---------------------------


def test_get_order_by_id_and_reference_and_404(client, tamara_simulator):
    payload = checkout_payload(("20",), reference="REF-SEED-1")
    session = client.create_checkout_session(payload)
    by_id = client.get_order(session.order_id)
    by_ref = client.get_order_by_reference_id("REF-SEED-1")
    assert by_id["order_id"] == by_ref["order_id"] == session.order_id
    assert by_id["order_reference_id"] == "REF-SEED-1"
    # Tamara's PHP library reads an order at /merchants/orders/{id} (tamara-solution/php-sdk,
    # src/Tamara/Request/Order/GetOrderRequestHandler.php), Tamara's "Get Order Details" page
    # at /orders/{id}, the path the client uses: both answer the same.
    raw = requests.get(
        f"{tamara_simulator.url}/merchants/orders/{session.order_id}",
        headers={"Authorization": f"Bearer {tamara_simulator.api_token}"},
        timeout=5,
    )
    assert raw.status_code == 200 and raw.json()["order_id"] == session.order_id
    with pytest.raises(exc.NotFound) as info:
        client.get_order("00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404


def test_authorise_then_409_on_repeat(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator)
    with pytest.raises(exc.Conflict):  # not approved yet
        client.authorise_order(order_id)
    tamara_simulator.approve(order_id)
    result = client.authorise_order(order_id)
    assert result.status == "authorised" and result.order_id == order_id
    assert result.authorized_amount == sar("160.00")
    assert result.auto_captured is False
    with pytest.raises(exc.Conflict) as info:
        client.authorise_order(order_id)
    assert info.value.status == 409


def test_cancel_full_and_partial(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator)
    partial = client.cancel_order(order_id, sar("60"))
    assert partial.cancel_id and partial.status == "updated"
    rest = client.cancel_order(order_id, sar("100"))
    assert rest.status == "canceled"
    assert amounts(client.get_order(order_id)) == ("canceled", Decimal("160"), 0, 0, Decimal("160"))


def test_update_reference_id(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator)
    message = client.update_reference_id(order_id, "A1234")
    assert "updated" in message.lower()
    assert client.get_order(order_id)["order_reference_id"] == "A1234"
    with pytest.raises(exc.NotFound):
        client.update_reference_id("00000000-0000-4000-8000-000000000000", "X")


# Whole lives -------------------------------------------------------------------------------


def test_life_of_an_order_capture_and_refund(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator, "100.00", "50.00")  # total 160 with shipping
    assert amounts(client.get_order(order_id))[0] == "new"
    tamara_simulator.approve(order_id)
    assert amounts(client.get_order(order_id))[0] == "approved"
    client.authorise_order(order_id)
    assert amounts(client.get_order(order_id)) == ("authorised", Decimal("160"), 0, 0, 0)

    first = client.capture_order(order_id, sar("100"), SHIPPING)
    assert first.capture_id
    assert amounts(client.get_order(order_id)) == ("partially_captured", Decimal("160"), Decimal("100"), 0, 0)
    second = client.capture_order(order_id, sar("60"), SHIPPING.to_api())
    assert second.capture_id != first.capture_id
    assert amounts(client.get_order(order_id)) == ("fully_captured", Decimal("160"), Decimal("160"), 0, 0)

    refund = client.simplified_refund(order_id, sar("40.50"), "damaged", merchant_refund_id="RF-1")
    assert refund.refund_id and refund.refunded_amount == sar("40.50")
    assert amounts(client.get_order(order_id)) == (
        "partially_refunded",
        Decimal("160"),
        Decimal("160"),
        Decimal("40.50"),
        0,
    )
    client.simplified_refund(order_id, sar("119.50"), "returned")
    order = client.get_order(order_id)
    assert amounts(order) == ("fully_refunded", Decimal("160"), Decimal("160"), Decimal("160"), 0)
    assert len(order["transactions"]["captures"]) == 2 and len(order["transactions"]["refunds"]) == 2


def test_life_of_an_order_partial_cancel_then_capture(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator, "100.00", "50.00")
    client.cancel_order(order_id, sar("50"))
    assert amounts(client.get_order(order_id)) == ("updated", Decimal("160"), 0, 0, Decimal("50"))
    with pytest.raises(exc.BadRequest):  # only 110 is left
        client.capture_order(order_id, sar("110.01"), SHIPPING)
    client.capture_order(order_id, sar("110"), SHIPPING)
    assert amounts(client.get_order(order_id)) == ("fully_captured", Decimal("160"), Decimal("110"), 0, Decimal("50"))


def test_refused_transitions(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator)
    with pytest.raises(exc.BadRequest) as info:
        client.simplified_refund(order_id, sar("1"), "too early")
    assert "refund.capture_not_found" in info.value.error_codes + [info.value.message]
    client.capture_order(order_id, sar("10"), SHIPPING)
    with pytest.raises(exc.TamaraAPIError) as info:
        client.cancel_order(order_id, sar("10"))
    assert info.value.status in (400, 409)
    with pytest.raises(exc.BadRequest):
        client.simplified_refund(order_id, sar("10.01"), "more than captured")


def test_legacy_refund_against_a_capture(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator)
    capture = client.capture_order(order_id, sar("160"), SHIPPING)
    result = client.refund(order_id, [{"capture_id": capture.capture_id, "total_amount": sar("10")}])
    assert result.refunds[0]["capture_id"] == capture.capture_id and result.refunds[0]["refund_id"]
    with pytest.raises(exc.BadRequest) as info:
        client.refund(order_id, [{"capture_id": "no-such-capture", "total_amount": sar("1")}])
    assert "refund.capture_not_found" in info.value.error_codes + [info.value.message]


def test_three_decimal_currency_end_to_end(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator, "10.005", currency="KWD", shipping="0.250")
    tamara_simulator.approve(order_id)
    client.authorise_order(order_id)
    client.capture_order(order_id, Money("10.255", "KWD"), SHIPPING)
    order = client.get_order(order_id)
    assert Money.from_api(order["captured_amount"]) == Money("10.255", "KWD")


# Webhooks ------------------------------------------------------------------------------------


def test_webhook_register_get_update_delete(client):
    webhook_id = client.register_webhook("https://shop.example/tamara/webhooks/", ["order_approved"])
    hook = client.get_webhook(webhook_id)
    assert hook.url == "https://shop.example/tamara/webhooks/" and hook.events == ["order_approved"]
    with pytest.raises(exc.Conflict) as info:
        client.register_webhook("https://shop.example/tamara/webhooks/", ["order_approved"])
    assert "webhook_already_registered" in info.value.error_codes
    assert info.value.errors[0]["data"]["webhook_id"] == webhook_id
    updated = client.update_webhook(webhook_id, "https://shop.example/hooks/", ["order_approved", "order_declined"])
    assert updated.url == "https://shop.example/hooks/" and len(updated.events) == 2
    client.delete_webhook(webhook_id)
    with pytest.raises(exc.NotFound):
        client.get_webhook(webhook_id)


# Error kinds and retries -----------------------------------------------------------------------


def test_wrong_token_is_unauthorised(tamara_simulator):
    client = TamaraClient(tamara_simulator.url, "not-the-token", max_retries=0)
    with pytest.raises(exc.Unauthorised) as info:
        client.get_order("00000000-0000-4000-8000-000000000000")
    assert info.value.status == 401
    assert "not-the-token" not in str(info.value) and "not-the-token" not in repr(info.value)


def test_get_is_retried_after_a_server_error(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator)
    fault(tamara_simulator, f"/orders/{order_id}", "error_500", count=1, method="GET")
    assert client.get_order(order_id)["order_id"] == order_id
    assert [e["status"] for e in api_calls(tamara_simulator, f"/orders/{order_id}") if e["method"] == "GET"] == [
        500,
        200,
    ]


def test_post_is_not_retried_after_a_server_error(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator)
    fault(tamara_simulator, "/payments/capture", "error_500", count=1)
    with pytest.raises(exc.ServerError) as info:
        client.capture_order(order_id, sar("10"), SHIPPING)
    assert info.value.status == 500
    assert len(api_calls(tamara_simulator, "/payments/capture")) == 1


def test_rate_limited_after_retries(client, tamara_simulator):
    order_id = new_order(client, tamara_simulator)
    fault(tamara_simulator, f"/orders/{order_id}", "error_429", count=10, method="GET")
    with pytest.raises(exc.RateLimited) as info:
        client.get_order(order_id)
    assert info.value.status == 429
    assert len(api_calls(tamara_simulator, f"/orders/{order_id}")) == 3  # first try + 2 retries


def test_read_timeout_is_a_timeout_error(tamara_simulator):
    client = TamaraClient(tamara_simulator.url, tamara_simulator.api_token, read_timeout=0.3, max_retries=0)
    fault(tamara_simulator, "/checkout", "delay", count=1, delay=1.0)
    with pytest.raises(exc.TamaraTimeout):
        client.create_checkout_session(checkout_payload(("10",)))


def test_connection_refused_is_retried_then_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the call: nothing listens there
    client = TamaraClient(f"http://127.0.0.1:{port}", "t", max_retries=1, retry_backoff=0.01)
    with pytest.raises(exc.TamaraConnectionError):
        client.capture_order("x", sar("1"), SHIPPING)


def test_dropped_connection_after_a_processed_capture_loses_nothing(client, tamara_simulator):
    order_id = authorised_order(client, tamara_simulator)
    fault(tamara_simulator, "/payments/capture", "drop_after", count=1)
    with pytest.raises(exc.TamaraTimeout) as info:
        client.capture_order(order_id, sar("100"), SHIPPING)
    assert "fetch the order" in str(info.value)
    assert len(api_calls(tamara_simulator, "/payments/capture")) == 1  # not blindly retried
    order = client.get_order(order_id)
    assert order["status"] == "partially_captured"
    assert [Money.from_api(c["total_amount"]) for c in order["transactions"]["captures"]] == [sar("100")]


# Secrets -----------------------------------------------------------------------------------------


def test_tokens_never_reach_logs_or_errors(tamara_simulator, caplog, settings):
    caplog.set_level(logging.DEBUG, logger="django_tamara")
    client = get_client()
    assert client.api_url == tamara_simulator.url
    secrets = [tamara_simulator.api_token, tamara_simulator.notification_token]
    errors = []
    order_id = new_order(client, tamara_simulator)
    tamara_simulator.approve(order_id)
    client.authorise_order(order_id)
    for call in (
        lambda: client.authorise_order(order_id),
        lambda: client.get_order("00000000-0000-4000-8000-000000000000"),
        lambda: TamaraClient(tamara_simulator.url, "wrong-" + secrets[0], max_retries=0).get_order(order_id),
    ):
        try:
            call()
        except exc.TamaraError as error:
            errors.append(error)
    assert len(errors) == 3
    assert "/authorise -> 409" in caplog.text  # calls are logged, at DEBUG
    text = caplog.text + "".join(f"{e}{e!r}{e.args}" for e in errors) + repr(client) + repr(settings.TAMARA and "")
    for secret in secrets:
        assert secret not in text


def test_get_client_is_reused_and_follows_settings(tamara_simulator, settings):
    assert get_client() is get_client()
    settings.TAMARA = {**settings.TAMARA, "API_URL": "http://127.0.0.1:9"}
    assert get_client().api_url == "http://127.0.0.1:9"


def test_notification_token_verifies_only_with_the_notification_key(tamara_simulator):
    from django_tamara.testing import make_notification_token

    token = make_notification_token(tamara_simulator.notification_token)
    claims = jwt.decode(
        token, tamara_simulator.notification_token, algorithms=["HS256"], options={"require": ["exp", "iat"]}
    )
    assert claims["exp"] - claims["iat"] == 900
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-key", algorithms=["HS256"])
