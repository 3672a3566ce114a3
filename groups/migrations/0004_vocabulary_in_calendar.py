from django.db import migrations


class Migration(migrations.Migration):
    # GroupType and Topic moved to scheduling (its 0006) with their tables as they were.
    dependencies = [
        ("groups", "0003_lock_signed_notes"),
        ("scheduling", "0006_group_vocabulary"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Topic"),
                migrations.DeleteModel(name="GroupType"),
            ]
        )
    ]
