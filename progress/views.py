"""Browser pages: the caseload, a patient's progress (SVG charts), measures, check-ins,
daily ratings, safety tasks and drug tests. Thin: parse, call a service or selector, render."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iop import clock
from iop import selectors as core
from iop.roles import Capability, Role
from iop.services import DomainError, patient_chart_viewed
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
)
from iop.views.patients import chart_sections, membership_of

from . import charts, cssrs, selectors, services
from .forms import (
    CaseloadFilterForm,
    CheckInForm,
    CollectionForm,
    DrugTestOrderForm,
    MeasureForm,
    RandomSelectionForm,
    RatingForm,
    RecollectionCloseForm,
    ResultsForm,
    ReviewForm,
    SafetyTaskCloseForm,
)
from .instruments import SPECS, Instrument
from .models import DrugTest, PanelSubstance, RandomSelection, RecollectionTask

C = Capability


# --- Caseload ----------------------------------------------------------------------------------


@clinic_page(C.CLINICAL_READ)
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """A case manager sees their own patients; others (admins, therapists, auditors) pick a
    case manager or see everyone's."""
    clinic = clinic_of(request)
    membership = membership_of(request)
    managers = selectors.case_managers(clinic=clinic)
    own = membership.role == Role.CASE_MANAGER
    form = CaseloadFilterForm(request.GET or None, case_managers=managers)
    manager_id, flag, query = (membership.pk if own else None), "", ""
    if form.is_bound and form.is_valid():
        flag, query = form.cleaned_data["flag"], form.cleaned_data["q"]
        if not own:
            manager_id = form.cleaned_data["case_manager"]
    rows = selectors.caseload(clinic=clinic, case_manager_id=manager_id, flag=flag, query=query)
    manager = next((m for m in managers if m.pk == manager_id), None)
    return render(
        request,
        "progress/caseload.html",
        {
            "form": form,
            "rows": rows,
            "own": own,
            "manager": manager,
            "flagged": sum(1 for r in rows if r.flags),
            "c": charts.caseload_chart(
                flag_codes=[{code for code, _t, _w in r.flags} for r in rows]
            ),
        },
    )


# --- Progress page -----------------------------------------------------------------------------


@clinic_page(C.CLINICAL_READ)
@require_GET
def patient_progress(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    membership = membership_of(request)
    chart = core.patient_chart(
        clinic=clinic, patient_id=patient_id, sections=chart_sections(membership)
    )
    patient = chart.patient
    patient_chart_viewed(patient=patient, actor=actor_of(request))
    progress = selectors.patient_progress(
        clinic=clinic, patient=patient, include_tests=membership.can(C.TESTS_READ)
    )
    today = clock.today(clinic)
    first = progress.first
    last = clock.week_start(today) + datetime.timedelta(days=7)
    figures = [
        charts.measure_chart(
            code=code,
            name=SPECS[code].name,
            first=first,
            last=last,
            maximum=SPECS[code].maximum,
            points=[(m.administered_on, m.total or 0, m.band) for m in measures],
        )
        for code, measures in (
            (Instrument.PHQ9, progress.phq9),
            (Instrument.GAD7, progress.gad7),
            # The PCL-5 and the PACS are charted once recorded (not every patient takes them).
            (Instrument.PCL5, progress.pcl5),
            (Instrument.PACS, progress.pacs),
        )
        if measures or code in (Instrument.PHQ9, Instrument.GAD7)
    ]
    figures += [
        charts.hours_chart(weeks=progress.weeks, first=first),
        charts.attendance_chart(weeks=progress.attendance_by_week, first=first),
        *charts.ratings_charts(ratings=progress.ratings, first=first, last=last),
    ]
    if membership.can(C.TESTS_READ):
        figures.append(charts.tests_chart(tests=progress.tests, first=first, last=last))
    return render(
        request,
        "progress/progress.html",
        {
            "chart": chart,
            "patient": patient,
            "progress": progress,
            "figures": figures,
            "measure_charts": ("phq9", "gad7", "pcl5", "pacs"),
            "phq9_latest": progress.phq9[-1] if progress.phq9 else None,
        },
    )


# --- Measures, check-ins, ratings, safety tasks ------------------------------------------------


def _record_page(
    request: HttpRequest, form: Any, patient: Any, heading: str, submit: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        extra.pop("template", "progress/form.html"),
        {"form": form, "patient": patient, "heading": heading, "submit": submit, **extra},
    )


def _back_to_progress(request: HttpRequest, patient_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(clinic_url(request, "patient-progress", patient_id=patient_id))


@clinic_page(C.CLINICAL_WRITE)
@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    instrument = request.GET.get("instrument", Instrument.PHQ9)
    if instrument not in SPECS:
        instrument = Instrument.PHQ9
    today = clock.today(clinic)
    offered = instruments_offered(patient, today)
    form = MeasureForm(
        request.POST or None, instrument=instrument, initial={"administered_on": today}
    )
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.measure_submit(
                clinic=clinic,
                actor=actor_of(request),
                patient=patient,
                instrument=instrument,
                answers=form.answers(),
                administered_on=form.cleaned_data["administered_on"],
                sex=form.cleaned_data.get("sex", ""),
                functional_difficulty=form.cleaned_data.get("functional_difficulty"),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            spec = SPECS[instrument]
            if measure.total is None:
                result = (
                    f"BAM: use {measure.bam_use}, risk {measure.bam_risk}, "
                    f"protective {measure.bam_protective}"
                )
            else:
                result = f"{spec.name}: {measure.total}"
                result += f" ({measure.band})" if measure.band else f" of {spec.maximum}"
            if measure.subscores:
                result += " · clusters " + ", ".join(
                    f"{c} {v}" for c, v in measure.subscores.items()
                )
            if hasattr(measure, "safety_task"):
                result += (
                    ". Item 9 was answered above 0: a same-day safety task is open for the "
                    "primary therapist"
                )
            return _back_to_progress(request, patient.pk, result + ".")
    return _record_page(
        request,
        form,
        patient,
        SPECS[instrument].name,
        "Score and save",
        template="progress/measure_form.html",
        spec=SPECS[instrument],
        instruments=[(code, label) for code, label in Instrument.choices if code in offered],
        instrument=instrument,
    )


def instruments_offered(patient: Any, today: datetime.date) -> set[str]:
    """Every instrument, and the CRAFFT only for an adolescent (under 18 today, as ASAM and
    `Patient.adolescent_on` count it); it can still be opened by its link for a young adult
    up to 21, the top of its validated range (the service checks that)."""
    offered = set(SPECS)
    if not patient.adolescent_on(today):
        offered.discard(Instrument.CRAFFT)
    return offered


@clinic_page(C.CLINICAL_WRITE)
@require_http_methods(["GET", "POST"])
def check_in_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    form = CheckInForm(
        request.POST or None,
        clinic=clinic,
        patient=patient,
        initial={"held_on": clock.today(clinic)},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ratings = {name: data.pop(name) for name in services.RATING_FIELDS}
        try:
            services.check_in_create(
                clinic=clinic,
                actor=actor_of(request),
                patient=patient,
                held_on=data.pop("held_on"),
                session=data.pop("session"),
                ratings=ratings,
                **data,
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _back_to_progress(request, patient.pk, "Check-in saved.")
    return _record_page(request, form, patient, "Check-in with the case manager", "Save check-in")


@clinic_page(C.CLINICAL_WRITE)
@require_http_methods(["GET", "POST"])
def rating_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    form = RatingForm(request.POST or None, initial={"rated_on": clock.today(clinic)})
    if request.method == "POST" and form.is_valid():
        try:
            services.daily_rating_record(
                clinic=clinic, actor=actor_of(request), patient=patient, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _back_to_progress(request, patient.pk, "Ratings saved.")
    return _record_page(request, form, patient, "Daily ratings (0–10)", "Save ratings")


@clinic_page(C.CLINICAL_WRITE)
@require_http_methods(["GET", "POST"])
def safety_task_close(request: HttpRequest, patient_id: int, safety_task_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    task = selectors.safety_task_get(clinic=clinic, task_id=safety_task_id, patient=patient)
    form = SafetyTaskCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_task_close(
                task, actor=actor_of(request), screen=form.screen(), plan=form.cleaned_data["plan"]
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            return _back_to_progress(request, patient.pk, "Safety task closed.")
    return _record_page(
        request,
        form,
        patient,
        f"Close the safety task for {patient.display_name}",
        "Close the task",
        lead=f"{task.reason}. Record the C-SSRS Screener (since the last contact; question 6 "
        "asks about behaviour ever and in the past 3 months) and the plan.",
        source=cssrs.SOURCE,
    )


# --- Drug tests --------------------------------------------------------------------------------


@clinic_page(C.TESTS_READ)
@require_GET
def drug_test_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    today = clock.today(clinic)
    tests = list(
        DrugTest.objects.filter(clinic=clinic, ordered_for__gte=today - datetime.timedelta(days=7))
        .select_related("panel", "patient")
        .prefetch_related("results")
        .order_by("-ordered_for", "patient__legal_last_name", "id")
    )
    selections = list(
        RandomSelection.objects.filter(clinic=clinic).select_related("panel", "created_by")[:10]
    )
    form = RandomSelectionForm(
        clinic=clinic,
        initial={
            "ordered_for": today,
            "percent": services.settings_for(clinic).random_test_percent,
        },
    )
    return render(
        request,
        "progress/drug_test_list.html",
        {"tests": tests, "selections": selections, "form": form, "today": today},
    )


@clinic_page(C.TESTS_RECORD)
@require_POST
def random_selection_run(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = RandomSelectionForm(request.POST, clinic=clinic)
    if form.is_valid():
        attempt(
            request,
            lambda: services.random_selection_run(
                clinic=clinic,
                actor=actor_of(request),
                day=form.cleaned_data["ordered_for"],
                panel=form.cleaned_data["panel"],
                percent=form.cleaned_data["percent"],
            ),
            success=lambda selection: (
                f"{len(selection.selected)} of {len(selection.candidates)} attendees selected "
                f"for a {selection.panel.name} (seed kept for audit)."
            ),
        )
    else:
        messages.error(request, "Choose a day, a panel and a rate from 1 to 100 %.")
    return redirect(clinic_url(request, "drug-test-list"))


@clinic_page(C.TESTS_RECORD)
@require_http_methods(["GET", "POST"])
def drug_test_order(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    form = DrugTestOrderForm(
        request.POST or None, clinic=clinic, initial={"ordered_for": clock.today(clinic)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            test = services.drug_test_order(
                clinic=clinic, actor=actor_of(request), patient=patient, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Test ordered.")
            return redirect(clinic_url(request, "drug-test-detail", drug_test_id=test.pk))
    return _record_page(request, form, patient, "Order a drug or alcohol test", "Order test")


@clinic_page(C.TESTS_READ)
@require_http_methods(["GET", "POST"])
def drug_test_detail(request: HttpRequest, drug_test_id: int) -> HttpResponse:
    """The test: collection, results per substance, the clinician's review. Each form posts
    here with its `action`; each needs its own capability."""
    clinic = clinic_of(request)
    membership = membership_of(request)
    test = selectors.drug_test_get(clinic=clinic, test_id=drug_test_id)
    substances = [
        (s.substance, str(s))
        for s in PanelSubstance.objects.filter(clinic=clinic, panel_id=test.panel_id)
    ]
    action = request.POST.get("action", "")
    bound = request.POST if request.method == "POST" else None
    now = clock.local_now(clinic).replace(second=0, microsecond=0)
    forms_ = {
        "collect": CollectionForm(
            bound if action == "collect" else None,
            clinic=clinic,
            initial={
                "collected_at": now.strftime("%Y-%m-%dT%H:%M"),
                "specimen_type": test.panel.specimen_type,
                "collector": membership.pk,
            },
        ),
        "results": ResultsForm(bound if action == "results" else None, substances=substances),
        "review": ReviewForm(bound if action == "review" else None),
        "recollection": RecollectionCloseForm(bound if action == "recollection" else None),
    }
    if request.method == "POST":
        needed = {
            "collect": C.TESTS_RECORD, "results": C.TESTS_RECORD, "review": C.TESTS_REVIEW,
            "recollection": C.TESTS_RECORD,
        }  # fmt: skip
        if action not in needed or not membership.can(needed[action]):
            raise PermissionDenied("Your role does not allow this.")
        form = forms_[action]
        if form.is_valid():
            try:
                _act(action, test, form, actor_of(request))
            except (ValidationError, DomainError) as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    {
                        "collect": "Collection recorded.",
                        "results": "Results recorded.",
                        "review": "Review saved.",
                        "recollection": "Recollection task closed.",
                    }[action],
                )
                return redirect(clinic_url(request, "drug-test-detail", drug_test_id=test.pk))
    patient_chart_viewed(patient=test.patient, actor=actor_of(request))
    results = list(test.results.all())
    recollections = list(test.recollection_tasks.select_related("assigned_to__user"))
    findings = list(test.medication_findings.all())
    return render(
        request,
        "progress/drug_test_detail.html",
        {
            "test": test,
            "patient": test.patient,
            "results": results,
            "recollections": recollections,
            "findings": findings,
            "forms": forms_,
            "action": action,
        },
    )


DONE = {
    "collect": "Collection recorded.",
    "results": "Results recorded.",
    "review": "Review saved.",
}


def _act(action: str, test: DrugTest, form: Any, actor: Any) -> None:
    if action == "collect":
        services.drug_test_collect(test, actor=actor, **form.cleaned_data)
    elif action == "results":
        services.drug_test_results_record(test, actor=actor, results=form.results())
    elif action == "recollection":
        task = RecollectionTask.objects.filter(
            clinic=test.clinic_id, test=test, pk=form.cleaned_data["task"]
        ).first()
        if task is None:
            raise ValidationError({"note": "This recollection task is not on this test."})
        services.recollection_task_close(task, actor=actor, note=form.cleaned_data["note"])
    else:
        services.drug_test_review(test, actor=actor, comment=form.cleaned_data["comment"])
