"""Every report figure for the hand-built cohort (tests/reports/cohort.py), worked out by hand
in the comments. The range is Monday 2 – Sunday 29 March 2026 (28 days, four weeks)."""

import datetime

import pytest

from iop.tenancy import clinic_context
from reports import attendance, census, outcomes, stays
from reports.cohort import ReportFilter
from reports.models import ReportSettings
from tests.reports import cohort as handmade
from tests.reports.cohort import MARCH, TODAY, d

pytestmark = pytest.mark.instant(TODAY)


@pytest.fixture
def built(db: None) -> handmade.Cohort:
    return handmade.build()


def march(**kw: object) -> ReportFilter:
    return ReportFilter(start=MARCH[0], end=MARCH[1], **kw)  # type: ignore[arg-type]


def test_census(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = census.census(clinic=built.clinic, filters=march())
    by_day = dict(zip(report.days, report.active, strict=True))
    # 2 Mar: Ann, Ben, Dee, Eve. 5 Mar: the same and Cal (a stay of one day). 11 Mar: Ben left
    # on the 10th (the discharge day counts). 14 Mar: Eve stepped down on the 13th. 16 Mar:
    # Ben again. 21 Mar: Ann completed on the 20th. 23 Mar: Fay. 29 Mar: Dee's last day counts.
    assert by_day[d(3, 2)] == 4
    assert by_day[d(3, 5)] == 5
    assert by_day[d(3, 10)] == 4
    assert by_day[d(3, 11)] == 3
    assert by_day[d(3, 14)] == 2
    assert by_day[d(3, 16)] == 3
    assert by_day[d(3, 21)] == 2
    assert by_day[d(3, 23)] == 3
    assert by_day[d(3, 29)] == 3
    # Patient-days in the range: Ann 19 (2–20), Ben 9 (2–10), Ben again 14 (16–29), Cal 1,
    # Dee 28, Eve 12 (2–13), Fay 7 (23–29) = 90; 90 / 28 = 3.21.
    assert report.average_active == 3.2
    # 2 Mar by track: Morning Ann, Dee; Evening Ben, Eve. By site: North is Morning's.
    # By level: Eve is PHP.
    n = report.days.index(d(3, 2))
    assert report.by_track["Morning IOP"][n] == 2
    assert report.by_track["Evening IOP"][n] == 2
    assert report.by_site["North"][n] == 2
    assert report.by_site["No site"][n] == 2
    assert report.by_level["PHP (ASAM 2.5)"][n] == 1
    assert report.by_level["IOP (ASAM 2.1)"][n] == 3
    # Admissions by week: 2 Mar Ben, Dee (2nd), Cal (5th) = 3; 9 Mar none; 16 Mar Ben again;
    # 23 Mar Fay. Ann and Eve came in February: not admissions of this range.
    assert [w.admissions for w in report.weeks] == [3, 0, 1, 1]
    # Discharges: week of 2 Mar Cal (administrative); 9 Mar Ben (against advice) and Eve
    # (stepped down); 16 Mar Ann (completed); 23 Mar Dee (transferred, on the 29th).
    assert [w.discharged for w in report.weeks] == [1, 2, 1, 1]
    assert [w.step_downs for w in report.weeks] == [0, 1, 0, 0]
    assert [w.transfers for w in report.weeks] == [0, 0, 0, 1]
    (month,) = report.months
    assert (month.start, month.admissions, month.discharged) == (d(3, 1), 5, 5)
    assert dict(month.discharges) == {
        "administrative": 1,
        "against_advice": 1,
        "stepped_down": 1,
        "completed": 1,
        "transferred": 1,
    }


def test_stays_and_completion(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = stays.stays_report(clinic=built.clinic, filters=march())
    lengths = {row.enrollment.patient.legal_first_name: row.length for row in report.stays}
    # Ann: last attended 19 Mar, before her discharge on the 20th: 19 Mar − 23 Feb = 24 days.
    # Ben: attended nothing, measured to his discharge: 10 Mar − 2 Mar = 8.
    # Cal: admitted and discharged on 5 Mar: under a day counts 1.
    # Dee: last attended Friday 27 Mar (discharged on the 29th, the range's last day): 25.
    # Eve: last attended 12 Mar, stepped down on the 13th: 12 Mar − 2 Feb = 38.
    assert lengths == {"Ann": 24, "Ben": 8, "Cal": 1, "Dee": 25, "Eve": 38}
    # Sorted 1, 8, 24, 25, 38: median 24; mean 96 / 5 = 19.2.
    assert (report.overall.median, report.overall.mean) == (24.0, 19.2)
    # Morning: Ann 24, Cal 1, Dee 25 → median 24, mean 50/3 = 16.7. Evening: Ben 8, Eve 38.
    tracks = {row.name: (row.count, row.median, row.mean) for row in report.by_track}
    assert tracks == {"Evening IOP": (2, 23.0, 23.0), "Morning IOP": (3, 24.0, 16.7)}
    reasons = {row.name: row.lengths for row in report.by_reason}
    assert reasons == {
        "Completed treatment": [24],
        "Stepped down": [38],
        "Transferred": [25],
        "Left against advice": [8],
        "Administrative": [1],
    }
    # TEDS, transfers counted: Ann, Dee (transferred), Eve (stepped down) = 3 / 5.
    assert (report.completed, report.ended, report.completion_rate) == (3, 5, 60.0)
    # Early drop-out: not completed and at most 14 days: Ben (8), Cal (1) = 2 / 5.
    assert (report.early_dropouts, report.early_dropout_rate) == (2, 40.0)
    assert "TEDS counts transfers" in report.how["completion"]


def test_completion_without_transfers_is_the_clinics_choice(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        ReportSettings.objects.create(
            clinic=built.clinic, completion_counts_transfers=False, early_dropout_days=30
        )
        report = stays.stays_report(clinic=built.clinic, filters=march())
    # Only Ann completed: 1 / 5. Early drop-out within 30 days, not completed: Ben 8, Cal 1,
    # Dee 25 (a transfer no longer counts as completion); Eve's 38 is over 30.
    assert report.completion_rate == 20.0
    assert report.early_dropouts == 3
    assert "not counted" in report.how["completion"]


def test_attendance(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = attendance.attendance_report(clinic=built.clinic, filters=march())
    # Scheduled / attended minutes (every session 180):
    # 12 Mar Eve 180/180; 19 Mar Ann 180/180; 23 Mar Dee late 120/180, Fay 180/180;
    # 24 Mar Dee absent 0/180; 25 Mar Dee's make-up 180/180; 26 Mar Dee 180/180, Fay excused
    # 0/180; 27 Mar Dee 180/180. Scheduled 9 × 180 = 1620; attended 1200 → 74.1 %.
    assert (report.overall.attended, report.overall.scheduled) == (1200, 1620)
    assert report.overall.rate == 74.1
    # Morning: all but Eve's: 1020 / 1440 = 70.8 %. Evening: 180 / 180.
    assert {s.name: (s.attended, s.scheduled) for s in report.by_track} == {
        "Evening IOP": (180, 180),
        "Morning IOP": (1020, 1440),
    }
    # Skills: 23 and 27 Mar: 480 / 540; Process: the rest, 720 / 1080.
    assert {s.name: (s.attended, s.scheduled) for s in report.by_group_type} == {
        "Process group": (720, 1080),
        "Skills": (480, 540),
    }
    # Monday 300/360, Tuesday 0/180, Wednesday 180/180, Thursday 540/720, Friday 180/180.
    assert [(s.name, s.attended, s.scheduled) for s in report.by_weekday] == [
        ("Monday", 300, 360),
        ("Tuesday", 0, 180),
        ("Wednesday", 180, 180),
        ("Thursday", 540, 720),
        ("Friday", 180, 180),
    ]
    # Patient-weeks with sessions: Eve (9 Mar) 3 h, Ann (16 Mar) 3 h, Fay (23 Mar) 3 h under
    # the adult 9 h; Dee (23 Mar) 120+0+180+180+180 = 660 min = 11 h, over. 3 of 4.
    assert (report.weeks_under_minimum, report.patient_weeks) == (3, 4)
    assert report.under_minimum_rate == 75.0
    # Misses: Dee's Tuesday (unexcused, made up the next day, within 14) and Fay's Thursday
    # (excused, not made up): 1 of 2 recovered.
    assert (report.misses, report.unexcused_misses, report.made_up_in_window) == (2, 1, 1)
    assert report.recovery_rate == 50.0
    # Days with a held session: Eve 12, Ann 19, Dee 23–27 (5), Fay 23 and 26 = 9. Billable
    # (3 h attended): all but Dee's 23rd (2 h), Dee's 24th (absent) and Fay's 26th: 6 / 9.
    assert (report.billable_days, report.held_days) == (6, 9)
    assert report.billable_day_rate == 66.7


def test_attendance_for_one_track(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = attendance.attendance_report(
            clinic=built.clinic, filters=march(track_id=built.evening.pk)
        )
    # Evening: Ben (nothing attended) and Eve's one session.
    assert (report.overall.attended, report.overall.scheduled, report.misses) == (180, 180, 0)


def test_outcomes(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = outcomes.outcomes_report(clinic=built.clinic, filters=march())
    phq9, gad7 = report.scores
    # PHQ-9 first scores within 7 days of admission: Ann 16, Ben 12, Ben again 14 (his 2 Mar
    # score belongs to his first stay), Cal 11, Dee 20 → 5 stays, all elevated (10+).
    assert (phq9.with_intake, phq9.elevated) == (5, 5)
    # Latest later score: Ann 6 (−10), Ben again 4 (−10), Dee 9 (−11); Ben's first stay and
    # Cal have none. Mean −31 / 3 = −10.3.
    assert phq9.mean_change_latest == -10.3
    # Response (later ≤ half the first): Ann 6 ≤ 8, Ben again 4 ≤ 7, Dee 9 ≤ 10: 3 / 5.
    # Remission (under 5): Ben again only: 1 / 5. No follow-up counts as neither.
    assert (phq9.followed_up, phq9.response_latest, phq9.remission_latest) == (3, 3, 1)
    assert (phq9.response_rate, phq9.remission_rate) == (60.0, 20.0)
    # At discharge (stays that ended in March, a score within 7 days before the end): Ann 6
    # (18 Mar, ended 20th), Dee 9 (27 Mar, ended 29th); Ben's first stay and Cal have none.
    # Elevated and discharged: Ann, Ben, Cal, Dee = 4. Response 2 / 4, remission 0.
    assert phq9.mean_change_discharge == -10.5
    assert (phq9.elevated_discharged, phq9.response_discharge) == (4, 2)
    assert (phq9.response_rate_discharge, phq9.remission_rate_discharge) == (50.0, 0.0)
    # GAD-7: Eve 15 → 7 (−8); 7 × 2 = 14 ≤ 15: a response, not a remission; also at discharge.
    assert (gad7.with_intake, gad7.mean_change_latest, gad7.response_rate) == (1, -8.0, 100.0)
    assert (gad7.remission_rate, gad7.response_rate_discharge) == (0.0, 100.0)
    # Coverage, any measure. At admission: all 7 stays but Fay's = 6 / 7. At 30 days: only
    # Eve's stay was open on its day 30 (4 Mar); her BAM of 5 Mar is within 7 days: 1 / 1.
    # At discharge: Ann (18 Mar), Cal (5 Mar, her only day), Dee (27 Mar), Eve (12 Mar) had
    # one in the last 7 days; Ben's first stay did not (2 Mar, ended 10th): 4 / 5.
    assert [(c.measured, c.eligible) for c in report.coverage] == [(6, 7), (1, 1), (4, 5)]
    assert [c.rate for c in report.coverage] == [85.7, 100.0, 80.0]
    # BAM by week of the stay: Dee's on 9 Mar is week 2 (day 7), all zero; Eve's on 5 Mar is
    # week 5 (day 31): use 6, risk 13, protective 14.
    assert [(b.week, b.count, b.use, b.risk, b.protective) for b in report.bam] == [
        (2, 1, 0.0, 0.0, 0.0),
        (5, 1, 6.0, 13.0, 14.0),
    ]
    # Drug tests with results: week of 9 Mar: Dee's cocaine positive (unexpected) and Ann's
    # negative: 1 of 2. Fay's test was never collected.
    assert [(t.start, t.tested, t.unexpected, t.rate) for t in report.tests] == [
        (d(3, 9), 2, 1, 50.0)
    ]
    # Follow-up calls due in March: none (the first ones fall in April).
    assert [(f.months, f.due) for f in report.followups] == [(1, 0), (3, 0), (6, 0), (12, 0)]
    # Readmissions of the 5 March discharges (all 90 days over by 6 July): Ben back in 6 days
    # (30 and 90); Cal back in 57 (90 only).
    assert [(r.days, r.readmitted, r.eligible, r.rate) for r in report.readmissions] == [
        (30, 1, 5, 20.0),
        (90, 2, 5, 40.0),
    ]


def test_follow_up_calls(built: handmade.Cohort) -> None:
    with clinic_context(built.clinic.pk):
        report = outcomes.outcomes_report(
            clinic=built.clinic,
            filters=ReportFilter(start=d(4, 1), end=datetime.date(2026, 6, 30)),
        )
    # 1 month after each March discharge (5, 10, 13, 20, 29 Mar → April): 5 due, Ann reached,
    # Dee unreachable: 1 / 5. 3 months (June, all due by 6 July): 5 due, Cal reached: 1 / 5.
    assert [(f.months, f.due, f.reached) for f in report.followups] == [
        (1, 5, 1),
        (3, 5, 1),
        (6, 0, 0),
        (12, 0, 0),
    ]
    assert report.followups[0].rate == 20.0
    assert report.followups[2].rate is None
