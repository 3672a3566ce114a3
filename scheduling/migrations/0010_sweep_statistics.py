"""Extended statistics for the columns the missed-session sweep filters on together.

Within a clinic, a session's kind, status and group type go together (a group has a type, a
check-in never does), as do an attendance row's status and whether it is active; without
these the planner multiplies their selectivities as if independent and underestimates how
many rows the sweep reads.
"""

from django.db import migrations

STATISTICS = {
    "scheduling_session_sweep": ("scheduling_session", "clinic_id, kind, status, group_type_id"),
    "scheduling_attendance_sweep": ("scheduling_attendance", "clinic_id, status, is_active"),
    "scheduling_missed_sweep": ("scheduling_missedsession", "clinic_id, status, excused"),
}


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0009_same_clinic_staff")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE STATISTICS {name} (ndistinct, dependencies, mcv) ON {columns} FROM {table}",
            reverse_sql=f"DROP STATISTICS IF EXISTS {name}",
        )
        for name, (table, columns) in STATISTICS.items()
    ]
