"""The triggers that write the trail, installed after every migrate (``install_after_migrate``).

PostgreSQL: one PL/pgSQL function for all tables records the row before and after as JSON (less the
ignored columns; an update that changes nothing else records nothing) with the context the
application set (``core/auditing.py``); a write from outside the application is recorded as
``database:<role>``. SQLite: three triggers per table, their column lists read from the table as it
is, the context read through the application's ``rr_audit()`` function.

Append-only: on PostgreSQL a BEFORE UPDATE OR DELETE trigger on the trail's tables refuses every
update and delete, from any role, the application's included; only ``prune_audit`` deletes (it
sets ``riskregister.audit_prune`` for its one transaction, after archiving). A role that owns the
tables or a superuser can still drop or disable the trigger, TRUNCATE (row triggers do not see it;
the test runner's flush uses it) or run with ``session_replication_role = replica``: that is what the
hash chain and the anchor file are for (``verify_audit``). On SQLite anyone holding the file can
change anything; the chain makes a change evident, nothing more.
"""

from __future__ import annotations

from django.db import connections, models

from audit.tables import Table, audited, model_of

ENTRY_COLUMNS = '(at, kind, "table", object_pk, before, after, actor, actor_id, ip, user_agent, request_id, reason)'

PG_CAPTURE = f"""
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb := coalesce(nullif(current_setting('riskregister.audit', true), ''), '{{}}')::jsonb;
    ignored text[] := coalesce(TG_ARGV[1:TG_NARGS - 1], '{{}}');
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - ignored; END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - ignored; END IF;
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN RETURN NULL; END IF;
    INSERT INTO audit_entry {ENTRY_COLUMNS} VALUES (
        clock_timestamp(), lower(TG_OP), TG_TABLE_NAME, coalesce(new_row, old_row) ->> TG_ARGV[0],
        old_row, new_row,
        coalesce(ctx ->> 'actor', 'database:' || session_user), (ctx ->> 'actor_id')::bigint,
        coalesce(ctx ->> 'ip', ''), coalesce(ctx ->> 'user_agent', ''),
        coalesce(ctx ->> 'request_id', ''), coalesce(ctx ->> 'reason', ''));
    RETURN NULL;
END $$;
"""

PG_REFUSE = """
CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('riskregister.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _pg(cursor, tables: list[Table]) -> None:
    cursor.execute(PG_CAPTURE)
    cursor.execute(PG_REFUSE)
    for guarded in ("audit_entry", "audit_seal"):
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "{guarded}" '
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse()"
        )
    for table in tables:
        arguments = ", ".join(f"'{name}'" for name in [table.pk, *sorted(table.ignored)])
        cursor.execute(
            f'CREATE OR REPLACE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON "{table.name}" '
            f"FOR EACH ROW EXECUTE FUNCTION audit_capture({arguments})"
        )


def _json_columns(table: str) -> set[str]:
    model = model_of(table)
    if model is None:
        return set()
    return {f.column for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}


def _sqlite_object(row: str, columns: list[str], json_columns: set[str]) -> str:
    parts = []
    for column in columns:
        value = f'{row}."{column}"'
        parts.append(f"'{column}', " + (f"json({value})" if column in json_columns else value))
    return f"json_object({', '.join(parts)})"


_SQLITE_CONTEXT = (
    "coalesce(rr_audit('actor'), 'database'), rr_audit('actor_id'), coalesce(rr_audit('ip'), ''),"
    " coalesce(rr_audit('user_agent'), ''), coalesce(rr_audit('request_id'), ''), coalesce(rr_audit('reason'), '')"
)


def _sqlite(connection, cursor, tables: list[Table]) -> None:
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    for table in tables:
        description = connection.introspection.get_table_description(cursor, table.name)
        columns = [column.name for column in description if column.name not in table.ignored]
        json_columns = _json_columns(table.name)
        old, new = _sqlite_object("OLD", columns, json_columns), _sqlite_object("NEW", columns, json_columns)
        changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
        for op, before, after, pk_row, when in (
            ("insert", "NULL", new, "NEW", ""),
            ("update", old, new, "NEW", f"WHEN {changed}"),
            ("delete", old, "NULL", "OLD", ""),
        ):
            name = f"audit_{table.name}_{op}"
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            cursor.execute(
                f'CREATE TRIGGER "{name}" AFTER {op.upper()} ON "{table.name}" {when} BEGIN '
                f"INSERT INTO audit_entry {ENTRY_COLUMNS} VALUES ({now}, '{op}', '{table.name}', "
                f'CAST({pk_row}."{table.pk}" AS TEXT), {before}, {after}, {_SQLITE_CONTEXT}); END'
            )


def install(using: str = "default") -> int:
    """(Re)install the triggers on every audited table that exists; the number of tables."""
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        if "audit_entry" not in existing:
            return 0
        tables = [table for table in audited() if table.name in existing]
        if connection.vendor == "postgresql":
            _pg(cursor, tables)
        elif connection.vendor == "sqlite":
            _sqlite(connection, cursor, tables)
        else:
            return 0
    return len(tables)


def uninstall(using: str = "default") -> None:
    """Drop the capturing triggers (the append-only guards stay): what ``bench/bench_audit.py``
    measures against. Reinstalled by ``install`` or the next ``migrate``."""
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in audited():
            if table.name not in existing:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS audit_row ON "{table.name}"')
            elif connection.vendor == "sqlite":
                for op in ("insert", "update", "delete"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "audit_{table.name}_{op}"')


def install_after_migrate(sender, using="default", **kwargs) -> None:
    if sender.name == "audit":
        install(using)
