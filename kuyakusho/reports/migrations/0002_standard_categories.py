from django.db import migrations


def load(apps, schema_editor):
    # imported when the migration runs: the module imports the app's current models, which a migration's
    # import time must not
    from kuyakusho.reports.standard import ensure_categories

    ensure_categories(apps.get_model("reports", "Category"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_reports_categories_photos_timeline")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
