from io import StringIO

from django.core.management import call_command

from iop.models import Clinic
from iop.tenancy import clinic_context
from scheduling.models import Session
from therapy.models import Availability, NoteAddendum, ProgressNote, TreatmentPlan


def test_seed_demo_has_weekly_sessions_plans_and_signed_notes(db: None) -> None:
    call_command("seed_demo", patients=12, stdout=StringIO())
    demo = Clinic.objects.get(slug="demo")
    with clinic_context(demo.pk):
        assert Availability.objects.count() == 5
        individual = Session.objects.filter(kind="individual")
        assert individual.count() >= 8
        assert TreatmentPlan.objects.filter(version=2).exists()
        assert TreatmentPlan.objects.filter(superseded_at__isnull=False).exists()
        signed = ProgressNote.objects.filter(signed_at__isnull=False)
        assert signed.count() >= 2
        assert ProgressNote.objects.filter(signed_at__isnull=True).exists()
        assert NoteAddendum.objects.exists()
