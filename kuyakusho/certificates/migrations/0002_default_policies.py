"""The ward's default channel policies (data in kuyakusho/certificates/standard.py)."""

from django.db import migrations

from kuyakusho.certificates.standard import create_policies


def create(apps, schema_editor):
    create_policies(apps.get_model("certificates", "ChannelPolicy"), apps.get_model("offices", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial"), ("offices", "0003_standard_schedules")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
