"""PostgreSQL: the children rollup and its margins partitioned by ranges of division code.

`rollup rebuild` counts each range of provinces on a connection of its own, into a table of
its own with its own primary key, and attaches those tables to a new partitioned table: the
work of tens of millions of rows spread over the server's cores, and no table copied or
index built twice to join them (insights.bulk). Here each table becomes a partitioned table
with one partition holding every code; the rebuild then sets the ranges it counted by.
Queries, primary keys and ON CONFLICT upserts read the same (the key holds ``code``).
SQLite keeps plain tables.
"""

from django.db import migrations

TABLES = ("insights_childcount", "insights_childmargin")


def _partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        part = f"{table}_p0"
        name, key = _key(schema_editor, table)
        schema_editor.execute(f"ALTER TABLE {table} RENAME TO {part}")
        schema_editor.execute(f"ALTER TABLE {part} RENAME CONSTRAINT {name} TO {part}_pkey")
        schema_editor.execute(f"CREATE TABLE {table} (LIKE {part} INCLUDING DEFAULTS "
                              "INCLUDING CONSTRAINTS) PARTITION BY RANGE (code)")
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({key})")
        schema_editor.execute(f"ALTER TABLE {table} ATTACH PARTITION {part} "
                              "FOR VALUES FROM (MINVALUE) TO (MAXVALUE)")


def _unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        plain = f"{table}_plain"
        schema_editor.execute(f"CREATE TABLE {plain} (LIKE {table} INCLUDING DEFAULTS "
                              "INCLUDING CONSTRAINTS)")
        schema_editor.execute(f"INSERT INTO {plain} SELECT * FROM {table}")
        name, key = _key(schema_editor, table)
        schema_editor.execute(f"DROP TABLE {table}")
        schema_editor.execute(f"ALTER TABLE {plain} RENAME TO {table}")
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({key})")


def _key(schema_editor, table: str) -> tuple[str, str]:
    """The table's primary key: its name and its columns."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT c.conname, a.attname FROM pg_constraint c CROSS JOIN unnest(c.conkey) "
                       "WITH ORDINALITY k (attnum, i) JOIN pg_attribute a ON a.attrelid = "
                       "c.conrelid AND a.attnum = k.attnum WHERE c.conrelid = %s::regclass "
                       "AND c.contype = 'p' ORDER BY k.i", [table])
        rows = cursor.fetchall()
    return rows[0][0], ", ".join(column for _, column in rows)


class Migration(migrations.Migration):

    dependencies = [("insights", "0002_byte_order_keys")]

    operations = [migrations.RunPython(_partition, _unpartition)]
