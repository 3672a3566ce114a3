from django.db import migrations

from iop.rls import BoundDates


class Migration(migrations.Migration):
    # Every date and timestamp column stays within the years Python reads back (iop.bounds).
    dependencies = [("scheduling", "0007_unique_per_clinic")]

    operations = [BoundDates()]
