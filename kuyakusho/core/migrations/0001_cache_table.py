"""The shared cache's table (rate-limit counters and the like), created by ``migrate`` so that no step is manual.

Only caches configured with Django's ``DatabaseCache`` get a table; with ``CACHE_URL`` (Redis) this does nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
