"""The compiled statements prepared on PostgreSQL (#17, ``PREPARED_STATEMENTS``): prepared once
per connection and reused, the same results as the ORM's, still seen by ``execute_wrapper``,
still right after a rollback, and left alone where a pooler or the setting says so."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from django_tamara import compiled
from django_tamara.compiled import CompiledQuery, CompiledUpdate
from django_tamara.models import Intent, TamaraOrder, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


def an_order(reference: str = "PS-1") -> TamaraOrder:
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(), order_reference_id=reference, currency="SAR", total_amount=Decimal("110.00")
    )


def an_event(order: TamaraOrder) -> WebhookEvent:
    return WebhookEvent(
        dedupe_key=uuid.uuid4().hex, order_id=order.order_id, event_type="order_approved", body="{}", headers={}
    )


def prepared() -> set[str]:
    """The statements this connection has prepared, as the server holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


BY_REFERENCE = CompiledQuery(lambda reference: TamaraOrder.objects.filter(order_reference_id=reference), key=str)
MARK_SHIPPED = CompiledUpdate(lambda pk: TamaraOrder.objects.filter(pk=pk), {"order_number": "shipped"})


def test_only_postgresql_through_psycopg_3_prepares(settings):
    expected = connection.vendor == "postgresql"
    if expected:
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        expected = bool(is_psycopg3)
    assert compiled.prepares_statements(connection) is expected
    settings.TAMARA = {**settings.TAMARA, "PREPARED_STATEMENTS": False}
    assert compiled.prepares_statements(connection) is False


@on_postgresql
def test_each_statement_is_prepared_once_and_gives_what_the_orm_gives():
    order = an_order()
    before = prepared()
    for _ in range(3):
        found = BY_REFERENCE.first("PS-1")
        assert found is not None and found.pk == order.pk and found.total_amount == Decimal("110.00")
    event = an_event(order)
    compiled.insert(event)
    assert WebhookEvent.objects.get(pk=event.pk).dedupe_key == event.dedupe_key
    order.status = "approved"
    compiled.save_fields(order, ["status"])
    assert MARK_SHIPPED.run(order.pk) == 1
    assert TamaraOrder.objects.values_list("status", "order_number").get(pk=order.pk) == ("approved", "shipped")

    new = prepared() - before
    tables = " ".join(sorted(new))
    assert len(new) == 4, new  # the read (once, though run three times), the INSERT, both UPDATEs
    assert all("$1" in statement for statement in new), new  # bound on the server, not in the client
    assert 'FROM "django_tamara_tamaraorder"' in tables and 'INSERT INTO "django_tamara_webhookevent"' in tables
    assert 'UPDATE "django_tamara_tamaraorder" SET "status" = $1' in tables


@on_postgresql
def test_the_orms_own_queries_are_not_prepared():
    an_order()
    before = prepared()
    for _ in range(10):
        assert TamaraOrder.objects.filter(order_reference_id="PS-1").count() == 1
    assert prepared() == before


@on_postgresql
def test_a_pooler_or_the_setting_turns_it_off(settings):
    an_order()
    before = prepared()
    settings.TAMARA = {**settings.TAMARA, "PREPARED_STATEMENTS": False}
    assert BY_REFERENCE.first("PS-1") is not None
    assert prepared() == before
    settings.TAMARA = {**settings.TAMARA, "PREPARED_STATEMENTS": True}
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        assert BY_REFERENCE.first("PS-1") is not None
        assert prepared() == before
    finally:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = False
    assert BY_REFERENCE.first("PS-1") is not None
    assert len(prepared() - before) == 1


@on_postgresql
def test_execute_wrapper_still_sees_each_statement():
    an_order()
    seen: list[str] = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        BY_REFERENCE.first("PS-1")
        BY_REFERENCE.first("PS-1")
    assert len(seen) == 2 and "django_tamara_tamaraorder" in seen[0]


@on_postgresql
def test_after_a_refused_statement_and_a_rollback_the_statements_still_run():
    order = an_order()
    event = an_event(order)
    compiled.insert(event)
    repeat = an_event(order)
    repeat.dedupe_key = event.dedupe_key
    with pytest.raises(IntegrityError), transaction.atomic():
        compiled.insert(repeat)  # refused by the unique key: the transaction rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        BY_REFERENCE.first("PS-1")
        raise RuntimeError("rolled back after a prepared read")
    found = BY_REFERENCE.first("PS-1")
    assert found is not None and found.pk == order.pk
    again = an_event(order)
    compiled.insert(again)
    assert WebhookEvent.objects.filter(order_id=order.order_id).count() == 2


@on_postgresql
def test_the_constants_are_written_in_so_the_plan_is_made_once():
    """The unsettled attempt's query filters by constants (the states) that a partial index
    has as its condition: written into the statement, PostgreSQL plans it once for every order
    (a generic plan) instead of again at every run."""
    from django_tamara.lifecycle import intents

    orders = [an_order(f"PS-{i}") for i in range(8)]
    for order in orders:
        assert intents.unsettled(order) is None
    intent = Intent.objects.create(order=orders[0], kind="capture", amount=Decimal("1.00"), currency="SAR")
    assert intents.unsettled(orders[0]) == intent
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "django_tamara_intent"."id"%'],
        )
        found = cursor.fetchall()  # one per type psycopg gave the pk (int2, int4, ...)
    assert found and all("'sent'" in sql and "$1" in sql and "$2" not in sql for sql, _ in found), found
    assert sum(generic for _, generic in found) >= 3  # five runs planned for their value, then never again


@on_postgresql
def test_a_constant_is_quoted_as_postgresql_quotes_it():
    sql = 'SELECT "a" FROM "t" WHERE "b" = %s AND "c" LIKE \'x%%\' AND "d" = %s AND "e" = %s'
    written = compiled._with_constants_written(sql, ["it's 100%", 7, "key"], 2, connection)
    assert written == 'SELECT "a" FROM "t" WHERE "b" = \'it\'\'s 100%%\' AND "c" LIKE \'x%%\' AND "d" = 7 AND "e" = %s'
    assert compiled._with_constants_written(sql, [1, 2], 1, connection) is None  # one parameter short
    assert compiled._with_constants_written(sql, [1, 2, 3, 4], 1, connection) is None  # one too many
