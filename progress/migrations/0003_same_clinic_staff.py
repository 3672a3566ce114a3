"""A reference to a staff member points only at a membership of the row's own clinic."""

from django.db import migrations

from iop.rls import SameClinicReference


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0012_membership_wall"),
        ("progress", "0002_dates_in_years"),
    ]

    operations = [
        SameClinicReference("drugtest", "collector"),
        SameClinicReference("safetytask", "assigned_to"),
    ]
