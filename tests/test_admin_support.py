"""Helpers shared by the admin tests (no tests here): orders in a given state, staff users."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from django_tamara import lifecycle
from django_tamara.client import get_client
from django_tamara.models import TamaraOrder, WebhookEvent

from .payloads import checkout_payload

ORDERS = "/admin/django_tamara/tamaraorder/"
EVENTS = "/admin/django_tamara/webhookevent/"
PASSWORD = "correct horse battery staple"

ACTION_PERMS = (
    "authorise_tamaraorder",
    "capture_tamaraorder",
    "refund_tamaraorder",
    "cancel_tamaraorder",
    "sync_tamaraorder",
    "update_reference_tamaraorder",
)


def change_url(order: TamaraOrder) -> str:
    return f"{ORDERS}{order.pk}/change/"


def action_url(order: TamaraOrder, kind: str) -> str:
    return f"{ORDERS}{order.pk}/{kind}/"


def make_staff(username: str = "staff", perms: Iterable[str] = ("view_tamaraorder", *ACTION_PERMS), **extra: Any):
    """A staff user (not a superuser) with exactly ``perms`` of django_tamara, and a password."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True, **extra)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="django_tamara", codename__in=list(perms))
    )
    return user


def make_order(
    sim: Any, status: str = "authorised", items: tuple[str, ...] = ("100.00", "50.00"), reference: str | None = None
) -> TamaraOrder:
    """A real order on the simulator, mirrored locally, in ``status`` (new, approved or authorised)."""
    session = get_client().create_checkout_session(checkout_payload(items, reference=reference))
    if status in ("approved", "authorised"):
        sim.approve(session.order_id)
    order, _ = lifecycle.sync_by_id(session.order_id)
    if status == "authorised":
        lifecycle.authorise(order)
    order.refresh_from_db()
    return order


def fake_orders(count: int, *, status: str = "authorised", currency: str = "SAR", start: int = 0) -> list[TamaraOrder]:
    """``count`` local orders without Tamara (for lists and query counts), via bulk_create."""
    now = timezone.now()
    rows = [
        TamaraOrder(
            order_id=uuid.uuid4(),
            order_reference_id=f"REF-{start + i:06d}",
            order_number=str(start + i),
            status=status,
            payment_type="PAY_BY_INSTALMENTS",
            instalments=3,
            currency=currency,
            total_amount=Decimal("150.00"),
            consumer_first_name="Mona",
            consumer_last_name="Lisa",
            consumer_phone_number=f"+9665{start + i:08d}",
            consumer_email=f"mona{start + i}@example.com",
            created_at=now,
            order_expiry_time=now,
            raw={"consumer": {"phone_number": "+966500000000"}},
            items=[{"name": "كتاب", "total_amount": {"amount": 150, "currency": currency}}],
        )
        for i in range(count)
    ]
    return TamaraOrder.objects.bulk_create(rows, batch_size=1000)


def fake_event(order: TamaraOrder, event_type: str = "order_approved", **extra: Any) -> WebhookEvent:
    body = {
        "order_id": str(order.order_id),
        "order_reference_id": order.order_reference_id,
        "event_type": event_type,
        "data": {},
    }
    import json

    return WebhookEvent.objects.create(
        dedupe_key=uuid.uuid4().hex,
        order=order,
        event_type=event_type,
        body=json.dumps(body),
        headers={"content-type": "application/json"},
        **extra,
    )


def messages_of(response: Any) -> list[tuple[str, str]]:
    """(level tag, text) of the messages a followed response carries."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]] if response.context else []
