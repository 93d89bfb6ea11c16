"""One permission per action: without it the action is not shown and posting it is refused with 403."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_tamara.models import OrderAction, TamaraOrder

from .test_admin_support import ORDERS, action_url, change_url, fake_orders, make_staff

pytestmark = pytest.mark.django_db

KINDS = ("authorise", "capture", "refund", "cancel", "sync", "reference")


@pytest.fixture
def order():
    return fake_orders(1, status="authorised")[0]


def login(client, *perms):
    user = make_staff(perms=perms)
    client.force_login(user)
    return user


def dropdown(client) -> set[str]:
    response = client.get(ORDERS)
    form = response.context["action_form"]  # None when the user may run no action at all
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def buttons(client, order) -> set[str]:
    html = client.get(change_url(order)).content.decode()
    return {kind for kind in KINDS if f'id="tamara-action-{kind}"' in html}


def test_view_only_staff_see_no_action_and_get_403_when_posting(client, order):
    login(client, "view_tamaraorder")
    assert dropdown(client) == set()
    assert buttons(client, order) == set()
    for kind in KINDS:
        assert client.get(action_url(order, kind)).status_code == 403
        assert client.post(action_url(order, kind), {"form_token": "x" * 32, "amount": "1"}).status_code == 403
    for action in ("authorise_orders", "capture_orders", "refund_orders", "cancel_orders", "sync_orders"):
        response = client.post(ORDERS, {"action": action, "_selected_action": [order.pk], "index": "0"})
        assert response.status_code == 403, action
    assert not OrderAction.objects.exists()


def test_each_permission_opens_its_own_action_only(client, order):
    login(client, "view_tamaraorder", "capture_tamaraorder")
    assert dropdown(client) == {"capture_orders"}
    assert buttons(client, order) == {"capture"}
    assert client.get(action_url(order, "capture")).status_code == 200
    assert client.get(action_url(order, "cancel")).status_code == 403
    assert (
        client.post(ORDERS, {"action": "cancel_orders", "_selected_action": [order.pk], "index": "0"}).status_code
        == 403
    )


def test_buttons_follow_the_status_as_well(client):
    login(
        client,
        "view_tamaraorder",
        "authorise_tamaraorder",
        "capture_tamaraorder",
        "refund_tamaraorder",
        "cancel_tamaraorder",
        "sync_tamaraorder",
        "update_reference_tamaraorder",
    )
    approved, authorised, captured, canceled = (
        fake_orders(1, status=s, start=i)[0]
        for i, s in enumerate(("approved", "authorised", "fully_captured", "canceled"))
    )
    TamaraOrder.objects.filter(pk=captured.pk).update(captured_amount=Decimal("150"))
    captured.refresh_from_db()
    assert buttons(client, approved) == {"authorise", "sync", "reference"}
    assert buttons(client, authorised) == {"capture", "cancel", "sync", "reference"}
    assert buttons(client, captured) == {"refund", "sync", "reference"}
    assert buttons(client, canceled) == {"sync", "reference"}


def test_action_permission_without_view_permission_is_refused(client, order):
    login(client, "capture_tamaraorder")
    assert client.get(action_url(order, "capture")).status_code == 403
    assert client.get(change_url(order)).status_code == 403


def test_the_mirror_is_read_only(client, admin_user, order):
    client.force_login(admin_user)
    assert client.get(ORDERS + "add/").status_code == 403
    assert client.get(f"{ORDERS}{order.pk}/delete/").status_code == 403
    response = client.get(change_url(order))
    assert response.context["has_change_permission"] is False
    assert client.post(change_url(order), {"order_reference_id": "HACKED"}).status_code == 403
    assert "delete_selected" not in dropdown(client)
    assert dropdown(client) == {"authorise_orders", "capture_orders", "refund_orders", "cancel_orders", "sync_orders"}


def test_anonymous_and_non_staff_are_sent_to_the_login(client, order, django_user_model):
    assert client.get(action_url(order, "capture")).status_code == 302
    user = django_user_model.objects.create_user("customer", password="x")
    client.force_login(user)
    response = client.get(action_url(order, "capture"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_permissions_are_declared_on_the_model():
    codenames = {codename for codename, _ in TamaraOrder._meta.permissions}
    assert {
        "authorise_tamaraorder",
        "capture_tamaraorder",
        "refund_tamaraorder",
        "cancel_tamaraorder",
        "sync_tamaraorder",
        "update_reference_tamaraorder",
        "view_pii_tamaraorder",
    } <= codenames
