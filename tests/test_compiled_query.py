"""The hot reads and INSERTs compiled once (#17): the same instances and rows the ORM makes,
fresh rows on every call, one query per call and no compiling after the first, the ORM's own
refusals and signals."""

from __future__ import annotations

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from django_tamara import compiled
from django_tamara.compiled import CompiledQuery
from django_tamara.models import Intent, TamaraOrder, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


def an_order(reference: str = "CQ-1") -> TamaraOrder:
    return TamaraOrder.objects.create(
        order_id=uuid.uuid4(),
        order_reference_id=reference,
        currency="SAR",
        total_amount=Decimal("110.00"),
        status="approved",
        items=[{"name": "Coffee", "unit_price": {"amount": "100.00", "currency": "SAR"}}],
        raw={"status": "approved", "total_amount": {"amount": 110.0, "currency": "SAR"}},
    )


def an_event(order: TamaraOrder) -> WebhookEvent:
    return WebhookEvent.objects.create(
        dedupe_key=uuid.uuid4().hex,
        order_id=order.order_id,
        event_type="order_approved",
        body='{"order_id": "x"}',
        headers={"User-Agent": "Tamara"},
    )


def every_field(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def event_with_order() -> CompiledQuery[WebhookEvent]:
    return CompiledQuery(
        lambda pk: (
            WebhookEvent.objects.select_related("order")
            .annotate(held=Exists(Intent.objects.filter(order_id=OuterRef("order__pk"), state__in=Intent.UNSETTLED)))
            .filter(pk=pk)
        )
    )


def test_it_makes_what_the_orm_makes():
    order = an_order()
    event = an_event(order)
    query = event_with_order()
    for _ in range(2):  # the first call compiles, the second reuses
        found = query.get(event.pk)
        orm = WebhookEvent.objects.select_related("order").get(pk=event.pk)
        assert every_field(found) == every_field(orm)
        assert every_field(found.order) == every_field(orm.order)  # the select_related object, no query
        assert found.held is False
        assert found._state.adding is False and found._state.db == "default"
        assert isinstance(found.order.total_amount, Decimal) and found.order.items == order.items


def test_every_call_reads_the_row_again_and_the_annotation_follows():
    order = an_order()
    event = an_event(order)
    query = event_with_order()
    assert query.get(event.pk).order.status == "approved"
    TamaraOrder.objects.filter(pk=order.pk).update(status="authorised")
    Intent.objects.create(order=order, kind="capture", amount=Decimal("110.00"), currency="SAR")
    found = query.get(event.pk)
    assert found.order.status == "authorised"
    assert found.held is True


def test_one_query_per_call_and_no_compiling_after_the_first():
    order = an_order()
    query = CompiledQuery(lambda pk: TamaraOrder.objects.filter(pk=pk))
    query.get(order.pk)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compiling:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                assert query.get(order.pk).order_reference_id == "CQ-1"
    assert len(queries) == 3
    assert compiling.call_count == 0


def test_the_orm_refusals():
    order = an_order()
    query = CompiledQuery(lambda pk: TamaraOrder.objects.filter(pk=pk))
    query.get(order.pk)
    with pytest.raises(TamaraOrder.DoesNotExist):
        query.get(order.pk + 1000)
    assert query.first(order.pk + 1000) is None
    twice = CompiledQuery(lambda amount: TamaraOrder.objects.filter(instalments=amount))
    an_order("CQ-2")
    TamaraOrder.objects.update(instalments=3)
    with pytest.raises(TamaraOrder.MultipleObjectsReturned):
        twice.get(3)
    with pytest.raises(ValueError):
        query.get("not a number")


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")
def test_a_locking_read_outside_a_transaction_is_refused_as_by_the_orm():
    order = an_order()
    query = CompiledQuery(lambda pk: TamaraOrder.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert query.get(order.pk).pk == order.pk  # compiled here
    with pytest.raises(TransactionManagementError):
        query.get(order.pk)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        query.get(order.pk)
    assert any("FOR UPDATE" in query["sql"] for query in queries.captured_queries)


def test_a_queryset_without_a_place_for_the_value_goes_through_the_orm():
    an_order()
    query = CompiledQuery(lambda pk: TamaraOrder.objects.filter(order_reference_id="CQ-1"))  # ignores its value
    assert model_to_dict(query.get(1)) == model_to_dict(TamaraOrder.objects.get(order_reference_id="CQ-1"))


def test_the_orders_own_ordering_decides_first():
    first, second = an_order("CQ-A"), an_order("CQ-B")
    TamaraOrder.objects.update(instalments=4)
    newest = CompiledQuery(lambda n: TamaraOrder.objects.filter(instalments=n).order_by("-pk"))
    assert newest.first(4).pk == second.pk
    oldest = CompiledQuery(lambda n: TamaraOrder.objects.filter(instalments=n).order_by("pk"))
    assert oldest.first(4).pk == first.pk


# insert() ---------------------------------------------------------------------------------------


def test_insert_stores_what_save_stores_and_sends_the_same_signals():
    from django.contrib.auth import get_user_model
    from django.db.models import signals

    shop_user = get_user_model().objects.create(username="shop")  # a generic foreign key's target
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((sender, kwargs.get("created"), kwargs["using"], instance.pk))

    fields = dict(
        order_reference_id="CQ-INS",
        currency="BHD",
        total_amount=Decimal("12.345"),
        items=[{"name": "Tea"}],
        raw={"a": [1, 2]},
        shop_order=shop_user,
    )
    signals.pre_save.connect(receiver, sender=TamaraOrder)
    signals.post_save.connect(receiver, sender=TamaraOrder)
    try:
        saved = TamaraOrder(order_id=uuid.uuid4(), **fields)
        saved.save()
        by_save = list(seen)
        seen.clear()
        inserted = TamaraOrder(order_id=uuid.uuid4(), **fields)
        compiled.insert(inserted)
    finally:
        signals.pre_save.disconnect(receiver, sender=TamaraOrder)
        signals.post_save.disconnect(receiver, sender=TamaraOrder)
    assert inserted.pk is not None and inserted._state.adding is False and inserted._state.db == "default"
    assert [(s, c, u) for s, c, u, _ in seen] == [(s, c, u) for s, c, u, _ in by_save]
    assert seen[0][3] is None and seen[1][3] == inserted.pk  # pre_save before the row, post_save after
    ignored = {"id", "order_id", "date_created", "date_updated"}
    one, two = TamaraOrder.objects.get(pk=saved.pk), TamaraOrder.objects.get(pk=inserted.pk)
    assert {k: v for k, v in every_field(one).items() if k not in ignored} == {
        k: v for k, v in every_field(two).items() if k not in ignored
    }
    assert two.date_created is not None and two.date_updated is not None  # auto_now_add, auto_now
    assert two.shop_order == shop_user


def test_insert_builds_its_statement_once():
    from django.db.models.sql.compiler import SQLInsertCompiler

    compiled.insert(TamaraOrder(order_id=uuid.uuid4(), order_reference_id="CQ-1", currency="SAR"))
    with mock.patch.object(SQLInsertCompiler, "as_sql", autospec=True, side_effect=SQLInsertCompiler.as_sql) as built:
        with CaptureQueriesContext(connection) as queries:
            compiled.insert(TamaraOrder(order_id=uuid.uuid4(), order_reference_id="CQ-2", currency="SAR"))
    assert built.call_count == 0
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")


def test_insert_refuses_what_save_refuses():
    order = an_order()
    unsaved = TamaraOrder(order_id=uuid.uuid4(), order_reference_id="CQ-U", currency="SAR")
    with pytest.raises(ValueError, match="unsaved related object"):
        compiled.insert(Intent(order=unsaved, kind="capture", amount=Decimal("1.00"), currency="SAR"))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            compiled.insert(TamaraOrder(order_id=order.order_id, order_reference_id="CQ-X", currency="SAR"))
        assert transaction.get_rollback()  # as save() leaves it: no query can follow in this block
    assert TamaraOrder.objects.count() == 1
    assert not Intent.objects.exists()


def test_an_instance_with_its_pk_set_gets_save():
    order = TamaraOrder(pk=4242, order_id=uuid.uuid4(), order_reference_id="CQ-PK", currency="SAR")
    compiled.insert(order)
    assert TamaraOrder.objects.get(pk=4242).order_reference_id == "CQ-PK"


# save_fields() ----------------------------------------------------------------------------------


def test_save_fields_writes_what_save_writes_and_sends_the_same_signals():
    from django.db.models import signals

    one, two = an_order("CQ-S1"), an_order("CQ-S2")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((kwargs.get("created"), kwargs["update_fields"]))

    signals.pre_save.connect(receiver, sender=TamaraOrder)
    signals.post_save.connect(receiver, sender=TamaraOrder)
    try:
        for order, write in ((one, lambda o, f: o.save(update_fields=f)), (two, compiled.save_fields)):
            order.status = "authorised"
            order.items = [{"name": "Tea"}]
            order.order_number = "not saved: not in the list"
            before = TamaraOrder.objects.get(pk=order.pk).date_updated
            write(order, ["status", "items", "date_updated"])
            assert TamaraOrder.objects.get(pk=order.pk).date_updated > before  # auto_now
    finally:
        signals.pre_save.disconnect(receiver, sender=TamaraOrder)
        signals.post_save.disconnect(receiver, sender=TamaraOrder)
    assert seen[:2] == seen[2:]
    assert seen[1] == (False, frozenset({"status", "items", "date_updated"}))
    for order in (one, two):
        row = TamaraOrder.objects.get(pk=order.pk)
        assert (row.status, row.items, row.order_number) == ("authorised", [{"name": "Tea"}], "")


def test_save_fields_builds_its_statement_once_and_refuses_what_save_refuses():
    from django.db import DatabaseError
    from django.db.models.sql.compiler import SQLUpdateCompiler

    order = an_order()
    compiled.save_fields(order, ["status"])
    with mock.patch.object(SQLUpdateCompiler, "as_sql", autospec=True, side_effect=SQLUpdateCompiler.as_sql) as built:
        with CaptureQueriesContext(connection) as queries:
            order.status = "authorised"
            compiled.save_fields(order, ["status"])
    assert built.call_count == 0 and len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    with pytest.raises(ValueError, match="do not exist"):
        compiled.save_fields(order, ["no_such_field"])  # save() names it
    gone = TamaraOrder.objects.get(pk=order.pk)
    TamaraOrder.objects.filter(pk=order.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        compiled.save_fields(gone, ["status"])


def test_update_if_is_a_compare_and_set_as_update_is():
    from django.db.models import signals
    from django.db.models.sql.compiler import SQLUpdateCompiler

    order = an_order()
    intent = Intent.objects.create(order=order, kind="capture", amount=Decimal("110.00"), currency="SAR")
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    signals.pre_save.connect(receiver, sender=Intent)
    try:
        intent.state, intent.message = "confirmed", "Tamara confirmed it"
        assert compiled.update_if(intent, ["state", "message"], only_if=("state", ("sent", "unconfirmed"))) is True
        intent.state, intent.message = "refused", "too late"
        with mock.patch.object(
            SQLUpdateCompiler, "as_sql", autospec=True, side_effect=SQLUpdateCompiler.as_sql
        ) as built:
            with CaptureQueriesContext(connection) as queries:
                moved = compiled.update_if(intent, ["state", "message"], only_if=("state", ("sent", "unconfirmed")))
    finally:
        signals.pre_save.disconnect(receiver, sender=Intent)
    assert moved is False  # confirmed meanwhile: the second writer changes nothing
    assert built.call_count == 0 and len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    assert seen == []  # as QuerySet.update(): no signal
    row = Intent.objects.get(pk=intent.pk)
    assert (row.state, row.message) == ("confirmed", "Tamara confirmed it")
    gone = Intent(pk=10**6, order=order, kind="capture", amount=Decimal("1.00"), currency="SAR", state="sent")
    assert compiled.update_if(gone, ["state"], only_if=("state", ("sent",))) is False


# The look-ups a shop makes on every request ----------------------------------------------------


def test_the_latest_order_for_a_reference_and_the_order_for_tamaras_id():
    first = an_order("CQ-REF")
    second = an_order("CQ-REF")
    an_order("CQ-OTHER")
    assert TamaraOrder.objects.latest_for_reference("CQ-REF").pk == second.pk
    assert TamaraOrder.objects.latest_for_reference("CQ-NONE") is None
    assert TamaraOrder.objects.by_order_id(first.order_id).pk == first.pk
    assert TamaraOrder.objects.by_order_id(str(first.order_id)).pk == first.pk
    assert TamaraOrder.objects.by_order_id(uuid.uuid4()) is None
    with pytest.raises(ValueError):
        TamaraOrder.objects.by_order_id("not a uuid")
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compiling:
        with CaptureQueriesContext(connection) as queries:
            TamaraOrder.objects.by_order_id(first.order_id)  # a UUID: written as hex on SQLite
            TamaraOrder.objects.latest_for_reference("CQ-REF")
    assert len(queries) == 2
    assert compiling.call_count == 0


# CompiledUpdate ---------------------------------------------------------------------------------


def test_a_compiled_update_sends_what_update_sends_once_built():
    from django.db.models import F
    from django.db.models.functions import Now
    from django.db.models.sql.compiler import SQLUpdateCompiler

    from django_tamara.compiled import CompiledUpdate

    order = an_order()
    first, second = an_event(order), an_event(order)
    done = CompiledUpdate(
        lambda pk: WebhookEvent.objects.filter(pk=pk),
        {"state": "done", "attempts": F("attempts") + 1, "error": "", "processed_at": Now()},
    )
    assert done.run(first.pk) == 1
    with mock.patch.object(SQLUpdateCompiler, "as_sql", autospec=True, side_effect=SQLUpdateCompiler.as_sql) as built:
        with CaptureQueriesContext(connection) as queries:
            assert done.run(first.pk) == 1
            assert done.run(second.pk) == 1
            assert done.run(second.pk + 1000) == 0
    assert built.call_count == 0 and len(queries) == 3
    for event, attempts in ((first, 2), (second, 1)):
        row = WebhookEvent.objects.get(pk=event.pk)
        assert (row.state, row.attempts, row.error) == ("done", attempts, "")
        assert row.processed_at is not None and abs((row.processed_at - row.received_at).total_seconds()) < 60


def test_a_ledger_row_by_tamaras_id():
    from django_tamara.models import Cancellation, Capture, Refund

    order = an_order()
    TamaraOrder.objects.filter(pk=order.pk).update(captured_amount=Decimal("10.00"))
    capture = Capture.objects.create(order=order, capture_id="cap-1", amount=Decimal("10.00"), currency="SAR")
    refund = Refund.objects.create(order=order, refund_id="ref-1", amount=Decimal("1.00"), currency="SAR")
    cancel = Cancellation.objects.create(order=order, cancel_id="can-1", amount=Decimal("1.00"), currency="SAR")
    assert Capture.objects.by_tamara_id("cap-1").pk == capture.pk
    assert Refund.objects.by_tamara_id("ref-1").pk == refund.pk
    assert Cancellation.objects.by_tamara_id("can-1").pk == cancel.pk
    assert Capture.objects.by_tamara_id("ref-1") is None  # each model its own ids
    assert Refund.objects.by_tamara_id("cap-1") is None
