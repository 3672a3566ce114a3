"""Notifications name their kind and the record they are about, and are addressed to a
membership (the person in their place at the clinic) instead of a bare user.

Existing rows keep their recipient: each clinic's rows are matched to the membership of the
same user in that clinic (one per user and clinic); a row whose person has no membership
there any more is deleted, as nobody could read it.
"""

import django.db.models.deletion
from django.db import migrations, models

from iop.rls import SameClinicReference


def users_to_memberships(apps, schema_editor):  # type: ignore[no-untyped-def]
    clinic_model = apps.get_model("iop", "Clinic")
    with schema_editor.connection.cursor() as cursor:
        for clinic_id in clinic_model.objects.values_list("id", flat=True):
            # Row-level security: work as each clinic in turn (the migration is one transaction).
            cursor.execute("SELECT set_config('app.clinic_id', %s, true)", [str(clinic_id)])
            cursor.execute(
                "UPDATE iop_notification n SET recipient_membership_id = m.id "
                "FROM iop_membership m WHERE m.clinic_id = n.clinic_id AND m.user_id = n.recipient_id"
            )
            cursor.execute("DELETE FROM iop_notification WHERE recipient_membership_id IS NULL")
        cursor.execute("SELECT set_config('app.clinic_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0012_membership_wall"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="notification",
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("general", "Something is waiting"),
                    ("makeup", "Missed sessions"),
                    ("safety_task", "Safety follow-up"),
                    ("safety_escalation", "Safety follow-up not closed"),
                    ("medication_flag", "Medication-assisted treatment flag"),
                    ("recollection", "Observed recollection needed"),
                ],
                default="general",
                max_length=30,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="target_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="target_type",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["clinic", "target_type", "target_id"], name="notification_target"
            ),
        ),
        # --- the recipient becomes a membership ---
        migrations.RemoveIndex(model_name="notification", name="notification_inbox"),
        migrations.AddField(
            model_name="notification",
            name="recipient_membership",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="iop.membership",
            ),
        ),
        migrations.RunPython(users_to_memberships, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="recipient"),
        migrations.RenameField(
            model_name="notification", old_name="recipient_membership", new_name="recipient"
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="iop.membership"
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["clinic", "recipient", "read_at"], name="notification_inbox"
            ),
        ),
        SameClinicReference("notification", "recipient"),
    ]
