"""Write many rows in a few statements: changed fields (``update_rows``), new rows with their keys
(``create_rows``), new rows nobody refers to by key (``insert_rows``).

Django's ``bulk_update`` builds one ``CASE WHEN pk = … THEN …`` per field and row; compiling those
took 19 s of a 24 s evaluation tick for 5,000 alerts (cProfile, bench/bench_monitoring.py). Here the
rows travel as plain parameters of one ``UPDATE … FROM``: arrays through ``unnest`` on PostgreSQL,
a ``VALUES`` list on SQLite (≥ 3.33).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter

from django.db import connections, models, router, transaction
from django.db.models import Model

from core import auditing, version

BATCH_SIZE = 500


def _target(objs: Sequence[Model], fields: Sequence[str]):
    """The objects' database (alias and connection), their model's options, and the named fields."""
    meta = type(objs[0])._meta
    alias = router.db_for_write(type(objs[0]))
    return alias, connections[alias], meta, [meta.get_field(name) for name in fields]


def update_rows(objs: Sequence[Model], fields: Sequence[str], batch_size: int = BATCH_SIZE) -> int:
    """Save ``fields`` of every object (all of one model) to its row; the number of rows updated.

    Only the named fields are written, as ``QuerySet.update`` would: no signals, no ``save()``.
    """
    if not objs:
        return 0
    alias, connection, meta, columns = _target(objs, [objs[0]._meta.pk.name, *fields])
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        # One array per column: the statement is the same whatever the rows, so psycopg parses it
        # once (a VALUES list of thousands of placeholders cost more to parse than to run).
        names = [quote(column.column) for column in columns]
        arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
        source = f"unnest({arrays}) AS v({', '.join(names)})"
    else:
        # SQLite names VALUES columns column1, column2, …. No CASTs there: they would change a
        # value's affinity (a date read as a number).
        names = [f"column{n}" for n in range(1, len(columns) + 1)]
    assignments = ", ".join(f"{quote(c.column)} = v.{name}" for c, name in zip(columns[1:], names[1:], strict=True))
    where = f"{table}.{quote(meta.pk.column)} = v.{names[0]}"
    preparers = _preparers(columns, connection)
    updated = 0
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            values = [
                _column_values(prepare, [getattr(obj, column.attname) for obj in chunk])
                for column, prepare in zip(columns, preparers, strict=True)
            ]
            if connection.vendor == "postgresql":
                params = values
            else:
                rows = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
                source = f"(VALUES {rows}) AS v"
                params = [value for row in zip(*values, strict=True) for value in row]
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {source} WHERE {where}", params)
            updated += cursor.rowcount
    return updated


def create_rows(objs: Sequence[Model], batch_size: int = BATCH_SIZE) -> Sequence[Model]:
    """Insert new objects (all of one model) and give each the key the database numbered it with, as
    ``bulk_create`` does: every concrete field, foreign keys taken from related objects saved since,
    no signals.

    ``bulk_create`` compiles a placeholder for every value, which psycopg then parses: the alerts and
    transitions of a breaching tick spent a third of its time there (cProfile,
    bench/bench_monitoring.py). On PostgreSQL the rows go as one array per column through
    ``unnest``, so the statement is the same whatever the rows, and the keys come back by RETURNING
    in the rows' order (the rows are inserted ``ORDER BY`` their position, as Django relies on a
    VALUES list's order). SQLite keeps ``bulk_create``.
    """
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    # The database numbers rows of a model keyed by an AutoField; others (a one-to-one key) bring theirs.
    auto = meta.auto_field
    if auto is not None and any(obj.pk is not None for obj in objs):
        raise ValueError("create_rows inserts new objects: some already have a key")
    if meta.parents:
        raise ValueError("create_rows writes one table: a model inheriting another's table needs bulk_create")
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
    columns = [field for field in meta.concrete_fields if field is not auto]
    quote = connection.ops.quote_name
    names = [quote(column.column) for column in columns]
    arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) "
        f"SELECT {', '.join(f'v.{name}' for name in names)} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS v({', '.join(names)}, position) ORDER BY v.position"
    )
    if auto is not None:
        sql += f" RETURNING {quote(auto.column)}"
    preparers = _preparers(columns, connection)
    for obj in objs:
        # A transition of an alert created just before: its alert_id from the alert's new key.
        obj._prepare_related_fields_for_save(operation_name="create_rows")
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            values = [
                _column_values(prepare, [column.pre_save(obj, True) for obj in chunk])
                for column, prepare in zip(columns, preparers, strict=True)
            ]
            cursor.execute(sql, values)
            keys = [key for (key,) in cursor.fetchall()] if auto is not None else [obj.pk for obj in chunk]
            for obj, key in zip(chunk, keys, strict=True):
                setattr(obj, meta.pk.attname, key)
                obj._state.adding, obj._state.db = False, alias
    return objs


def insert_rows(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Insert the objects' ``fields`` as new rows without reading their keys back (the objects keep
    ``pk`` None); the number of rows.

    For append-only rows nobody refers to by key (readings): COPY on PostgreSQL, ``executemany`` on
    SQLite. Django's ``bulk_create`` compiles an INSERT of every row and returns the keys — a third
    of pushing 10,000 readings, measured. Unique constraints still hold: a duplicate fails the
    statement, as it would fail ``bulk_create``.
    """
    if not objs:
        return 0
    alias, connection, meta, columns = _target(objs, fields)
    quote = connection.ops.quote_name
    names = ", ".join(quote(column.column) for column in columns)
    table = quote(meta.db_table)
    with transaction.atomic(using=alias, savepoint=False):
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            auditing.apply(connection)  # the audit trail's actor, as the execute wrapper would hand it
            # The driver's own cursor (Django's has no COPY); its errors raised as Django's, as a
            # Django cursor's would be.
            with (
                connection.wrap_database_errors,
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                values = attrgetter(*(column.attname for column in columns))
                prepare = [(n, p) for n, p in enumerate(_preparers(columns, connection)) if p is not None]
                for obj in objs:
                    row = values(obj)
                    if prepare:
                        row = list(row) if len(columns) > 1 else [row]
                        for n, p in prepare:
                            row[n] = p(row[n])
                    elif len(columns) == 1:
                        row = (row,)
                    copy.write_row(row)
            version.note_write(connection)  # the driver's cursor passes no execute_wrapper
        else:
            rows = [
                [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
                for obj in objs
            ]
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
    return len(objs)


# Columns whose every value psycopg writes as Django would prepare it: numbers, text, booleans, and
# foreign keys to those. Exactly these classes (a subclass may prepare its values): their values skip
# even a test per value, most of the time left in a push of 10,000 readings.
_AS_IS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.BigIntegerField,
        models.BooleanField,
        models.CharField,
        models.FloatField,
        models.IntegerField,
        models.PositiveBigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.TextField,
    }
)


def _as_is(column) -> bool:
    return type(column.target_field if column.is_relation else column) in _AS_IS


def _preparers(columns, connection) -> list:
    """For each column, how its values go to the driver: ``None`` where as they are (``_AS_IS``),
    else a function of one value. Only on PostgreSQL: sqlite3's own adapter would store an aware
    time in another format than Django's, so SQLite's values all go through their fields."""
    return [_preparer(column, connection) for column in columns]


def _preparer(column, connection):
    prepare = column.get_db_prep_save
    if connection.vendor == "postgresql" and _as_is(column):
        return None
    if connection.vendor == "postgresql" and type(column) is models.DateTimeField:
        # An aware time or None as it is: Django's preparation of these was most of a push's insert.
        def aware_as_is(value):
            if value is None or (type(value) is datetime and value.tzinfo is not None):
                return value
            return prepare(value, connection)

        return aware_as_is
    # Everything else through its field, whatever the value: a JSON field's "text" or 5 is JSON.
    return lambda value: prepare(value, connection)


def _column_values(prepare, values: list) -> list:
    return values if prepare is None else [prepare(value) for value in values]
