"""A reference to a staff member points only at a membership of the row's own clinic."""

from django.db import migrations

from iop.rls import SameClinicReference


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0012_membership_wall"),
        ("therapy", "0002_dates_in_years"),
    ]

    operations = [
        SameClinicReference("therapistprofile", "membership"),
        SameClinicReference("therapistprofile", "supervisor"),
        SameClinicReference("availability", "therapist"),
        SameClinicReference("availabilityblock", "therapist"),
        SameClinicReference("progressnote", "author"),
    ]
