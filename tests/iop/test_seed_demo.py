"""The demo as `make run` seeds it: safe to run again."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from iop.models import Clinic
from iop.tenancy import clinic_context

WEDNESDAY_MORNING = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.UTC)


def row_counts() -> dict[str, int]:
    """Rows in every table, as each clinic sees them (row-level security hides the rest)."""
    counts: dict[str, int] = {}
    for clinic in Clinic.objects.order_by("slug"):
        with clinic_context(clinic.pk):
            for model in apps.get_models(include_auto_created=True):
                counts[f"{clinic.slug}:{model._meta.label}"] = model._default_manager.count()
    return counts


@pytest.mark.django_db
def test_a_second_seed_demo_says_the_demo_exists_and_changes_nothing() -> None:
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        call_command("seed_demo", patients=4, stdout=StringIO())
        before = row_counts()
        out = StringIO()
        call_command("seed_demo", patients=4, stdout=out)  # no --if-empty: a plain rerun
    text = out.getvalue()
    assert "The demo exists already (clinics: demo, second); nothing changed." in text
    assert "admin@demo.example" in text  # the logins are printed again
    assert row_counts() == before
    assert before["demo:iop.AuditEvent"] > 0  # the counts do see the clinics' rows
