"""`seed_demo` gives every report something to show over its default range (the last twelve
weeks): patients in treatment, stays that ended, minutes attended, measures at admission."""

from io import StringIO

from django.core.management import call_command

from iop.models import Clinic
from iop.tenancy import clinic_context
from reports import selectors
from reports.forms import ReportForm


def test_every_report_has_figures_on_the_demo(db: None) -> None:
    call_command("seed_demo", patients=12, stdout=StringIO())
    demo = Clinic.objects.get(slug="demo")
    with clinic_context(demo.pk):
        filters = ReportForm(None, clinic=demo).report_filter()

        def build(slug: str) -> object:
            return selectors.report_build(clinic=demo, slug=slug, filters=filters).report

        census = build("census")
        assert max(census.active) > 0  # type: ignore[attr-defined]
        assert sum(w.admissions for w in census.weeks) > 0  # type: ignore[attr-defined]
        stays = build("stays")
        assert stays.ended > 0  # type: ignore[attr-defined]
        attendance = build("attendance")
        assert attendance.overall.attended > 0  # type: ignore[attr-defined]
        assert attendance.by_group_type  # type: ignore[attr-defined]
        outcomes = build("outcomes")
        assert outcomes.scores[0].with_intake > 0  # type: ignore[attr-defined]
        assert outcomes.coverage[0].measured > 0  # type: ignore[attr-defined]
