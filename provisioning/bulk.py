"""Writes of many rows at once, for the engine and the queueing of big batches: Django's
bulk_create and bulk_update cost more per row than the vendor calls they record."""

from contextlib import nullcontext

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import AutoField, BigAutoField


def insert_rows(model, rows):
    """Inserts new rows with PostgreSQL's COPY (bulk_create elsewhere). Primary keys the
    database assigns are not read back; UUIDs set in Python are kept."""
    if not rows:
        return rows
    db = connections[DEFAULT_DB_ALIAS]  # this thread's: the proxy costs a lookup per value
    if db.vendor != "postgresql":
        return model._base_manager.bulk_create(rows, batch_size=1000)
    meta, quote = model._meta, db.ops.quote_name
    fields = [f for f in meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
    sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with db.cursor() as cursor:
        # Shown among the queries like any other statement (tests count them).
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with logged, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([f.get_db_prep_save(f.pre_save(row, True), db) for f in fields])
    for row in rows:
        row._state.adding, row._state.db = False, db.alias
    return rows


def update_rows(model, rows, fields):
    """Saves these fields of many rows: one UPDATE each, sent together (executemany is one
    round trip on psycopg). bulk_update builds a CASE per field and row, which cost more than
    the vendor call."""
    db = connections[DEFAULT_DB_ALIAS]
    meta, quote = model._meta, db.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    with db.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
            [
                [column.get_db_prep_save(getattr(row, column.attname), db) for column in columns]
                + [meta.pk.get_db_prep_value(row.pk, db)]
                for row in rows
            ],
        )


def update_alike(model, rows, fields):
    """Like update_rows, but rows whose fields hold the same values share one UPDATE: the
    jobs of a run mostly end the same way."""
    alike = {}
    for row in rows:
        values = tuple(getattr(row, name) for name in fields)
        alike.setdefault(values, []).append(row.pk)
    for values, pks in alike.items():
        model._base_manager.filter(pk__in=pks).update(**dict(zip(fields, values, strict=True)))
