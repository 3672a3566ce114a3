"""Enrollments join a real `scheduling.Track` instead of a morning/afternoon/evening choice.

Existing enrollments keep their slot: each clinic gets one track per slot in use (Mon, Tue,
Thu at the slot's usual hours), which an admin can then adjust.
"""

import datetime

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Min

SLOT_HOURS = {
    "morning": (datetime.time(9), datetime.time(12)),
    "afternoon": (datetime.time(13), datetime.time(16)),
    "evening": (datetime.time(18), datetime.time(21)),
}


def slots_to_tracks(apps, schema_editor):  # type: ignore[no-untyped-def]
    clinic_model = apps.get_model("iop", "Clinic")
    enrollment_model = apps.get_model("iop", "Enrollment")
    track_model = apps.get_model("scheduling", "Track")
    with schema_editor.connection.cursor() as cursor:
        for clinic in clinic_model.objects.all():
            # Row-level security: work as each clinic in turn (the migration is one transaction).
            cursor.execute("SELECT set_config('app.clinic_id', %s, true)", [str(clinic.pk)])
            enrollments = enrollment_model.objects.filter(clinic=clinic)
            for slot in enrollments.values_list("track", flat=True).distinct():
                start, end = SLOT_HOURS[slot]
                first = enrollments.filter(track=slot).aggregate(day=Min("admission_date"))["day"]
                track = track_model.objects.create(
                    clinic=clinic, name=f"{slot.title()} IOP", slot=slot, weekdays=[0, 1, 3],
                    starts_at=start, ends_at=end, active_from=first,
                )  # fmt: skip
                enrollments.filter(track=slot).update(track_ref=track)
        cursor.execute("SELECT set_config('app.clinic_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("iop", "0002_patient_records"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="generate_weeks_ahead",
            field=models.PositiveSmallIntegerField(
                default=4,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(26),
                ],
                verbose_name="weeks of sessions kept on the calendar",
            ),
        ),
        migrations.RemoveIndex(model_name="enrollment", name="enrollment_status_track"),
        migrations.AddField(
            model_name="enrollment",
            name="track_ref",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="scheduling.track",
            ),
        ),
        migrations.RunPython(slots_to_tracks, migrations.RunPython.noop),
        migrations.RemoveField(model_name="enrollment", name="track"),
        migrations.RenameField(model_name="enrollment", old_name="track_ref", new_name="track"),
        migrations.AlterField(
            model_name="enrollment",
            name="track",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollments",
                to="scheduling.track",
            ),
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                fields=["clinic", "status", "track"], name="enrollment_status_track"
            ),
        ),
    ]
