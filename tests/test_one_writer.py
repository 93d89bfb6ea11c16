"""Issue #14's one-writer guard (tests/one_writer.py) catches what it must and nothing else.

The guard judges a write by the file of the first frame of this repository on the stack, so
these tests run small snippets compiled under the file names of real modules: the code is the
test's, but to the guard it is exactly what that module calling the ORM looks like.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from django_tamara.models import Cancellation, Capture, Refund, TamaraOrder

from . import one_writer
from .one_writer import PACKAGE_DIR, QUERYSET_METHODS, ROOT, RULE, WriteOutsideLifecycle

VIEWS = os.path.join(PACKAGE_DIR, "views.py")
TASKS = os.path.join(PACKAGE_DIR, "tasks.py")
ADMIN = os.path.join(PACKAGE_DIR, "admin", "actions.py")
SHOP = os.path.join(ROOT, "sandbox_project", "shop", "views.py")
OLD_LIFECYCLE_MODULE = os.path.join(PACKAGE_DIR, "lifecycle.py")  # not the package
LIFECYCLE = os.path.join(PACKAGE_DIR, "lifecycle", "payments.py")


def make_order(**fields: Any) -> TamaraOrder:
    fields.setdefault("order_id", uuid.uuid4())
    fields.setdefault("order_reference_id", "REF-ONE-WRITER")
    fields.setdefault("currency", "SAR")
    return TamaraOrder.objects.create(**fields)


def run_as(filename: str, source: str, **names: Any) -> Any:
    """Run ``source`` (which defines ``def write(...)``) as code of ``filename``; call ``write``."""
    namespace: dict[str, Any] = {
        "TamaraOrder": TamaraOrder,
        "Capture": Capture,
        "Refund": Refund,
        "Cancellation": Cancellation,
        "Decimal": Decimal,
        "uuid": uuid,
    }
    exec(compile(source, filename, "exec"), namespace)
    return namespace["write"](**names)


@pytest.fixture(autouse=True)
def raising(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the raise too, whatever ONE_WRITER_RAISE says."""
    monkeypatch.setattr(one_writer, "RAISE", True)


@pytest.fixture
def violations() -> Any:
    """The violations recorded during the test, taken away so the teardown check passes."""

    class Taken:
        def take(self) -> list[str]:
            return one_writer.take_violations()

    yield Taken()
    one_writer.take_violations()


UPDATE = """
def write(pk):
    return TamaraOrder.objects.filter(pk=pk).update(order_number="999")
"""
SAVE = """
def write(order):
    order.order_number = "999"
    order.save()
"""


# Writes from outside the package are caught ----------------------------------------------------


@pytest.mark.django_db
def test_an_update_from_views_is_refused_and_nothing_is_written(violations: Any) -> None:
    order = make_order(order_number="1")
    with pytest.raises(WriteOutsideLifecycle) as caught:
        run_as(VIEWS, UPDATE, pk=order.pk)

    message = str(caught.value)
    assert message.startswith("TamaraOrder.update() called from django_tamara/views.py:3 in write()")
    assert RULE in message
    assert "only django_tamara/lifecycle/ may write TamaraOrder, Capture, Refund and Cancellation" in message
    assert isinstance(caught.value, AssertionError)
    order.refresh_from_db()
    assert order.order_number == "1"
    assert violations.take() == [message]


@pytest.mark.django_db
def test_a_save_from_tasks_is_refused(violations: Any) -> None:
    order = make_order(order_number="1")
    with pytest.raises(WriteOutsideLifecycle, match=r"TamaraOrder\.save\(\) called from django_tamara/tasks\.py:4"):
        run_as(TASKS, SAVE, order=order)
    order.refresh_from_db()
    assert order.order_number == "1"
    assert len(violations.take()) == 1


@pytest.mark.django_db
def test_the_old_lifecycle_module_is_not_the_package(violations: Any) -> None:
    """``django_tamara/lifecycle.py`` (today's module) is outside ``django_tamara/lifecycle/``."""
    order = make_order()
    with pytest.raises(WriteOutsideLifecycle, match="django_tamara/lifecycle.py"):
        run_as(OLD_LIFECYCLE_MODULE, UPDATE, pk=order.pk)
    violations.take()


@pytest.mark.django_db
def test_a_related_manager_create_from_the_admin_is_refused(violations: Any) -> None:
    order = make_order()
    source = """
def write(order):
    order.captures.create(capture_id=str(uuid.uuid4()), amount=Decimal("10"), currency="SAR")
"""
    with pytest.raises(WriteOutsideLifecycle, match=r"Capture\.create\(\) called from django_tamara/admin/actions\.py"):
        run_as(ADMIN, source, order=order)
    assert not Capture.objects.exists()
    violations.take()


INSERT = """
def write(order):
    from django_tamara import compiled

    compiled.insert(Capture(order=order, capture_id=str(uuid.uuid4()), amount=Decimal("10"), currency="SAR"))
"""


@pytest.mark.django_db
def test_the_apps_own_insert_from_views_is_refused_and_from_the_lifecycle_allowed(violations: Any) -> None:
    """``django_tamara.compiled.insert`` (#17) is a write path too, and it writes for its caller."""
    order = make_order()
    with pytest.raises(WriteOutsideLifecycle, match=r"Capture\.insert\(\) called from django_tamara/views\.py:5"):
        run_as(VIEWS, INSERT, order=order)
    assert not Capture.objects.exists()
    violations.take()
    run_as(LIFECYCLE, INSERT, order=order)
    assert Capture.objects.count() == 1
    assert violations.take() == []


WRITES_OF_EACH_METHOD = {
    "create": """
def write(order):
    Refund.objects.create(order=order, refund_id="r1", amount=Decimal("1"), currency="SAR")
""",
    "get_or_create": """
def write(order):
    Cancellation.objects.get_or_create(cancel_id="c1", defaults={"order": order, "amount": 1, "currency": "SAR"})
""",
    "update_or_create": """
def write(order):
    TamaraOrder.objects.update_or_create(order_id=order.order_id, defaults={"order_number": "2"})
""",
    "bulk_create": """
def write(order):
    Capture.objects.bulk_create([Capture(order=order, capture_id="k1", amount=Decimal("1"), currency="SAR")])
""",
    "bulk_update": """
def write(order):
    order.order_number = "2"
    TamaraOrder.objects.bulk_update([order], ["order_number"])
""",
    "update": UPDATE.replace("pk=pk", "pk=order.pk").replace("write(pk)", "write(order)"),
    "save": SAVE,
}


def test_every_guarded_method_has_a_case() -> None:
    assert set(WRITES_OF_EACH_METHOD) == {"save", *QUERYSET_METHODS}


@pytest.mark.django_db
@pytest.mark.parametrize("method", sorted(WRITES_OF_EACH_METHOD))
def test_each_write_method_from_the_shop_is_refused(method: str, violations: Any) -> None:
    order = make_order(order_number="1")
    with pytest.raises(WriteOutsideLifecycle, match=rf"\.{method}\(\) called from sandbox_project/shop/views\.py"):
        run_as(SHOP, WRITES_OF_EACH_METHOD[method], order=order)
    order.refresh_from_db()
    assert order.order_number == "1"
    assert not (Capture.objects.exists() or Refund.objects.exists() or Cancellation.objects.exists())
    assert violations.take()


@pytest.mark.django_db
def test_a_violation_the_app_swallows_is_still_recorded(violations: Any) -> None:
    """Webhook processing catches ``Exception``: the recorded list still sees the write."""
    order = make_order()
    source = """
def write(pk):
    try:
        TamaraOrder.objects.filter(pk=pk).update(order_number="999")
    except Exception:
        return "marked the event failed"
"""
    assert run_as(TASKS, source, pk=order.pk) == "marked the event failed"
    [message] = violations.take()
    assert "django_tamara/tasks.py" in message


@pytest.mark.django_db(transaction=True)
def test_a_violation_in_another_thread_is_recorded(violations: Any) -> None:
    order = make_order()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run_as(TASKS, UPDATE, pk=order.pk)
        except BaseException as error:  # what a worker's own error handling would do
            errors.append(error)

    thread = threading.Thread(target=worker, name="fake-worker")
    thread.start()
    thread.join()
    assert [type(error) for error in errors] == [WriteOutsideLifecycle]
    [message] = violations.take()
    assert "[thread fake-worker]" in message


@pytest.mark.django_db
def test_the_teardown_check_fails_a_test_that_recorded_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_writer, "_callers", Counter())  # keep this one out of the run's summary
    order = make_order()
    try:
        run_as(VIEWS, UPDATE, pk=order.pk)
    except WriteOutsideLifecycle:
        pass
    with pytest.raises(pytest.fail.Exception, match=r"1 write\(s\) outside django_tamara/lifecycle/"):
        one_writer.fail_if_violations()
    one_writer.fail_if_violations()  # taken: nothing left for this test's own teardown check
    assert one_writer._callers == Counter({"django_tamara/views.py:write (TamaraOrder.update)": 1})


# What is allowed -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", sorted(WRITES_OF_EACH_METHOD))
def test_the_same_writes_from_the_lifecycle_package_pass(method: str) -> None:
    order = make_order(order_number="1")
    run_as(LIFECYCLE, WRITES_OF_EACH_METHOD[method], order=order)
    assert one_writer.take_violations() == []


@pytest.mark.django_db
def test_a_tests_own_direct_writes_pass() -> None:
    order = make_order()
    order.order_number = "7"
    order.save()
    TamaraOrder.objects.filter(pk=order.pk).update(status="approved")
    Capture.objects.create(order=order, capture_id="cap-1", amount=Decimal("5"), currency="SAR")
    order.refunds.create(refund_id="ref-1", amount=Decimal("1"), currency="SAR")
    Cancellation.objects.bulk_create([Cancellation(order=order, cancel_id="can-1", amount=1, currency="SAR")])
    assert one_writer.take_violations() == []


@pytest.mark.django_db
def test_other_models_and_deletes_are_not_guarded() -> None:
    order = make_order()
    source = """
def write(user_model, order):
    user_model.objects.create(username="one-writer")
    user_model.objects.filter(username="one-writer").update(first_name="x")
    TamaraOrder.objects.filter(pk=order.pk).delete()
"""
    run_as(VIEWS, source, user_model=get_user_model(), order=order)
    assert not TamaraOrder.objects.exists()
    assert one_writer.take_violations() == []


# The guard itself ------------------------------------------------------------------------------


def test_the_guard_is_installed_for_the_whole_run() -> None:
    assert one_writer.installed()
    assert getattr(Model.save, "one_writer_guard", False)
    for name in QUERYSET_METHODS:
        assert getattr(getattr(QuerySet, name), "one_writer_guard", False), name
        assert getattr(TamaraOrder.objects.all(), name).__func__ is getattr(QuerySet, name)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (os.path.join(PACKAGE_DIR, "lifecycle", "__init__.py"), one_writer.ALLOW),
        (os.path.join(PACKAGE_DIR, "lifecycle", "deep", "x.py"), one_writer.ALLOW),
        (os.path.join(ROOT, "tests", "test_models.py"), one_writer.ALLOW),
        (os.path.join(ROOT, "benchmarks", "harness.py"), one_writer.ALLOW),
        (os.path.join(ROOT, "tests", "one_writer.py"), one_writer.SKIP),
        (
            os.path.join(ROOT, ".venv", "lib", "python3.11", "site-packages", "django", "db", "models", "base.py"),
            one_writer.SKIP,
        ),
        (os.__file__, one_writer.SKIP),
        ("<frozen importlib._bootstrap>", one_writer.SKIP),
        (OLD_LIFECYCLE_MODULE, one_writer.DENY),
        (os.path.join(PACKAGE_DIR, "mirror.py"), one_writer.DENY),
        (os.path.join(PACKAGE_DIR, "migrations", "0002_x.py"), one_writer.DENY),
        (os.path.join(PACKAGE_DIR, "testing.py"), one_writer.DENY),
        # The adapters of #16 follow the lifecycle's signals; they never write these rows.
        (os.path.join(PACKAGE_DIR, "contrib", "payments", "provider.py"), one_writer.DENY),
        (os.path.join(PACKAGE_DIR, "contrib", "oscar", "views.py"), one_writer.DENY),
        (SHOP, one_writer.DENY),
        (os.path.join(ROOT, "manage.py"), one_writer.DENY),
    ],
)
def test_where_a_frame_belongs(path: str, expected: str) -> None:
    assert one_writer.classify(path) == expected


def test_the_four_models_are_recognised_by_label() -> None:
    for model in (TamaraOrder, Capture, Refund, Cancellation):
        assert one_writer.is_guarded(model)
    assert not one_writer.is_guarded(get_user_model())


@pytest.mark.django_db
def test_without_raising_a_nested_write_is_recorded_once(monkeypatch: pytest.MonkeyPatch, violations: Any) -> None:
    """ONE_WRITER_RAISE=0: get_or_create -> create -> save is one violation, and the test goes on."""
    monkeypatch.setattr(one_writer, "RAISE", False)
    order = make_order()
    source = """
def write(order):
    for n in range(2):
        Refund.objects.get_or_create(refund_id=f"r{n}", defaults={"order": order, "amount": 1, "currency": "SAR"})
    order.order_number = "3"
    order.save()
"""
    run_as(TASKS, source, order=order)
    found = violations.take()
    assert [message.split(" called")[0] for message in found] == [
        "Refund.get_or_create()",
        "Refund.get_or_create()",
        "TamaraOrder.save()",
    ]
    assert Refund.objects.count() == 2  # recorded, not refused
