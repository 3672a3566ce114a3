"""The weekly hours page's chart: each week's median attended hours against the ASAM adult
minimum (9 h), with its data table and summary; a week still under way is never "under"."""

import datetime
from typing import Any

import pytest

from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance
from tests.conftest import Tenant, settle_session
from tests.scheduling.test_ledger import adult, group, on_list

LAST_MONDAY = datetime.date(2026, 11, 23)
THIS_MONDAY = datetime.date(2026, 11, 30)


def two_patients_two_weeks(tenant: Tenant) -> None:
    """Last week: one patient 9 h (met), one 3 h (ended under); this week (Wednesday
    afternoon) the first has 3 h so far and a Friday group still to come. The fixture's own
    patient is taken off its lists first, so these two are all the chart counts."""
    with clinic_context(tenant.clinic.pk):
        Attendance.objects.filter(clinic=tenant.clinic).update(is_active=False)
    met, under = adult(tenant), adult(tenant)
    for offset in range(3):
        on_list(tenant, group(tenant, LAST_MONDAY + datetime.timedelta(days=offset), 9), met,
                "present")  # fmt: skip
    on_list(tenant, group(tenant, LAST_MONDAY, 13), under, "present")
    on_list(tenant, group(tenant, LAST_MONDAY + datetime.timedelta(days=1), 13), under, "absent")
    on_list(tenant, group(tenant, THIS_MONDAY, 9), met, "present")
    on_list(tenant, group(tenant, THIS_MONDAY + datetime.timedelta(days=4), 9), met)


@pytest.mark.instant("2026-12-02 15:00")
def test_the_chart_draws_each_weeks_median_against_the_minimum(
    clinic_a: Tenant, django_assert_max_num_queries: Any
) -> None:
    two_patients_two_weeks(clinic_a)
    client = clinic_a.client_for(Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/hours/")
    settle_session(client)
    with django_assert_max_num_queries(12):
        page = client.get(f"/c/{clinic_a.clinic.slug}/hours/")
    assert page.status_code == 200
    chart = page.context["chart"]
    assert chart.rows[-2:] == [
        ["Nov 23", "2", "6.0", "1", "1"],
        ["Nov 30 (so far)", "1", "3.0", "0", "0"],
    ]
    assert len(chart.rows) == 8
    assert chart.rows[0][:2] == ["Oct 12", "0"]
    # Last week ended under the line; this week's bar is neutral, not "under", mid-week.
    assert [(b.css, b.label) for b in chart.bars] == [
        ("bar-under", "Week of Nov 23: median 6.0 h of 2 patients"),
        ("bar-neutral", "Week of Nov 30: median 3.0 h of 1 patients"),
    ]
    assert chart.threshold[1] == "minimum 9 h"
    html = page.content.decode()
    assert '<title id="svg-clinic-hours-title">Weekly hours against the minimum</title>' in html
    assert "Week of Nov 30: 0 of 1 patients met their minimum; median 3.0 h against the 9 h" in html
    assert "Data table: weekly hours against the minimum" in html

    # An earlier week shown: the chart ends on it, and its summary speaks of it.
    earlier = client.get(f"/c/{clinic_a.clinic.slug}/hours/?date=2026-11-25").context["chart"]
    assert earlier.rows[-1] == ["Nov 23", "2", "6.0", "1", "1"]
    assert earlier.summary.startswith("Week of Nov 23: 1 of 2 patients met their minimum")
    # A week ahead: nobody attended yet, its row is "to come".
    ahead = client.get(f"/c/{clinic_a.clinic.slug}/hours/?date=2026-12-09").context["chart"]
    assert ahead.rows[-1][0] == "Dec 7 (to come)"
    assert ahead.rows[-2][0] == "Nov 30 (so far)"


@pytest.mark.instant("2026-12-02 15:00")
def test_another_clinics_user_gets_404(clinic_a: Tenant, clinic_b: Tenant) -> None:
    two_patients_two_weeks(clinic_a)
    page = clinic_b.client_for(Role.ADMIN).get(f"/c/{clinic_a.clinic.slug}/hours/")
    assert page.status_code == 404
