from django.db import migrations

from kuyakusho.guide.standard import create_procedures


def load(apps, schema_editor):
    create_procedures(apps.get_model("guide", "Procedure"), apps.get_model("offices", "Service"))


class Migration(migrations.Migration):
    dependencies = [("guide", "0001_procedures_and_notices"), ("offices", "0005_office_contact_and_barrier_free")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
