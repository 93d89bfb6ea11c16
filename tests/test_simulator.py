"""The simulator's merchant API over real HTTP: validation, the order lifecycle, webhooks CRUD."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
import requests

from django_tamara.simulator import Simulator, SimulatorError
from django_tamara.simulator.samples import sample_checkout_payload

SHIPPING_INFO = {"shipped_at": "2026-11-23T10:00:00Z", "shipping_company": "SMSA", "tracking_number": "T1"}


class Api:
    """A keep-alive client for the simulator with the merchant's bearer token."""

    def __init__(self, sim: Simulator, token: str | None = None) -> None:
        self.sim = sim
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {token or sim.api_token}"

    def __getattr__(self, method: str) -> Any:
        def call(path: str, **kwargs: Any) -> requests.Response:
            kwargs.setdefault("timeout", 10)
            return self.session.request(method.upper(), self.sim.url + path, **kwargs)

        return call


@pytest.fixture
def api(tamara_simulator: Simulator) -> Api:
    return Api(tamara_simulator)


def money(amount: str, currency: str = "SAR") -> dict[str, Any]:
    return {"amount": float(Decimal(amount)), "currency": currency}


def amount_of(value: dict[str, Any]) -> Decimal:
    return Decimal(str(value["amount"]))


def create(api: Api, *amounts: str, **overrides: Any) -> str:
    response = api.post("/checkout", json=sample_checkout_payload(amounts or ("100.00",), **overrides))
    assert response.status_code == 200, response.text
    return response.json()["order_id"]


def authorised(api: Api, *amounts: str, **overrides: Any) -> str:
    order_id = create(api, *amounts, **overrides)
    api.sim.approve(order_id)
    assert api.post(f"/orders/{order_id}/authorise").status_code == 200
    return order_id


def capture(api: Api, order_id: str, amount: str, currency: str = "SAR") -> requests.Response:
    return api.post(
        "/payments/capture",
        json={"order_id": order_id, "total_amount": money(amount, currency), "shipping_info": SHIPPING_INFO},
    )


def error_code(response: requests.Response) -> str:
    return response.json()["errors"][0]["error_code"]


# Authentication and protocol -----------------------------------------------------------------


def test_bearer_token_is_required(tamara_simulator):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {tamara_simulator.api_token}"}):
        response = requests.get(f"{tamara_simulator.url}/orders/x", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized", "errors": [{"error_code": "unauthorized"}]}


def test_unknown_path_wrong_method_and_bad_json_are_json_errors(api):
    assert api.get("/nowhere").status_code == 404
    assert api.get("/nowhere").json()["errors"][0]["error_code"] == "not_found"
    response = api.get("/checkout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert error_code(response) == "method_not_allowed"
    response = api.post("/checkout", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_code(response) == "invalid_json"
    response = api.post("/checkout", json=[1, 2])
    assert response.status_code == 400 and error_code(response) == "invalid_request_body"


def test_http_1_1_keep_alive_with_content_length(api):
    order_id = create(api)
    first = api.get(f"/orders/{order_id}")
    second = api.get(f"/orders/{order_id}")
    assert first.raw.version == 11 and int(first.headers["Content-Length"]) == len(first.content)
    assert first.json() == second.json()


# POST /checkout validation ------------------------------------------------------------------


def _without(payload: dict[str, Any], path: str) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    *parents, last = path.split(".")
    target = payload
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if isinstance(target, list):
        del target[int(last)]
    else:
        del target[last]
    return payload


@pytest.mark.parametrize(
    "path, code",
    [
        ("order_reference_id", "order_reference_id_required"),
        ("total_amount", "total_amount_required"),
        ("shipping_amount", "shipping_amount_required"),
        ("tax_amount", "tax_amount_required"),
        ("country_code", "country_code_required"),
        ("description", "description_required"),
        ("consumer.first_name", "consumer_empty_first_name"),
        ("consumer.last_name", "consumer_empty_last_name"),
        ("consumer.phone_number", "consumer_empty_phone_number"),
        ("merchant_url.success", "merchant_url_success_required"),
        ("merchant_url.failure", "merchant_url_failure_required"),
        ("merchant_url.cancel", "merchant_url_cancel_required"),
        ("items.0.sku", "items_sku_required"),
        ("items.0.name", "items_name_required"),
        ("items.0.reference_id", "items_reference_id_required"),
        ("items.0.type", "items_type_required"),
        ("items.0.quantity", "items_quantity_required"),
        ("items.0.total_amount", "items_total_amount_required"),
    ],
)
def test_checkout_requires_fields(api, path, code):
    response = api.post("/checkout", json=_without(sample_checkout_payload(), path))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["error_code"] == code
    field = path.replace(".0.", "[0].")
    assert body["errors"][0]["data"]["field"] == field
    assert field in body["message"]


def test_checkout_lists_every_missing_field_and_needs_items(api):
    payload = sample_checkout_payload(items=[])
    del payload["description"]
    response = api.post("/checkout", json=payload)
    codes = {e["error_code"] for e in response.json()["errors"]}
    assert response.status_code == 400 and codes == {"items_is_empty", "description_required"}


def test_notification_url_is_optional(api):
    payload = sample_checkout_payload()
    assert "notification" not in payload["merchant_url"]
    assert api.post("/checkout", json=payload).status_code == 200


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"total_amount": money("110", "USD")}, "currency_unsupported", "total_amount"),
        ({"country_code": "AE"}, "total_amount_invalid_currency", "total_amount"),
        ({"shipping_amount": money("10", "AED")}, "total_amount_invalid_currency", "shipping_amount"),
        ({"tax_amount": {"amount": "0.001", "currency": "SAR"}}, "invalid_amount", "tax_amount"),
        ({"total_amount": money("111")}, "total_amount_invalid", "total_amount"),
        ({"instalments": 5}, "instalments_not_available", "instalments"),
        ({"payment_type": "PAY_WITH_HOPE"}, "payment_type_invalid", "payment_type"),
        ({"expires_in_minutes": 0}, "expires_in_minutes_invalid", "expires_in_minutes"),
    ],
)
def test_checkout_money_rules(api, change, code, field):
    payload = sample_checkout_payload(("100.00",))
    payload.update(change)
    response = api.post("/checkout", json=payload)
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert response.json()["errors"][0]["data"]["field"] == field


def test_item_in_another_currency_is_refused(api):
    payload = sample_checkout_payload(("100.00",))
    payload["items"][0]["total_amount"] = money("100", "AED")
    response = api.post("/checkout", json=payload)
    assert error_code(response) == "total_amount_invalid_currency"
    assert response.json()["errors"][0]["data"]["field"] == "items[0].total_amount"


def test_three_decimals_for_kwd_and_bhd_but_not_sar(api):
    assert create(api, "10.125", currency="KWD", shipping="0")
    assert create(api, "10.125", currency="BHD", shipping="0")
    payload = sample_checkout_payload(("10.125",), currency="SAR", shipping="0")
    payload["total_amount"] = {"amount": "10.125", "currency": "SAR"}
    payload["items"][0]["total_amount"] = {"amount": "10.125", "currency": "SAR"}
    response = api.post("/checkout", json=payload)
    assert response.status_code == 400 and error_code(response) == "invalid_amount"


def test_total_uses_the_shared_amounts_rule(api):
    # Item taxes count instead of the order's tax_amount, and the discount is subtracted.
    payload = sample_checkout_payload(("41.65",), shipping="1", tax="7.35")
    payload["items"][0]["tax_amount"] = money("7.35")
    payload["discount"] = {"name": "WELCOME", "amount": money("5")}
    payload["total_amount"] = money("45.00")
    response = api.post("/checkout", json=payload)
    assert response.status_code == 200, response.text
    order = api.get(f"/orders/{response.json()['order_id']}").json()
    assert order["discount_amount"] == {"name": "WELCOME", "amount": money("5")}


def test_total_must_be_within_the_payment_limits(api):
    response = api.post("/checkout", json=sample_checkout_payload(("6000",)))
    assert response.status_code == 400 and error_code(response) == "total_amount_invalid_limit"
    assert response.json()["errors"][0]["data"]["max_limit"] == money("5000")
    assert api.post("/checkout", json=sample_checkout_payload(("6000",), payment_type="PAY_NOW")).status_code == 200


@pytest.mark.parametrize(
    "phone, ok",
    [
        ("502223333", True),
        ("0502223333", True),
        ("966502223333", True),
        ("+966502223333", True),
        ("+966 50 222 3333", True),
        ("402223333", False),
        ("12345", False),
        ("+96650222333x", False),
    ],
)
def test_saudi_phone_numbers(api, phone, ok):
    payload = sample_checkout_payload()
    payload["consumer"]["phone_number"] = phone
    response = api.post("/checkout", json=payload)
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400 and error_code(response) == "consumer_invalid_phone_number"


def test_phone_numbers_of_other_countries_need_8_to_15_digits(api):
    assert create(api, currency="AED")
    payload = sample_checkout_payload(currency="AED")
    payload["consumer"]["phone_number"] = "+97150"
    assert error_code(api.post("/checkout", json=payload)) == "consumer_invalid_phone_number"


def test_email_must_look_like_one(api):
    payload = sample_checkout_payload()
    payload["consumer"]["email"] = "mo*****@gmail"
    response = api.post("/checkout", json=payload)
    assert response.status_code == 400 and error_code(response) == "consumer_invalid_email"


def test_address_rules(api):
    payload = sample_checkout_payload(shipping_address={"country_code": "US", "phone_number": "12"})
    codes = {e["error_code"] for e in api.post("/checkout", json=payload).json()["errors"]}
    assert codes == {"shipping_address_invalid_phone_number", "not_supported_delivery_country"}


# Creating and reading orders ------------------------------------------------------------------


def test_checkout_answer_and_order_json(api, tamara_simulator):
    payload = sample_checkout_payload(("100.00", "50.50"), locale="ar_SA", instalments=3, platform="shop 1.0")
    response = api.post("/checkout", json=payload)
    answer = response.json()
    assert set(answer) == {"order_id", "checkout_id", "checkout_url", "status"}
    assert answer["status"] == "new"
    assert answer["checkout_url"] == f"{tamara_simulator.url}/checkout/{answer['checkout_id']}"
    order = api.get(f"/orders/{answer['order_id']}").json()
    expected_keys = {
        "order_id",
        "order_reference_id",
        "order_number",
        "status",
        "payment_type",
        "instalments",
        "created_at",
        "order_expiry_time",
        "description",
        "locale",
        "platform",
        "is_mobile",
        "consumer",
        "shipping_address",
        "items",
        "total_amount",
        "tax_amount",
        "shipping_amount",
        "discount_amount",
        "captured_amount",
        "refunded_amount",
        "canceled_amount",
        "paid_amount",
        "merchant_url",
        "transactions",
    }
    assert expected_keys <= set(order)
    # Fields without a value are left out, not sent as null (issue #13).
    assert not {"settlement_status", "settlement_date", "billing_address"} & set(order)
    assert order["order_number"] == payload["order_reference_id"]
    assert order["total_amount"] == money("160.50")
    assert order["items"][1]["total_amount"] == money("50.50")
    assert order["created_at"].endswith("Z") and order["order_expiry_time"].endswith("Z")
    assert order["locale"] == "ar_SA" and order["instalments"] == 3 and order["platform"] == "shop 1.0"
    assert set(order["consumer"]) == {"first_name", "last_name", "phone_number", "email"}  # no date_of_birth sent
    assert order["transactions"] == {"captures": [], "refunds": [], "cancels": []}
    assert b'"amount":160.5' in api.get(f"/orders/{answer['order_id']}").content  # a JSON number, not a string


def test_get_order_paths_and_reference_lookup(api):
    order_id = create(api, order_reference_id="SHOP-42", order_number="42")
    by_id = api.get(f"/orders/{order_id}").json()
    assert api.get(f"/merchants/orders/{order_id}").json() == by_id
    assert api.get("/merchants/orders/reference-id/SHOP-42").json() == by_id
    assert by_id["order_number"] == "42"
    for path in (f"/orders/{'0' * 8}", "/merchants/orders/nope", "/merchants/orders/reference-id/nope"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"message": "Order not found", "errors": [{"error_code": "order_not_found"}]}


def test_update_reference_id(api):
    order_id = create(api, order_reference_id="OLD-1")
    response = api.put(f"/orders/{order_id}/reference-id", json={"order_reference_id": "NEW-1"})
    assert response.status_code == 200
    assert response.json() == {"message": "Order reference id was updated successfully"}
    assert api.get(f"/orders/{order_id}").json()["order_reference_id"] == "NEW-1"
    assert api.get("/merchants/orders/reference-id/NEW-1").json()["order_id"] == order_id
    assert api.get("/merchants/orders/reference-id/OLD-1").status_code == 404
    response = api.put(f"/orders/{order_id}/reference-id", json={})
    assert response.status_code == 400 and error_code(response) == "order_reference_id_required"
    assert api.put("/orders/unknown/reference-id", json={"order_reference_id": "X"}).status_code == 404


# The lifecycle ---------------------------------------------------------------------------------


def test_happy_path_with_partial_operations(api, tamara_simulator):
    order_id = create(api, "100.00", "50.00")  # total 160 with shipping
    assert api.get(f"/orders/{order_id}").json()["status"] == "new"

    assert tamara_simulator.approve(order_id) == {"order_id": order_id, "status": "approved"}
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "approved"
    assert order["paid_amount"] == money("53.33")  # the first of three instalments

    answer = api.post(f"/orders/{order_id}/authorise", json={"order_id": order_id}).json()
    assert answer["status"] == "authorised" and answer["auto_captured"] is False
    assert answer["authorized_amount"] == money("160") and "capture_id" not in answer
    assert answer["payment_type"] == "PAY_BY_INSTALMENTS" and answer["order_expiry_time"].endswith("Z")

    first = capture(api, order_id, "60.00").json()
    assert first["status"] == "partially_captured" and first["captured_amount"] == money("60")
    second = capture(api, order_id, "100.00").json()
    assert second["status"] == "fully_captured"
    order = api.get(f"/orders/{order_id}").json()
    assert order["captured_amount"] == money("160")
    assert [c["capture_id"] for c in order["transactions"]["captures"]] == [first["capture_id"], second["capture_id"]]
    assert order["transactions"]["captures"][0]["shipping_info"]["shipping_company"] == "SMSA"

    refund = api.post(
        f"/payments/simplified-refund/{order_id}",
        json={"total_amount": money("70.00"), "comment": "damaged", "merchant_refund_id": "RF-1"},
    ).json()
    assert refund["status"] == "partially_refunded" and refund["refunded_amount"] == money("70")
    assert refund["capture_id"] == first["capture_id"] and refund["comment"] == "damaged"
    order = api.get(f"/orders/{order_id}").json()
    assert order["refunded_amount"] == money("70")
    captures = order["transactions"]["captures"]
    assert captures[0]["refunded_amount"] == money("60") and captures[1]["refunded_amount"] == money("10")

    rest = api.post(f"/payments/simplified-refund/{order_id}", json={"total_amount": money("90"), "comment": "rest"})
    assert rest.json()["status"] == "fully_refunded"
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "fully_refunded" and order["refunded_amount"] == money("160")
    assert [r.get("merchant_refund_id") for r in order["transactions"]["refunds"]] == ["RF-1", None]


def test_repeated_authorise_is_a_conflict(api):
    order_id = authorised(api)
    response = api.post(f"/orders/{order_id}/authorise")
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["error_code"] == "order_already_authorised"
    assert error["data"] == {"old_state": "authorised", "new_state": "authorised"}


def test_authorise_before_approval_is_a_conflict(api):
    order_id = create(api)
    response = api.post(f"/orders/{order_id}/authorise")
    assert response.status_code == 409
    assert response.json()["errors"][0]["data"] == {"old_state": "new", "new_state": "authorised"}


def test_partial_then_full_cancel(api):
    order_id = authorised(api, "100.00")  # 110
    body = api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("30"), "items": []}).json()
    assert body["status"] == "updated" and body["canceled_amount"] == money("30") and body["cancel_id"]
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "updated" and order["canceled_amount"] == money("30")
    response = api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("90")})
    assert response.status_code == 400 and error_code(response) == "cancel.amount_exceeded"
    assert api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("80")}).json()["status"] == "canceled"
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "canceled" and len(order["transactions"]["cancels"]) == 2
    response = api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("1")})
    assert response.status_code == 409 and error_code(response) == "order_already_canceled"


def test_capture_after_partial_cancel_is_limited_to_the_rest(api):
    order_id = authorised(api, "100.00")  # 110
    api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("10")})
    assert capture(api, order_id, "100.01").json()["errors"][0]["error_code"] == "capture.amount_exceeded"
    assert capture(api, order_id, "100").json()["status"] == "fully_captured"


def test_cancel_rules(api):
    order_id = authorised(api)
    response = api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("10", "AED")})
    assert response.status_code == 400 and error_code(response) == "total_amount_invalid_currency"
    response = api.post(f"/orders/{order_id}/cancel", json={})
    assert response.status_code == 400 and error_code(response) == "total_amount_required"
    capture(api, order_id, "10")
    response = api.post(f"/orders/{order_id}/cancel", json={"total_amount": money("100")})
    assert response.status_code == 400 and error_code(response) == "order_already_captured"
    new_order = create(api)
    assert api.post(f"/orders/{new_order}/cancel", json={"total_amount": money("1")}).status_code == 409


def test_capture_rules(api):
    order_id = create(api)
    response = capture(api, order_id, "10")
    assert response.status_code == 409 and response.json()["errors"][0]["data"]["old_state"] == "new"
    order_id = authorised(api)  # 110
    response = capture(api, order_id, "110.01")
    assert response.status_code == 400 and error_code(response) == "capture.amount_exceeded"
    response = api.post(
        "/payments/capture",
        json={
            "order_id": order_id,
            "total_amount": money("10"),
            "shipping_info": {"shipped_at": "2026-11-23T10:00:00Z"},
        },
    )
    assert response.status_code == 400 and error_code(response) == "shipping_info_shipping_company_required"
    response = api.post(
        "/payments/capture",
        json={
            "order_id": order_id,
            "total_amount": money("10"),
            "shipping_info": {"shipped_at": "yesterday", "shipping_company": "X"},
        },
    )
    assert response.status_code == 400 and error_code(response) == "shipping_info_shipped_at_invalid"
    assert capture(api, order_id, "10", "AED").json()["errors"][0]["error_code"] == "total_amount_invalid_currency"
    assert capture(api, order_id, "0").status_code == 400
    assert capture(api, "unknown", "10").status_code == 404
    assert capture(api, order_id, "110").json()["status"] == "fully_captured"
    response = capture(api, order_id, "1")
    assert response.status_code == 409 and error_code(response) == "order_already_captured"


def test_refund_rules(api):
    order_id = authorised(api)  # 110
    response = api.post(f"/payments/simplified-refund/{order_id}", json={"total_amount": money("10"), "comment": "x"})
    assert response.status_code == 400 and error_code(response) == "refund.capture_not_found"
    capture(api, order_id, "50")
    response = api.post(
        f"/payments/simplified-refund/{order_id}", json={"total_amount": money("50.01"), "comment": "x"}
    )
    assert response.status_code == 400 and error_code(response) == "refund.amount_exceeded"
    response = api.post(f"/payments/simplified-refund/{order_id}", json={"total_amount": money("10")})
    assert response.status_code == 400 and error_code(response) == "comment_required"
    body = {"total_amount": money("10"), "comment": "x", "merchant_refund_id": "M-1"}
    first = api.post(f"/payments/simplified-refund/{order_id}", json=body)
    assert first.status_code == 200
    again = api.post(f"/payments/simplified-refund/{order_id}", json=body)
    assert again.status_code == 409
    assert again.json()["errors"][0]["data"]["refund_id"] == first.json()["refund_id"]
    assert api.get(f"/orders/{order_id}").json()["refunded_amount"] == money("10")


def test_legacy_refund_against_named_captures(api):
    order_id = authorised(api)  # 110
    first = capture(api, order_id, "60").json()["capture_id"]
    second = capture(api, order_id, "50").json()["capture_id"]
    response = api.post(
        "/payments/refund",
        json={
            "order_id": order_id,
            "refunds": [
                {"capture_id": first, "total_amount": money("60")},
                {"capture_id": second, "total_amount": money("20")},
            ],
        },
    )
    assert response.status_code == 200, response.text
    refunds = response.json()["refunds"]
    assert [r["capture_id"] for r in refunds] == [first, second] and all(r["refund_id"] for r in refunds)
    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "partially_refunded" and order["refunded_amount"] == money("80")
    response = api.post(
        "/payments/refund", json={"order_id": order_id, "refunds": [{"capture_id": "nope", "total_amount": money("1")}]}
    )
    assert response.status_code == 400 and error_code(response) == "refund.capture_not_found"
    response = api.post(
        "/payments/refund",
        json={"order_id": order_id, "refunds": [{"capture_id": second, "total_amount": money("30.01")}]},
    )
    assert response.status_code == 400 and error_code(response) == "refund.amount_exceeded"
    assert api.get(f"/orders/{order_id}").json()["refunded_amount"] == money("80")  # all or nothing


def test_customer_actions_over_the_control_api(api, tamara_simulator):
    order_id = create(api)
    url = f"{tamara_simulator.url}/simulator/orders/{order_id}"
    assert requests.post(f"{url}/cancel", timeout=10).json() == {"order_id": order_id, "status": "new"}
    assert requests.post(f"{url}/decline", timeout=10).json() == {"order_id": order_id, "status": "declined"}
    response = requests.post(f"{url}/approve", timeout=10)
    assert response.status_code == 409
    assert response.json()["errors"][0]["data"] == {"old_state": "declined", "new_state": "approved"}
    assert requests.get(url, timeout=10).json()["status"] == "declined"
    assert requests.post(f"{tamara_simulator.url}/simulator/orders/nope/approve", timeout=10).status_code == 404
    with pytest.raises(SimulatorError) as caught:
        tamara_simulator.approve(order_id)
    assert caught.value.status == 409


def test_sandbox_decline_phone_declines_on_approval(api, tamara_simulator):
    payload = sample_checkout_payload()
    payload["consumer"]["phone_number"] = "526422337"
    order_id = api.post("/checkout", json=payload).json()["order_id"]
    assert tamara_simulator.approve(order_id)["status"] == "declined"


def test_expire_from_the_control_api(api, tamara_simulator):
    order_id = create(api)
    tamara_simulator.approve(order_id)
    assert tamara_simulator.expire(order_id)["status"] == "expired"
    assert api.post(f"/orders/{order_id}/authorise").status_code == 409


def test_auto_authorise_goes_straight_to_fully_captured(api, tamara_simulator):
    tamara_simulator.set_auto_authorise(True)
    order_id = create(api)
    assert tamara_simulator.approve(order_id)["status"] == "fully_captured"
    order = api.get(f"/orders/{order_id}").json()
    assert order["captured_amount"] == order["total_amount"]
    assert len(order["transactions"]["captures"]) == 1
    answer = api.post(f"/orders/{order_id}/authorise").json()
    assert answer["status"] == "fully_captured" and answer["auto_captured"] is True
    assert answer["capture_id"] == order["transactions"]["captures"][0]["capture_id"]


# Payment types and pre-checks --------------------------------------------------------------------


def test_payment_types(api):
    types = api.get("/checkout/payment-types", params={"country": "SA", "currency": "SAR"}).json()
    by_name = {t["name"]: t for t in types}
    assert by_name["PAY_BY_INSTALMENTS"]["min_limit"] == money("10")
    assert by_name["PAY_BY_INSTALMENTS"]["max_limit"] == money("5000")
    assert [i["instalments"] for i in by_name["PAY_BY_INSTALMENTS"]["supported_instalments"]] == [2, 3, 4, 6]
    assert by_name["PAY_NOW"]["max_limit"] == money("20000")
    kwd = {t["name"]: t for t in api.get("/checkout/payment-types", params={"country": "KW"}).json()}
    assert kwd["PAY_BY_INSTALMENTS"]["max_limit"]["currency"] == "KWD"
    assert api.get("/checkout/payment-types", params={"country": "US"}).json() == []
    assert api.get("/checkout/payment-types").status_code == 400


def test_limits_are_configurable(api, tamara_simulator):
    response = requests.post(
        f"{tamara_simulator.url}/simulator/config",
        timeout=10,
        json={"limits": {"SAR": {"PAY_BY_INSTALMENTS": {"min": 50, "max": 100, "instalments": [3]}}}},
    )
    assert response.status_code == 200
    types = {t["name"]: t for t in api.get("/checkout/payment-types", params={"country": "SA"}).json()}
    assert types["PAY_BY_INSTALMENTS"]["max_limit"] == money("100")
    assert error_code(api.post("/checkout", json=sample_checkout_payload(("100",)))) == "total_amount_invalid_limit"
    tamara_simulator.reset()
    assert api.post("/checkout", json=sample_checkout_payload(("100",))).status_code == 200


def test_payment_options_pre_check(api):
    body = {"country": "SA", "order_value": money("300"), "phone_number": "502223333", "is_vip": False}
    answer = api.post("/checkout/payment-options-pre-check", json=body).json()
    assert answer["has_available_payment_options"] is True
    assert answer["single_checkout_enabled"] is False
    labels = answer["available_payment_labels"]
    assert {(label["payment_type"], label["instalment"]) for label in labels} == {
        ("PAY_BY_INSTALMENTS", 2),
        ("PAY_BY_INSTALMENTS", 3),
        ("PAY_BY_INSTALMENTS", 4),
        ("PAY_BY_INSTALMENTS", 6),
        ("PAY_NOW", 0),
    }
    assert all(label["description_en"] and label["description_ar"] for label in labels)
    body["order_value"] = money("50000")
    answer = api.post("/checkout/payment-options-pre-check", json=body).json()
    assert answer == {
        "has_available_payment_options": False,
        "single_checkout_enabled": False,
        "available_payment_labels": [],
    }
    assert api.post("/checkout/payment-options-pre-check", json={"country": "SA"}).status_code == 400


def test_credit_pre_check(api):
    answer = api.post("/checkout/credit-pre-check", json={"total_amount": money("8000"), "country_code": "SA"}).json()
    assert [t["name"] for t in answer] == ["PAY_NOW"]


# Webhooks CRUD ----------------------------------------------------------------------------------


def test_webhooks_crud(api):
    body = {"url": "https://shop.example/hooks", "events": ["order_approved"], "headers": {"X-Shop": "1"}}
    webhook_id = api.post("/webhooks", json=body).json()["webhook_id"]
    again = api.post("/webhooks", json=body)
    assert again.status_code == 409 and error_code(again) == "webhook_already_registered"
    assert again.json()["errors"][0]["data"]["webhook_id"] == webhook_id
    got = api.get(f"/webhooks/{webhook_id}").json()
    assert got["url"] == body["url"] and got["events"] == ["order_approved"] and got["headers"] == {"X-Shop": "1"}
    updated = api.put(
        f"/webhooks/{webhook_id}",
        json={"webhook_id": webhook_id, "url": "https://shop.example/h2", "events": [], "headers": {}},
    ).json()
    assert updated["url"] == "https://shop.example/h2" and updated["events"] == []
    assert api.delete(f"/webhooks/{webhook_id}").status_code == 200
    for method in ("get", "delete"):
        response = getattr(api, method)(f"/webhooks/{webhook_id}")
        assert response.status_code == 404 and error_code(response) == "webhook_not_found"
    assert api.put(f"/webhooks/{webhook_id}", json=body).status_code == 404
    assert error_code(api.post("/webhooks", json={"url": "ftp://x", "events": []})) == "url_invalid"
    assert error_code(api.post("/webhooks", json={"url": "https://x", "events": ["nope"]})) == "events_invalid"


# In-process access ------------------------------------------------------------------------------


def test_python_get_order_matches_http(api, tamara_simulator):
    order_id = create(api)
    assert tamara_simulator.get_order(order_id) == api.get(f"/orders/{order_id}").json()
    with pytest.raises(SimulatorError) as caught:
        tamara_simulator.get_order("nope")
    assert caught.value.status == 404 and caught.value.error_code == "order_not_found"


def test_simulator_as_context_manager_on_its_own_port():
    with Simulator(api_token="secret-api", notification_token="secret-notification") as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        kept_alive = requests.Session()
        assert kept_alive.get(f"{sim.url}/simulator/health", timeout=10).json()["status"] == "ok"
        assert "secret" not in repr(sim)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sim.url}/simulator/health", timeout=2)
    with pytest.raises(requests.ConnectionError):  # not even on a kept-alive connection
        kept_alive.get(f"{sim.url}/simulator/health", timeout=2)


def test_simulator_without_tokens_makes_random_ones():
    with Simulator() as sim:
        assert len(sim.api_token) > 20 and sim.api_token != Simulator().api_token
        http = Api(sim)
        order_id = create(http)
        sim.approve(order_id)  # signing works too
        assert (
            requests.get(f"{sim.url}/orders/{order_id}", headers={"Authorization": "Bearer "}, timeout=5).status_code
            == 401
        )


# Bad input never gives a 500 --------------------------------------------------------------------

NASTY = [
    None,
    0,
    -1,
    1.5,
    "x",
    "",
    [],
    {},
    True,
    10**30,
    "NaN",
    [1, {}],
    {"a": {"b": None}},
    {"amount": "1e400", "currency": "SAR"},
    {"amount": True, "currency": "SAR"},
    {"amount": 1},
    {"amount": "NaN", "currency": "SAR"},
    {"amount": 1, "currency": None},
    {"amount": 1, "currency": ["SAR"]},
]


def test_nasty_values_are_4xx_never_5xx(api, tamara_simulator):
    order_id = authorised(api)
    capture_id = capture(api, order_id, "10").json()["capture_id"]
    base = sample_checkout_payload(
        shipping_address={"country_code": "SA"}, discount={"name": "x", "amount": money("0")}
    )
    for value in NASTY:
        for key in (
            "total_amount",
            "items",
            "consumer",
            "country_code",
            "merchant_url",
            "locale",
            "discount",
            "shipping_address",
            "instalments",
            "payment_type",
            "expires_in_minutes",
            "order_number",
        ):
            payload = copy.deepcopy(base)
            payload[key] = value
            assert api.post("/checkout", json=payload).status_code < 500, (key, value)
        calls = [
            ("post", "/payments/capture", {"order_id": order_id, "total_amount": value, "shipping_info": value}),
            ("post", f"/orders/{order_id}/cancel", {"total_amount": value, "items": value}),
            ("put", f"/orders/{order_id}/reference-id", {"order_reference_id": value}),
            ("post", f"/orders/{order_id}/authorise", value),
            (
                "post",
                f"/payments/simplified-refund/{order_id}",
                {"total_amount": value, "comment": value, "merchant_refund_id": value},
            ),
            (
                "post",
                "/payments/refund",
                {"order_id": order_id, "refunds": [{"capture_id": value, "total_amount": value}]},
            ),
            ("post", "/payments/refund", {"order_id": value, "refunds": value}),
            ("post", "/webhooks", {"url": value, "events": value, "headers": value}),
            ("post", "/checkout/payment-options-pre-check", {"country": value, "order_value": value}),
            ("post", "/checkout/credit-pre-check", {"country_code": value, "total_amount": value}),
        ]
        for method, path, body in calls:
            assert getattr(api, method)(path, json=body).status_code < 500, (path, value)
        for path, body in [
            ("/simulator/clock/advance", {"seconds": value}),
            ("/simulator/faults", {"action": "delay", "delay": value}),
            ("/simulator/config", {"limits": value}),
            ("/simulator/config", {"webhook_timeout": value}),
            ("/simulator/webhook-faults", {"mode": value, "count": value}),
        ]:
            assert requests.post(tamara_simulator.url + path, json=body, timeout=10).status_code < 500, (path, value)
    assert tamara_simulator.get_order(order_id)["captured_amount"] == money("10")
    assert capture_id


def test_malformed_http_gets_a_json_error(tamara_simulator):
    import socket

    for raw, status in [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"BREW /orders/x HTTP/1.1\r\nHost: x\r\n\r\n", b"405"),
        (b"GET /x HTTP/1.1\r\nno-colon-here\r\n\r\n", b"400"),
    ]:
        with socket.create_connection(("127.0.0.1", tamara_simulator.port), timeout=5) as conn:
            conn.sendall(raw)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split()[1] == status and b"application/json" in head
        assert b'"errors":[{"error_code"' in body
