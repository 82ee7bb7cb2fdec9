"""Every foreign key of the migrated schema points at a table that exists.

SQLite lets a table refer to a table that is not there, and rewrites references on a rename only in
tables that exist at that moment: a migration order that renames a table before another refers to
it (by its old name) leaves a reference to nothing, and every delete from that table then fails.
PostgreSQL refuses such a reference outright, so the check is about SQLite's schema.
"""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_every_foreign_key_of_the_migrated_schema_points_at_an_existing_table():
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        dangling = []
        for table in sorted(tables):
            for relation in connection.introspection.get_relations(cursor, table).values():
                if relation[1] not in tables:
                    dangling.append(f"{table} → {relation[1]}")
    assert len(tables) > 40 and dangling == []
