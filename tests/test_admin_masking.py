"""Personal data: masked in lists for everyone, in full on the change page only with the PII permission."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_tamara.admin.masking import mask_email, mask_phone, mask_pii

from .test_admin_support import ORDERS, change_url, fake_event, fake_orders, make_staff

EVENTS = "/admin/django_tamara/webhookevent/"


def test_examples():
    assert mask_phone("+966502223333") == "+9665******33"
    assert mask_phone("0501234") == "*****34"
    assert mask_phone("") == ""
    assert mask_email("mona@example.com") == "m***@example.com"
    assert mask_email("not-an-email") == "n***"
    assert mask_pii(
        {
            "consumer": {"phone_number": "+966502223333", "email": "a@b.co", "first_name": "Mona"},
            "items": [{"phone": "+971500000001"}],
        }
    ) == {
        "consumer": {"phone_number": "+9665******33", "email": "a***@b.co", "first_name": "Mona"},
        "items": [{"phone": "+9715******01"}],
    }


@given(st.text(alphabet="+0123456789", min_size=8, max_size=20))
def test_a_masked_phone_keeps_its_length_its_ends_and_hides_the_middle(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked[:5] == phone[:5] and masked[-2:] == phone[-2:]
    assert set(masked[5:-2]) <= {"*"}


@given(st.emails())
def test_a_masked_email_shows_one_letter_and_the_domain(email):
    masked = mask_email(email)
    local, _, domain = email.rpartition("@")
    assert masked == f"{local[0]}***@{domain}"


@pytest.mark.django_db
def test_the_list_masks_for_everyone_even_with_the_permission(client):
    order = fake_orders(1)[0]
    client.force_login(make_staff(perms=("view_tamaraorder", "view_pii_tamaraorder")))
    html = client.get(ORDERS).content.decode()
    assert order.consumer_phone_number not in html and order.consumer_email not in html
    assert "+9665******00" in html and "m***@example.com" in html


@pytest.mark.django_db
def test_the_change_page_shows_full_values_only_with_the_pii_permission(client):
    order = fake_orders(1)[0]
    client.force_login(make_staff("plain", perms=("view_tamaraorder",)))
    html = client.get(change_url(order)).content.decode()
    assert order.consumer_phone_number not in html and order.consumer_email not in html
    assert html.count("+9665******00") == 2  # the field, and the phone in the raw JSON
    assert "m***@example.com" in html

    client.force_login(make_staff("trusted", perms=("view_tamaraorder", "view_pii_tamaraorder")))
    html = client.get(change_url(order)).content.decode()
    assert order.consumer_phone_number in html and order.consumer_email in html and "+966500000000" in html


@pytest.mark.django_db
def test_the_event_body_is_masked_without_the_permission(client):
    order = fake_orders(1)[0]
    event = fake_event(order)
    event.body = '{"order_id": "%s", "consumer": {"email": "mona@example.com"}}' % order.order_id
    event.save()
    client.force_login(make_staff("plain", perms=("view_webhookevent",)))
    html = client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert "mona@example.com" not in html and "m***@example.com" in html
