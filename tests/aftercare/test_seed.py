from io import StringIO

from django.core.management import call_command

from aftercare.models import AftercarePlan, FollowUp
from iop.models import Clinic
from iop.tenancy import clinic_context


def test_seed_demo_has_plans_in_every_state_and_follow_up_calls(db: None) -> None:
    call_command("seed_demo", patients=12, stdout=StringIO())
    demo = Clinic.objects.get(slug="demo")
    with clinic_context(demo.pk):
        states = set(AftercarePlan.objects.values_list("status", flat=True))
        assert states == {"draft", "in_review", "signed"}
        assert AftercarePlan.objects.filter(version=2, revised_from__isnull=False).exists()
        calls = FollowUp.objects.all()
        assert calls.count() % 4 == 0
        assert calls.count() >= 8  # discharged, completed and stepped-down patients
        assert calls.exclude(status="due").exists()
