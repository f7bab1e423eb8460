"""Chinese full-text search over matters: FTS5 on SQLite, a GIN tsvector index on PostgreSQL.

The SQL differs per engine, so it runs from RunPython after checking the connection's vendor
(see gridgov/matters/fts.py for the statements and why bigram tokens).
"""

from django.db import migrations

from gridgov.matters.fts import create_search_index, drop_search_index


def forwards(apps, schema_editor):
    create_search_index(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("matters", "0002_seed_categories_and_deadlines")]

    operations = [migrations.RunPython(forwards, backwards)]
