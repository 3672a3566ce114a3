"""Staff in the database wall: memberships and API tokens get row-level security, and every
reference to a membership from a tenant row pairs `clinic_id` with `clinic_id`."""

import django.db.models.deletion
from django.db import migrations, models

from iop.rls import OWN_MEMBERSHIP, PRESENTED_TOKEN, EnableRowLevelSecurity, SameClinicReference


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0011_dates_in_years"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                fields=("clinic", "id"), name="membership_clinic_key"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="clinic",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="iop.clinic",
            ),
        ),
        migrations.RunSQL(
            "UPDATE iop_apitoken t SET clinic_id = m.clinic_id "
            "FROM iop_membership m WHERE m.id = t.membership_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="iop.clinic"
            ),
        ),
        SameClinicReference("apitoken", "membership"),
        SameClinicReference("patient", "primary_therapist"),
        SameClinicReference("patient", "case_manager"),
        SameClinicReference("inquiry", "assessor"),
        EnableRowLevelSecurity("membership", also_visible=OWN_MEMBERSHIP),
        EnableRowLevelSecurity("apitoken", also_visible=PRESENTED_TOKEN),
    ]
