"""Queries the app runs thousands of times, compiled to SQL once.

Django compiles a queryset to SQL every time it is evaluated, and for the few reads on the
path of every order that compiling costs several times the database's own work: reading a
webhook event with its order took 1.45 ms of CPU here, of which the round trip and the rows
were 0.15 ms (docs/benchmarks.md, #17). :class:`CompiledQuery` builds such a queryset once,
with placeholders for the one value it varies by (a primary key, a foreign key's id, a
reference), keeps the SQL and what Django needs to turn rows into instances, and afterwards
only swaps the value in. The rows become model instances as ``QuerySet.get()`` makes them
(``from_db``, ``select_related`` objects, annotations), so callers see no difference.
:func:`insert` and :func:`save_fields` do the same for the INSERT of a new row (an order, a
delivery, an attempt, a ledger row) and the UPDATE of some of a row's fields: the statement
is built once per model (and list of fields), and the row is saved as ``save()`` saves it.

What it gives up, and why that is safe for the queries it serves: a query is fixed when first
used (no per-call filters) and compiled once per thread (Django's connections are per thread);
a queryset it cannot place its placeholder in, and a model or a value it does not know how to
write, go through the ORM every time, as before, rather than being guessed at.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from functools import partial
from typing import Any, Callable, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet, signals
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from .conf import tamara_settings

__all__ = [
    "CompiledQuery",
    "CompiledUpdate",
    "insert",
    "prepares_statements",
    "save_fields",
    "statement_cursor",
    "update_if",
]

M = TypeVar("M", bound=Model)

#: Per type of key: the two values the query is compiled with (the one parameter that differs
#: between the two compilations is where the caller's value goes), and the ways a database
#: may have written them (a UUID is a hex string on a database without a UUID type). The
#: integers are positive and below 32767, so that every integer field accepts them (Django
#: answers a value out of a field's range without a query).
PLACEHOLDERS: dict[type, tuple[Any, Any]] = {
    int: (32_749, 32_719),
    str: ("django-tamara placeholder 1", "django-tamara placeholder 2"),
    uuid.UUID: (uuid.UUID("6d1f0a3e-0000-4000-8000-00000000a001"), uuid.UUID("6d1f0a3e-0000-4000-8000-00000000a002")),
}
_AS_WRITTEN: dict[type, tuple[Callable[[Any], Any], ...]] = {
    int: (lambda value: value,),
    str: (lambda value: value,),
    uuid.UUID: (lambda value: value, lambda value: value.hex, str),
}


def _coerce(key: type, value: Any) -> Any:
    """``value`` as a ``key``, refused (``ValueError``) as the ORM refuses it."""
    if key is uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    return key(value)


def _find_place(
    key: type, one: tuple[str, list[Any]], two: tuple[str, list[Any]]
) -> tuple[int | None, Callable[[Any], Any]]:
    """Where the key goes among the parameters of a statement compiled with each placeholder,
    and how the database writes it; ``None`` when the two do not differ in exactly that one
    parameter (then the statement is not reused)."""
    (one_sql, one_params), (two_sql, two_params) = one, two
    first, second = PLACEHOLDERS[key]
    if one_sql == two_sql and len(one_params) == len(two_params):
        pairs = enumerate(zip(one_params, two_params, strict=True))
        differ = [(i, found) for i, found in pairs if found[0] != found[1]]
        for write in _AS_WRITTEN[key] if len(differ) == 1 else ():
            if differ[0][1] == (write(first), write(second)):
                return differ[0][0], write
    return None, _AS_WRITTEN[key][0]


#: A parameter's place in Django's SQL (``%s``), or an escaped percent sign (``%%``).
_PLACEHOLDER = re.compile(r"%%|%s")


def _with_constants_written(sql: str, params: list[Any], place: int, connection: BaseDatabaseWrapper) -> str | None:
    """``sql`` with every parameter but the one at ``place`` written into it as a literal (as
    the database quotes it), or ``None`` if the placeholders do not match the parameters.

    For a statement prepared on PostgreSQL: its plan is made once for any value of the key,
    and a constant PostgreSQL cannot see (``state IN ($2, $3)``) keeps it from using a partial
    index whose condition it is (the unsettled attempts'), so it planned the statement again at
    every run rather than keep a worse plan.
    """
    ops: Any = connection.ops  # PostgreSQL's, which has compose_sql (the quoting psycopg does)
    parts, start, index = [], 0, 0
    for found in _PLACEHOLDER.finditer(sql):
        if found.group() == "%%":
            continue
        if index >= len(params):
            return None
        parts.append(sql[start : found.start()])
        if index == place:
            parts.append("%s")
        else:
            parts.append(ops.compose_sql("%s", [params[index]]).replace("%", "%%"))
        start, index = found.end(), index + 1
    if index != len(params):
        return None
    parts.append(sql[start:])
    return "".join(parts)


class _Plan:
    """What one thread needs to run the query again: its SQL, where the key goes and how it is
    written, and how rows become instances (what ``ModelIterable`` works out after compiling)."""

    #: The SQL with its constants written in (:func:`_with_constants_written`), for the prepared
    #: statement; worked out at its first use, ``None`` when it could not be.
    prepared_sql: str | None

    def __init__(self, build: Callable[[Any], QuerySet[Any]], key: type) -> None:
        one, two = PLACEHOLDERS[key]
        queryset = build(one)
        self.alias = alias = queryset.db
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        self.place: int | None = None  # None: run through the ORM instead
        try:
            self.sql, params = compiler.as_sql()
            other_sql, other_params = build(two).query.get_compiler(using=alias).as_sql()
        except (EmptyResultSet, FullResultSet):  # a queryset Django answers without its SQL
            return
        self.params = list(params)
        self.place, self.write = _find_place(key, (self.sql, self.params), (other_sql, list(other_params)))
        self.for_update = bool(queryset.query.select_for_update and connection.features.has_select_for_update)
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        fetch_mode = getattr(queryset, "_fetch_mode", None)  # Django 6.1's fetch modes (the default one)
        populators: Any = get_related_populators  # its signature depends on the Django version
        if fetch_mode is None:
            self.from_db = self.model.from_db
            self.related = populators(klass_info, select, alias)
        else:
            self.from_db = partial(self.model.from_db, fetch_mode=fetch_mode)
            self.related = populators(klass_info, select, alias, fetch_mode)
        self.annotations = dict(compiler.annotation_col_map)
        self.converters = list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items())

    def statement(self, connection: BaseDatabaseWrapper, value: Any) -> tuple[str, list[Any]]:
        """The SQL and parameters to run for ``value`` (the key, written as the database wrote it)."""
        assert self.place is not None
        if prepares_here(connection):
            if not hasattr(self, "prepared_sql"):
                self.prepared_sql = _with_constants_written(self.sql, self.params, self.place, connection)
            if self.prepared_sql is not None:
                return self.prepared_sql, [self.write(value)]
        params = list(self.params)
        params[self.place] = self.write(value)
        return self.sql, params


class CompiledQuery(Generic[M]):
    """A queryset that varies by one key, compiled once per thread.

    ``build(value)`` returns the queryset for ``value``, the one value it filters by (a pk or a
    foreign key's id by default; ``key=str`` or ``key=uuid.UUID`` for a reference or Tamara's
    order id), with whatever ordering and ``select_related``/``annotate`` it needs. It is
    called twice per thread with placeholders, and again on every call only when the
    placeholder could not be found in the compiled parameters (then each goes through the
    ORM). The database is the one the queryset picks on that first call (``DATABASE_ROUTERS``
    included).
    """

    def __init__(self, build: Callable[[Any], QuerySet[M]], *, key: type = int) -> None:
        if key not in PLACEHOLDERS:
            raise TypeError(f"key must be one of {', '.join(k.__name__ for k in PLACEHOLDERS)}, not {key.__name__}")
        self.build = build
        self.key = key
        self._local = threading.local()

    def _plan(self) -> _Plan:
        plan: _Plan | None = getattr(self._local, "plan", None)
        if plan is None:
            plan = self._local.plan = _Plan(self.build, self.key)
        return plan

    def rows(self, value: Any, *, limit: int | None = 2) -> list[M]:
        """The instances the queryset holds for ``value`` (at most ``limit``; ``None``: all),
        read with one query."""
        value = _coerce(self.key, value)
        plan = self._plan()
        alias = plan.alias
        if plan.place is None:
            return list(self.build(value).using(alias)[:limit])  # [:None] is all of it
        connection = connections[alias]
        if plan.for_update and connection.get_autocommit():  # what the ORM's compiler checks
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        sql, params = plan.statement(connection, value)
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        found = []
        for raw in fetched:
            row = list(raw)
            for position, (converters, expression) in plan.converters:
                for convert in converters:
                    row[position] = convert(row[position], expression, connection)
            instance = plan.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.related:
                populator.populate(row, instance)
            for name, position in plan.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def get(self, value: Any) -> M:
        """The one instance for ``value``; raises the model's ``DoesNotExist`` or
        ``MultipleObjectsReturned`` as ``QuerySet.get()`` does."""
        found = self.rows(value)
        if len(found) == 1:
            return found[0]
        model: Any = self.build(PLACEHOLDERS[self.key][0]).model
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}.")

    def first(self, value: Any) -> M | None:
        """The first instance for ``value`` in the queryset's own order, or ``None``."""
        found = self.rows(value, limit=1)
        return found[0] if found else None


def _update(queryset: QuerySet[Any], values: dict[str, Any]) -> int:
    return queryset.update(**values)


def _statements_of(run: Callable[[], Any], alias: str) -> list[tuple[str, list[Any]]]:
    """The statements ``run()`` sends to the database ``alias``, kept and not run."""
    statements: list[tuple[str, list[Any]]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> None:
        statements.append((sql, list(params or ())))

    with connections[alias].execute_wrapper(keep):
        run()
    return statements


class _UpdatePlan:
    """The UPDATE that ``QuerySet.update()`` sends, as Django builds it, and where the key goes.

    The statement is taken from ``update()`` itself, through a wrapper (Django's documented
    ``connection.execute_wrapper``) that keeps it and does not run it, so every Django version
    builds it its own way; an update that sends more than one statement (a model with
    parents) is not reused.
    """

    def __init__(self, build: Callable[[Any], QuerySet[Any]], values: dict[str, Any], key: type) -> None:
        one, two = PLACEHOLDERS[key]
        self.alias = alias = build(one).db
        sent = [_statements_of(partial(_update, build(placeholder), values), alias) for placeholder in (one, two)]
        self.place: int | None = None
        self.sql, self.params = sent[0][0] if sent[0] else ("", [])
        if len(sent[0]) == 1 and len(sent[1]) == 1 and self.sql.lstrip().upper().startswith("UPDATE"):
            self.place, self.write = _find_place(key, sent[0][0], sent[1][0])


class CompiledUpdate(Generic[M]):
    """``build(value).update(**values)``, sent as Django would send it, built once per thread.

    ``values`` are fixed when it is made (constants, ``F()`` expressions, database functions
    such as ``Now()``); only ``value``, the key ``build`` filters by, changes. Returns the number
    of rows updated, as ``update()`` does; an update it cannot reuse goes through the ORM.
    """

    def __init__(self, build: Callable[[Any], QuerySet[M]], values: dict[str, Any], *, key: type = int) -> None:
        self.build, self.values, self.key = build, values, key
        self._local = threading.local()

    def run(self, value: Any) -> int:
        value = _coerce(self.key, value)
        plan: _UpdatePlan | None = getattr(self._local, "plan", None)
        if plan is None:
            plan = self._local.plan = _UpdatePlan(self.build, self.values, self.key)
        if plan.place is None:
            return self.build(value).update(**self.values)
        params = list(plan.params)
        params[plan.place] = plan.write(value)
        connection = connections[plan.alias]
        with transaction.mark_for_rollback_on_error(plan.alias), statement_cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            return int(cursor.rowcount)


# Preparing ----------------------------------------------------------------------------------

#: What psycopg's automatic preparing is set to on a connection where Django turned it off
#: (``None``, Django's default): a count no statement reaches, so that only the statements
#: asked for (``prepare=True``) are prepared.
NEVER_BY_COUNT = 2**31 - 1


def prepares_statements(connection: BaseDatabaseWrapper) -> bool:
    """True when this module's statements are prepared on the database server (#17).

    Only on PostgreSQL through psycopg 3, with ``PREPARED_STATEMENTS`` on, and not where the
    database's settings say a transaction pooler sits in front (``DISABLE_SERVER_SIDE_CURSORS``,
    the setting Django's documentation asks for behind PgBouncer's transaction pooling): there
    each transaction may get another server connection, which would not know the statement.
    """
    if connection.vendor != "postgresql" or not tamara_settings.PREPARED_STATEMENTS:
        return False
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return bool(is_psycopg3)


def prepares_here(connection: BaseDatabaseWrapper) -> bool:
    """Whether :func:`statement_cursor` prepares now: as :func:`prepares_statements` says,
    except while queries are logged."""
    return not connection.queries_logged and prepares_statements(connection)


@functools.cache
def _preparing_cursor() -> type[Any]:
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """A psycopg cursor with server-side binding whose every statement is prepared."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None) -> Any:
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def statement_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor for one of this module's statements: Django's own, or on PostgreSQL (see
    :func:`prepares_statements`) one that prepares the statement on the server.

    Compiling here saves the web process's work; preparing saves the database's. Django's
    cursors bind the values in the client, so PostgreSQL parses, analyses and plans each
    statement again: 40% of its CPU per order in the end-to-end benchmark. A prepared one is
    parsed once per connection and, after five runs, planned once too (PostgreSQL's generic
    plan; psycopg names and keeps it, ``docs/scale.md``). The cursor is still wrapped by Django,
    so ``execute_wrapper`` and database errors work as for any other. While queries are logged
    (``DEBUG``, ``CaptureQueriesContext``) Django's own cursor is used, so that the log shows
    each statement with its values, as for every other query.
    """
    if not prepares_here(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = NEVER_BY_COUNT
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _preparing_cursor()(raw)
    return connection.make_cursor(cursor)


# Inserting ----------------------------------------------------------------------------------

#: Per model and database vendor: the INSERT and the fields whose values it takes, or ``None``
#: for a model :func:`insert` leaves to ``save()``.
_INSERTS: dict[tuple[type[Model], str], tuple[str, list[Field[Any, Any]]] | None] = {}


def _insert_plan(model: type[Model], connection: BaseDatabaseWrapper) -> tuple[str, list[Field[Any, Any]]] | None:
    key = (model, connection.vendor)
    if key not in _INSERTS:
        meta = model._meta
        simple = (
            not meta.parents
            and meta.auto_field is not None
            and meta.auto_field is meta.pk
            and list(meta.db_returning_fields) == [meta.pk]
        )
        if not simple:
            _INSERTS[key] = None
        else:
            fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
            quote = connection.ops.quote_name
            columns = ", ".join(quote(str(field.column)) for field in fields)
            statement = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
                f"RETURNING {quote(str(meta.pk.column))}"
            )
            _INSERTS[key] = (statement, fields)
    return _INSERTS[key]


def insert(instance: Model) -> None:
    """INSERT the unsaved ``instance``, as ``save()`` does for a new row, with a statement built
    once per model and database instead of compiled again for every row.

    Each value goes through its field's ``pre_save`` and ``get_db_prep_save``, the
    ``pre_save`` and ``post_save`` signals are sent (with ``created=True``), a related object
    that is not saved yet is refused, and a refused INSERT marks the surrounding atomic block
    for rollback, all as in ``save()``. A model with parents, a database default or a
    generated field, an instance with its pk already set or a value that is an expression,
    and a database that cannot return the pk from an INSERT get ``save()`` itself.
    """
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    plan = _insert_plan(model, connection) if connection.features.can_return_columns_from_insert else None
    values = [getattr(instance, field.attname) for field in plan[1]] if plan is not None else []
    if plan is None or instance.pk is not None or any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True, using=alias)
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # as save()
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=alias, update_fields=None)
    statement, fields = plan
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with transaction.mark_for_rollback_on_error(alias), statement_cursor(connection) as cursor:
        cursor.execute(statement, params)
        pk = cursor.fetchone()[0]
    setattr(instance, meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = alias
    signals.post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=alias)


# Updating -----------------------------------------------------------------------------------

#: Per model, database vendor and field names: the UPDATE and its fields, or ``None`` for one
#: :func:`save_fields` leaves to ``save()``. A sync writes the fields that changed, so the
#: lists vary: past ``MAX_UPDATES`` of them, a new one is not kept (and gets ``save()``).
_UPDATES: dict[
    tuple[type[Model], str, tuple[str, ...], tuple[str, int] | None], tuple[str, list[Field[Any, Any]]] | None
] = {}
MAX_UPDATES = 512


def _update_plan(
    model: type[Model], connection: BaseDatabaseWrapper, names: tuple[str, ...], guard: tuple[str, int] | None = None
) -> tuple[str, list[Field[Any, Any]]] | None:
    """The UPDATE of ``names`` by pk; with ``guard`` (a field's name, a count of values) only
    while that field holds one of as many values, which come last among the parameters."""
    key = (model, connection.vendor, names, guard)
    if key not in _UPDATES:
        if len(_UPDATES) >= MAX_UPDATES:
            return None
        meta = model._meta
        by_name = {field.name: field for field in meta.local_concrete_fields}
        by_name.update({field.attname: field for field in meta.local_concrete_fields})
        fields = [by_name.get(name) for name in names]
        guarded = by_name.get(guard[0]) if guard is not None else None
        plain = (
            names
            and not meta.parents
            and list(meta.db_returning_fields) == [meta.pk]
            and all(field is not None and not field.primary_key for field in fields)
            and len(set(fields)) == len(fields)
            and (guard is None or (guarded is not None and guard[1] > 0))
        )
        if not plain:
            _UPDATES[key] = None
        else:
            quote = connection.ops.quote_name
            chosen = [field for field in fields if field is not None]
            settings = ", ".join(f"{quote(str(field.column))} = %s" for field in chosen)
            statement = f"UPDATE {quote(meta.db_table)} SET {settings} WHERE {quote(str(meta.pk.column))} = %s"
            if guard is not None and guarded is not None:
                statement += f" AND {quote(str(guarded.column))} IN ({', '.join(['%s'] * guard[1])})"
            _UPDATES[key] = (statement, chosen)
    return _UPDATES[key]


def save_fields(instance: Model, fields: list[str]) -> None:
    """``instance.save(update_fields=fields)``, with the UPDATE built once per model and list
    of fields instead of compiled again for every save.

    As in ``save()``: each value goes through its field's ``pre_save`` (``auto_now``) and
    ``get_db_prep_save``, the ``pre_save`` and ``post_save`` signals are sent with
    ``update_fields``, a row that is gone raises ``DatabaseError``, and a refused UPDATE marks
    the surrounding atomic block for rollback. A model with parents or fields the database
    returns, a name that is not one of the model's own concrete fields, and a value that is an
    expression get ``save()`` itself (which names what is wrong, if anything is).
    """
    model = type(instance)
    names = tuple(fields)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    plan = _update_plan(model, connection, names)
    values = [getattr(instance, field.attname) for field in plan[1]] if plan is not None else []
    if plan is None or instance.pk is None or any(hasattr(value, "resolve_expression") for value in values):
        instance.save(update_fields=names, using=alias)
        return
    statement, chosen = plan
    update_fields = frozenset(names)
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # as save()
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=alias, update_fields=update_fields)
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in chosen]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with transaction.mark_for_rollback_on_error(alias), statement_cursor(connection) as cursor:
        cursor.execute(statement, params)
        updated = cursor.rowcount
    if not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.adding = False
    instance._state.db = alias
    signals.post_save.send(
        sender=model, instance=instance, created=False, update_fields=update_fields, raw=False, using=alias
    )


def update_if(instance: Model, fields: list[str], *, only_if: tuple[str, tuple[Any, ...]]) -> bool:
    """Write ``fields`` of ``instance`` if its row's field ``only_if[0]`` still holds one of the
    values ``only_if[1]``; True if it did.

    The compare-and-set ``filter(pk=..., <field>__in=...).update(...)`` with the instance's
    values, and like ``update()`` it sends no signal and applies no ``auto_now``: an attempt
    moving from "sent" to "confirmed" only if nothing settled it meanwhile (#12). The statement
    is built once per model, fields and number of values, as :func:`save_fields` builds its own.
    """
    model = type(instance)
    names = tuple(fields)
    guard_name, allowed = only_if
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    plan = _update_plan(model, connection, names, (guard_name, len(allowed)))
    values = [getattr(instance, field.attname) for field in plan[1]] if plan is not None else []
    if plan is None or instance.pk is None or any(hasattr(value, "resolve_expression") for value in values):
        manager = model._base_manager.using(alias)
        changes = {name: getattr(instance, name) for name in names}
        return bool(manager.filter(pk=instance.pk, **{f"{guard_name}__in": allowed}).update(**changes))
    statement, chosen = plan
    guard = model._meta.get_field(guard_name)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(chosen, values, strict=True)]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    params.extend(guard.get_db_prep_value(value, connection) for value in allowed)  # type: ignore[union-attr]
    with transaction.mark_for_rollback_on_error(alias), statement_cursor(connection) as cursor:
        cursor.execute(statement, params)
        return bool(cursor.rowcount)
