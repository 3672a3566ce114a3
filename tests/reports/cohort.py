"""A small clinic built by hand through the services, whose every report figure is worked out
in tests/reports/test_figures.py. Today is Monday 6 July 2026; the report covers March 2026's
four whole weeks, Monday 2 to Sunday 29 March.

| who | track (site) | level | stay | ended |
|---|---|---|---|---|
| Ann | Morning (North) | IOP | 23 Feb – 20 Mar | completed; last attended 19 Mar |
| Ben | Evening (none) | IOP | 2 – 10 Mar | left against advice; attended nothing |
| Ben again | Evening | IOP | 16 Mar – | open (readmitted 6 days after) |
| Cal | Morning | IOP | 5 – 5 Mar | administrative (a stay under a day); readmitted 1 May |
| Dee | Morning | IOP | 2 – 29 Mar | transferred on the range's last day; last attended 27 Mar |
| Eve | Evening | PHP | 2 Feb – 13 Mar | stepped down; last attended 12 Mar |
| Fay | Morning | IOP | 23 Mar – | open; no measures |
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import time_machine

from aftercare import services as aftercare
from aftercare.models import FollowUp
from groups.services import group_types_create_defaults
from iop import clock, services
from iop.models import Clinic, Enrollment, Membership, Patient, Track
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services as progress
from scheduling import makeups
from scheduling import services as calendar
from scheduling.models import Attendance, GroupType, MissedSession, Session
from tests import factories

TODAY = "2026-07-06 12:00"
MARCH = (datetime.date(2026, 3, 2), datetime.date(2026, 3, 29))


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2026, month, day)


# PHQ-9 answers (item 9 stays 0: no safety task) and GAD-7 answers by the total they score.
PHQ9 = {
    16: [2, 2, 2, 2, 2, 2, 2, 2, 0],
    6: [1, 1, 1, 1, 1, 1, 0, 0, 0],
    12: [2, 2, 2, 2, 2, 2, 0, 0, 0],
    14: [2, 2, 2, 2, 2, 2, 2, 0, 0],
    4: [1, 1, 1, 1, 0, 0, 0, 0, 0],
    11: [2, 2, 2, 2, 2, 1, 0, 0, 0],
    20: [3, 3, 3, 3, 3, 3, 2, 0, 0],
    9: [2, 2, 2, 2, 1, 0, 0, 0, 0],
}
GAD7 = {15: [3, 3, 3, 3, 3, 0, 0], 7: [1, 1, 1, 1, 1, 1, 1]}
# BAM items 1–6, 7A–7G, 8–17: use 2+1+3 = 6, risk 2+3+1+4+2+1 = 13, protective 1+0+3+4+4+2 = 14.
BAM_6_13_14 = [2, 3, 1, 2, 1, 3, 3, 0, 1, 0, 0, 0, 0, 4, 1, 0, 2, 3, 4, 4, 1, 2, 3]
BAM_ZERO = [0] * 23


@dataclass
class Cohort:
    clinic: Clinic
    admin: Membership
    morning: Track
    evening: Track
    patients: dict[str, Patient]
    stays: dict[str, Enrollment]


def build() -> Cohort:
    clinic = factories.ClinicFactory(slug="handmade", name="Handmade", timezone="America/Chicago")
    admin = factories.member(clinic, Role.ADMIN)
    actor = admin.user
    group_types_create_defaults(clinic=clinic, actor=None)
    north = factories.site(clinic, actor=actor, name="North")
    morning = factories.track(
        clinic, actor=actor, name="Morning IOP", site=north, active_from=d(1, 1)
    )
    evening = factories.track(
        clinic,
        actor=actor,
        name="Evening IOP",
        slot="evening",
        active_from=d(1, 1),
        hours=(datetime.time(18), datetime.time(21)),
    )
    names = ("Ann", "Ben", "Cal", "Dee", "Eve", "Fay")
    patients = {
        name: factories.patient(
            clinic, actor=actor, legal_first_name=name, legal_last_name="Cohort"
        )
        for name in names
    }

    def stay(name: str, track: Track, admitted: datetime.date, **kw: Any) -> Enrollment:
        return services.enrollment_create(
            patient=patients[name], actor=actor, track=track, admission_date=admitted, **kw
        )

    def end(stay: Enrollment, status: str, on: datetime.date, kind: str = "") -> None:
        services.enrollment_transition(stay, actor=actor, status=status, discharge_type=kind, on=on)

    stays = {
        "Ann": stay("Ann", morning, d(2, 23)),
        "Ben": stay("Ben", evening, d(3, 2)),
        "Cal": stay("Cal", morning, d(3, 5)),
        "Dee": stay("Dee", morning, d(3, 2)),
        "Eve": stay("Eve", evening, d(2, 2), level_of_care="asam_2_5"),
    }
    end(stays["Ben"], "discharged", d(3, 10), "against_advice")
    end(stays["Cal"], "discharged", d(3, 5), "administrative")
    end(stays["Eve"], "stepped_down", d(3, 13))
    stays["Ben again"] = stay("Ben", evening, d(3, 16))
    stays["Fay"] = stay("Fay", morning, d(3, 23))

    with clinic_context(clinic.pk):
        types = {g.kind: g for g in GroupType.objects.filter(clinic=clinic)}
    tz = clock.zone(clinic)

    def session(track: Track, day: datetime.date, kind: str) -> Session:
        start, finish = (9, 12) if track == morning else (18, 21)
        return calendar.session_create(
            clinic=clinic,
            actor=actor,
            kind="group",
            track=track,
            day=day,
            starts_at=clock.at(tz, day, datetime.time(start)),
            ends_at=clock.at(tz, day, datetime.time(finish)),
            group_type=types[kind],
        )

    def mark(s: Session, name: str, status: str, **kw: Any) -> Attendance:
        row = calendar.attendance_add(session=s, patient=patients[name], actor=actor)
        row.session = s
        return calendar.attendance_mark(row, actor=actor, status=status, **kw)

    # Sessions (all three hours): who was there and how long.
    mark(session(morning, d(3, 19), "process"), "Ann", "present")  # 180 of 180
    monday = session(morning, d(3, 23), "skills")
    mark(monday, "Dee", "late", arrived_at=clock.at(tz, d(3, 23), datetime.time(10)))  # 120
    mark(monday, "Fay", "present")  # 180
    tuesday = session(morning, d(3, 24), "process")
    makeup_day = session(morning, d(3, 25), "process")
    thursday = session(morning, d(3, 26), "process")
    mark(session(morning, d(3, 27), "skills"), "Dee", "present")  # 180
    mark(session(evening, d(3, 12), "process"), "Eve", "present")  # 180
    # Dee misses Tuesday and makes it up the next day; Fay is excused on Thursday.
    with time_machine.travel(datetime.datetime(2026, 3, 24, 13, tzinfo=tz), tick=False):
        mark(tuesday, "Dee", "absent")
        makeups.missed_sweep(clinic=clinic)
        with clinic_context(clinic.pk):
            missed = MissedSession.objects.select_related("session").get(patient=patients["Dee"])
        made_up = makeups.makeup_accept(missed, actor=actor, session=makeup_day)
    made_up.session = makeup_day
    calendar.attendance_mark(made_up, actor=actor, status="present")  # 180
    mark(thursday, "Dee", "present")  # 180
    with time_machine.travel(datetime.datetime(2026, 3, 26, 13, tzinfo=tz), tick=False):
        mark(thursday, "Fay", "excused")
        makeups.missed_sweep(clinic=clinic)

    def measure(name: str, instrument: str, on: datetime.date, answers: list[int]) -> None:
        progress.measure_submit(
            clinic=clinic,
            actor=actor,
            patient=patients[name],
            instrument=instrument,
            answers=answers,
            administered_on=on,
        )

    measure("Ann", "phq9", d(2, 23), PHQ9[16])
    measure("Ann", "phq9", d(3, 18), PHQ9[6])
    measure("Ben", "phq9", d(3, 2), PHQ9[12])
    measure("Ben", "phq9", d(3, 16), PHQ9[14])
    measure("Ben", "phq9", d(3, 27), PHQ9[4])
    measure("Cal", "phq9", d(3, 5), PHQ9[11])
    measure("Dee", "phq9", d(3, 3), PHQ9[20])
    measure("Dee", "bam", d(3, 9), BAM_ZERO)
    measure("Dee", "phq9", d(3, 27), PHQ9[9])
    measure("Eve", "gad7", d(2, 2), GAD7[15])
    measure("Eve", "bam", d(3, 5), BAM_6_13_14)
    measure("Eve", "gad7", d(3, 12), GAD7[7])

    panel = progress.panel_create(
        clinic=clinic,
        actor=actor,
        name="Cup",
        specimen_type="urine",
        substances=[
            {"substance": "thc", "cutoff": Decimal(50)},
            {"substance": "coc", "cutoff": Decimal(150)},
        ],
    )

    def drug_test(name: str, on: datetime.date, outcome: str | None, substance: str) -> None:
        test = progress.drug_test_order(
            clinic=clinic, actor=actor, patient=patients[name], panel=panel, ordered_for=on
        )
        if outcome is None:
            return
        progress.drug_test_collect(
            test,
            actor=actor,
            collected_at=clock.at(tz, on, datetime.time(10)),
            specimen_type="urine",
            observed=False,
            temperature=Decimal("96.8"),
            temperature_unit="F",
            creatinine=Decimal(80),
            specific_gravity=Decimal("1.015"),
            ph=Decimal(6),
        )
        progress.drug_test_results_record(
            test,
            actor=actor,
            results=[{"substance": substance, "method": "presumptive", "outcome": outcome}],
        )

    drug_test("Dee", d(3, 10), "positive", "coc")  # no prescription explains it: unexpected
    drug_test("Ann", d(3, 11), "negative", "thc")
    drug_test("Fay", d(3, 24), None, "thc")  # ordered, never collected: not a result

    # Cal comes back on 1 May (57 days after leaving): a readmission within 90 days, not 30.
    stays["Cal again"] = stay("Cal", morning, d(5, 1))
    end(stays["Ann"], "completed", d(3, 20))
    end(stays["Dee"], "discharged", d(3, 29), "transferred")
    # Follow-up calls were scheduled when each stay ended (1, 3, 6, 12 months later).
    with clinic_context(clinic.pk):
        calls = {
            (f.patient.legal_first_name, f.months_after): f
            for f in FollowUp.objects.filter(clinic=clinic).select_related("patient")
        }
    aftercare.follow_up_record(calls[("Ann", 1)], actor=actor, status="done", outcome_note="Well.")
    aftercare.follow_up_record(
        calls[("Dee", 1)], actor=actor, status="unreachable", outcome_note="No answer."
    )
    aftercare.follow_up_record(calls[("Cal", 3)], actor=actor, status="done", outcome_note="Ok.")
    return Cohort(clinic, admin, morning, evening, patients, stays)
