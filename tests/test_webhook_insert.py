"""The intake's one INSERT (#17): the same row ``save()`` would write, the same refusals."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection
from django.forms.models import model_to_dict

from django_tamara.models import TamaraOrder, WebhookEvent
from django_tamara.webhooks.intake import insert_event

pytestmark = pytest.mark.django_db(transaction=True)


def an_order() -> TamaraOrder:
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id="INS-1", currency="SAR", total_amount=100, status="authorised"
    )


def an_event(order: TamaraOrder, key: str) -> WebhookEvent:
    return WebhookEvent(
        dedupe_key=key,
        order_id=order.order_id,
        event_type="order_captured",
        body='{"order_id": "x", "note": "\u0645\u0631\u062d\u0628\u0627"}',
        headers={"Content-Type": "application/json", "User-Agent": "Tamara"},
        state=WebhookEvent.State.PENDING,
    )


def stored(pk: int) -> dict:
    row = WebhookEvent.objects.get(pk=pk)
    assert row.received_at is not None  # auto_now_add: set by the field's pre_save
    return model_to_dict(row, exclude=["id", "dedupe_key"])


def test_it_stores_what_save_stores():
    order = an_order()
    saved = an_event(order, "a" * 64)
    saved.save()
    event = an_event(order, "b" * 64)
    pk = insert_event(event)
    assert pk == event.pk and pk != saved.pk
    assert not event._state.adding
    assert stored(pk) == stored(saved.pk)
    assert WebhookEvent.objects.get(pk=pk).dedupe_key == "b" * 64


def test_it_refuses_a_repeat_and_an_unknown_order_as_save_does():
    order = an_order()
    insert_event(an_event(order, "c" * 64))
    with pytest.raises(IntegrityError):
        insert_event(an_event(order, "c" * 64))  # the unique body hash
    stranger = TamaraOrder(order_id=uuid.uuid4())
    with pytest.raises(IntegrityError):
        insert_event(an_event(stranger, "d" * 64))  # the foreign key
    assert WebhookEvent.objects.count() == 1


def test_a_database_that_cannot_return_the_pk_gets_save(monkeypatch):
    if connection.vendor != "sqlite":  # save() then reads cursor.lastrowid, which psycopg has not
        pytest.skip("played on SQLite, which can be made to look like a database without RETURNING")
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    order = an_order()
    event = an_event(order, "e" * 64)
    pk = insert_event(event)
    assert WebhookEvent.objects.get(pk=pk).event_type == "order_captured"
