"""The demo's caseload flags a handful, for reasons a case manager acts on (issue 17, item 8):
the demo's past lists are marked as a clinic marks them (most present, a few late, excused
or absent), so a case manager's page is not most patients flagged."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from iop.models import Clinic
from iop.tenancy import clinic_context
from progress import selectors

# Sunday night in New York (UTC already Monday): a full week just ended. Tuesday 17:00 in
# New York: the day's morning lists are over, the week half done.
SUNDAY_NIGHT = datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC)
TUESDAY_EVENING = datetime.datetime(2026, 12, 8, 22, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("when", [SUNDAY_NIGHT, TUESDAY_EVENING])
def test_the_demo_caseload_flags_a_believable_handful(when: datetime.datetime) -> None:
    with time_machine.travel(when, tick=False):
        call_command("seed_demo", stdout=StringIO())
        for clinic in Clinic.objects.all():
            with clinic_context(clinic.pk):
                rows = selectors.caseload(clinic=clinic)
            flagged = [row for row in rows if row.flags]
            assert len(rows) >= 25, clinic.slug
            assert 3 <= len(flagged) <= 8, (clinic.slug, [r.flags for r in flagged])
            # Riskiest first: everyone flagged comes before everyone who is not.
            assert rows[: len(flagged)] == flagged
