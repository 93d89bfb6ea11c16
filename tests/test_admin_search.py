"""Searching the orders by phone or e-mail needs the personal-data permission (#12).

Finding an order by a full phone number tells whoever typed it that this person is a customer,
and with which orders, even though the list masks the number: staff without
``view_pii_tamaraorder`` search by reference, order number and Tamara order id only.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from .test_admin_support import ORDERS, fake_orders, make_staff

pytestmark = pytest.mark.django_db

WITHOUT_PII = ("view_tamaraorder", "sync_tamaraorder")
WITH_PII = (*WITHOUT_PII, "view_pii_tamaraorder")


@pytest.fixture
def orders():
    return fake_orders(3)


def found(client, term: str) -> list[str]:
    response = client.get(ORDERS, {"q": term})
    assert response.status_code == 200
    return [order.order_reference_id for order in response.context["cl"].result_list]


def test_without_the_permission_a_phone_or_an_email_finds_nothing(client, orders):
    order = orders[1]
    client.force_login(make_staff("plain", perms=WITHOUT_PII))
    assert found(client, order.consumer_phone_number) == []
    assert found(client, order.consumer_phone_number.lstrip("+")) == []
    assert found(client, order.consumer_email) == []
    assert found(client, "example.com") == []  # not a part of an e-mail either
    # What is not personal still finds the order.
    assert found(client, order.order_reference_id) == [order.order_reference_id]
    assert found(client, str(order.order_id)) == [order.order_reference_id]
    assert order.order_reference_id in found(client, order.order_number)
    html = client.get(ORDERS).content.decode()
    assert "Tamara order id, reference id or order number." in html and "phone or e-mail" not in html


def test_with_the_permission_a_phone_or_an_email_finds_the_order(client, orders):
    order = orders[1]
    client.force_login(make_staff("trusted", perms=WITH_PII))
    assert found(client, order.consumer_phone_number) == [order.order_reference_id]
    assert found(client, order.consumer_email) == [order.order_reference_id]
    assert "Tamara order id, reference id, order number, phone or e-mail." in client.get(ORDERS).content.decode()


def test_a_superuser_has_every_permission(client, orders):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    assert found(client, orders[2].consumer_email) == [orders[2].order_reference_id]


def test_the_help_text_of_one_user_does_not_leak_to_the_next(client, orders):
    client.force_login(make_staff("trusted", perms=WITH_PII))
    client.get(ORDERS)
    client.force_login(make_staff("plain", perms=WITHOUT_PII))
    html = client.get(ORDERS).content.decode()
    assert "phone or e-mail" not in html
    assert found(client, orders[0].consumer_phone_number) == []
