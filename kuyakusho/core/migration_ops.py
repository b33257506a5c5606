"""Schema changes that Django's own operations would make by copying a whole table on SQLite."""

from __future__ import annotations

from django.db import migrations


def drop_field_indexes(app_label: str, model_name: str, field_names: list[str],
                       altered: list[migrations.AlterField]) -> migrations.SeparateDatabaseAndState:
    """``altered`` (AlterFields that only drop ``db_index`` of ``field_names``) for the migration state;
    in the database, only ``DROP INDEX`` of each field's own one-column index (and PostgreSQL's
    ``_like`` twin). Django's AlterField rebuilds the table on SQLite: a copy of every row, and the
    loss of its triggers (the audit trail's append-only guard)."""

    def columns(apps) -> tuple:
        model = apps.get_model(app_label, model_name)
        return model, [[model._meta.get_field(name).column] for name in field_names]

    def forwards(apps, schema_editor):
        model, wanted = columns(apps)
        with schema_editor.connection.cursor() as cursor:
            found = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
        for name, info in sorted(found.items()):
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in wanted:
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def backwards(apps, schema_editor):  # apps: the state before, with db_index on the fields
        model = apps.get_model(app_label, model_name)
        for name in field_names:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(name)]))

    return migrations.SeparateDatabaseAndState(
        state_operations=altered, database_operations=[migrations.RunPython(forwards, backwards)])
