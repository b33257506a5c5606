"""On PostgreSQL, the database also refuses two live bookings of one room whose time ranges overlap: an
exclusion constraint over ``tstzrange(starts_at, ends_at)`` with the room compared by ``btree_gist``. SQLite has
no such constraint; there the unique constraint on (room, date, period) is the guarantee (fixed slots)."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q

CONSTRAINT = "facility_booking_no_overlap"


class TsTzRange(Func):
    function = "TSTZRANGE"


def _constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=CONSTRAINT,
        expressions=[(TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS), ("room", RangeOperators.EQUAL)],
        condition=Q(status__in=["provisional", "confirmed"]),
    )


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("facilities", "Booking"), _constraint())


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("facilities", "Booking"), _constraint())


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]

    operations = [
        BtreeGistExtension(),  # does nothing on other databases
        migrations.RunPython(add, remove),
    ]
