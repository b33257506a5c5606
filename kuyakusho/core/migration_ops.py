"""Schema changes that Django's own operations would make by copying a whole table on SQLite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import migrations
from django.db.models import Field, Model

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import StateApps


def _field(model: type[Model], name: str) -> Field[object, object]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def drop_field_indexes(app_label: str, model_name: str, field_names: list[str],
                       altered: list[migrations.AlterField]) -> migrations.SeparateDatabaseAndState:
    """``altered`` (AlterFields that only drop ``db_index`` of ``field_names``) for the migration state;
    in the database, only ``DROP INDEX`` of each field's own one-column index (and PostgreSQL's
    ``_like`` twin). Django's AlterField rebuilds the table on SQLite: a copy of every row, and the
    loss of its triggers (the audit trail's append-only guard)."""

    def columns(apps: StateApps) -> tuple[type[Model], list[list[str | None]]]:
        model = apps.get_model(app_label, model_name)
        return model, [[_field(model, name).column] for name in field_names]

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model, wanted = columns(apps)
        with schema_editor.connection.cursor() as cursor:
            found = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
        for name, info in sorted(found.items()):
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in wanted:
                schema_editor.execute(schema_editor._delete_index_sql(model, name))  # type: ignore[attr-defined]  # not in the stubs

    # apps: the state before, with db_index on the fields
    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        for name in field_names:
            schema_editor.execute(
                schema_editor._create_index_sql(model, fields=[_field(model, name)]))  # type: ignore[attr-defined]  # not in the stubs

    return migrations.SeparateDatabaseAndState(
        state_operations=altered, database_operations=[migrations.RunPython(forwards, backwards)])
