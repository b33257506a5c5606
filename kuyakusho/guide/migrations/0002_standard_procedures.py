from django.db import migrations


def load(apps, schema_editor):
    from kuyakusho.guide.standard import create_procedures

    create_procedures(apps.get_model("guide", "Procedure"), apps.get_model("offices", "Service"))


class Migration(migrations.Migration):
    dependencies = [("guide", "0001_procedures_and_notices"), ("offices", "0005_office_contact_and_barrier_free")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
