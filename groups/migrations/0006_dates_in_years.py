from django.db import migrations

from iop.rls import BoundDates


class Migration(migrations.Migration):
    # Every date and timestamp column stays within the years Python reads back (iop.bounds).
    dependencies = [("groups", "0005_unique_per_clinic")]

    operations = [BoundDates()]
