"""The demo clinic shows family involvement in every state a clinic meets."""

from io import StringIO

from django.core.management import call_command

from family import selectors
from family.models import FamilyDisclosure, FamilyMember, FamilySessionParticipant
from iop.models import Clinic
from iop.tenancy import clinic_context


def test_seed_demo_has_consents_in_every_state_and_family_attendance(db: None) -> None:
    call_command("seed_demo", patients=6, stdout=StringIO())
    clinic = Clinic.objects.get(slug="demo")
    with clinic_context(clinic.pk):
        members = list(FamilyMember.objects.filter(clinic=clinic).select_related("patient"))
        reasons = set()
        for member in members:
            member.clinic = clinic
            reasons.add(selectors.may_share(member, "attendance").reason.split(" ")[1])
        assert {"active", "expired", "revoked"} <= reasons
        assert "consent" in reasons  # "No consent on file …": a member without one
        assert FamilyDisclosure.objects.filter(clinic=clinic).count() == 1
        rows = FamilySessionParticipant.objects.filter(clinic=clinic)
        assert rows.filter(session__kind="family", status="present").exists()
        assert rows.filter(session__group_type__kind="family_education", status="absent").exists()
        assert rows.filter(session__group_type__kind="family_education", status="expected").exists()
