"""Therapy pages: the therapist's patients, the week view, availability, the weekly
scheduler, moving a session, progress notes (write, sign, addenda, co-sign), the unsigned
notes list, treatment plans and the clinic's therapy settings. Thin: parse, call, render."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iop import clock
from iop import selectors as core
from iop.models import Diagnosis, Membership
from iop.roles import Capability, Role
from iop.services import DomainError, records_viewed
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
    refusal_shown,
)
from scheduling import selectors as calendar
from scheduling.models import Session
from scheduling.week import time_grid

from . import scheduler, selectors, services
from .forms import (
    AvailabilityForm,
    BlockForm,
    BookForm,
    InterventionForm,
    MoveForm,
    NoteForm,
    ProfileForm,
    TherapySettingsForm,
    therapists_of,
    week_param,
)
from .models import (
    FORMAT_FIELDS,
    Availability,
    AvailabilityBlock,
    Goal,
    Intervention,
    Objective,
    ObjectiveStatus,
    Problem,
    ProgressNote,
    TherapistProfile,
    TreatmentPlan,
)
from .services import NOTE_KINDS

C = Capability


def membership_of(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def chosen_therapist(request: HttpRequest) -> Membership | None:
    """A therapist works on their own week; others (admins, schedulers) pick one."""
    me = membership_of(request)
    if me.role == Role.THERAPIST:
        return me
    therapists = list(therapists_of(clinic_of(request)))
    wanted = request.GET.get("therapist") or request.POST.get("therapist") or ""
    chosen = next((t for t in therapists if str(t.pk) == wanted), None)
    request.therapists = therapists  # type: ignore[attr-defined]
    return chosen or (therapists[0] if therapists else None)


# --- The therapist's patients and the unsigned notes ------------------------------------------


@clinic_page(C.NOTES_READ)
@require_GET
def therapy_home(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_patients(
        clinic=clinic_of(request),
        membership=membership_of(request),
        today=clock.today(clinic_of(request)),
    )
    return render(request, "therapy/home.html", {"rows": rows})


@clinic_page(C.NOTES_WRITE)
@require_GET
def notes_unsigned(request: HttpRequest) -> HttpResponse:
    todo = selectors.notes_todo(clinic=clinic_of(request), membership=membership_of(request))
    return render(request, "therapy/unsigned.html", {"todo": todo})


# --- Availability, the week, the scheduler ----------------------------------------------------


@clinic_page(C.SCHEDULE_MANAGE)
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    therapist = chosen_therapist(request)
    hours_form, block_form = AvailabilityForm(prefix="hours"), BlockForm(prefix="block")
    if request.method == "POST" and therapist is not None:
        action = request.POST.get("action", "")
        try:
            if action == "hours":
                hours_form = AvailabilityForm(request.POST, prefix="hours")
                if hours_form.is_valid():
                    services.availability_add(
                        clinic=clinic, actor=actor_of(request), therapist=therapist,
                        **hours_form.cleaned_data,
                    )  # fmt: skip
                    messages.success(request, "Working hours added.")
                    return redirect(_with_therapist(request, "therapy-availability", therapist))
            elif action == "block":
                block_form = BlockForm(request.POST, prefix="block")
                if block_form.is_valid():
                    services.availability_block_add(
                        clinic=clinic, actor=actor_of(request), therapist=therapist,
                        **block_form.cleaned_data,
                    )  # fmt: skip
                    messages.success(request, "Time away added.")
                    return redirect(_with_therapist(request, "therapy-availability", therapist))
            elif action in ("remove-hours", "remove-block"):
                model: Any = Availability if action == "remove-hours" else AvailabilityBlock
                row = model.objects.filter(
                    clinic=clinic, therapist=therapist, pk=_int(request.POST.get("id"))
                ).first()
                if row is not None:
                    services.availability_remove(row, actor=actor_of(request))
                    messages.success(request, "Removed.")
                return redirect(_with_therapist(request, "therapy-availability", therapist))
            else:
                messages.error(request, "Choose what to add or remove.")
                return redirect(_with_therapist(request, "therapy-availability", therapist))
        except ValidationError as exc:
            form_errors_from(hours_form if action == "hours" else block_form, exc)
    hours = Availability.objects.filter(clinic=clinic, therapist=therapist) if therapist else []
    blocks = (
        AvailabilityBlock.objects.filter(
            clinic=clinic, therapist=therapist, ends_at__gte=clock.now()
        )
        if therapist
        else []
    )
    return render(
        request,
        "therapy/availability.html",
        {
            "therapist": therapist, "therapists": getattr(request, "therapists", None),
            "hours": hours, "blocks": blocks, "hours_form": hours_form, "block_form": block_form,
        },
    )  # fmt: skip


def _int(value: Any) -> int:
    """An id from a form; anything else (or out of range) is no id."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**62 else 0


def _with_therapist(request: HttpRequest, name: str, therapist: Membership, **extra: Any) -> str:
    url = clinic_url(request, name)
    query = "" if membership_of(request).role == Role.THERAPIST else f"therapist={therapist.pk}"
    for key, value in extra.items():
        query += f"&{key}={value}"
    return f"{url}?{query.lstrip('&')}" if query else url


@clinic_page(C.SCHEDULE_MANAGE)
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    therapist = chosen_therapist(request)
    monday = week_param(request.GET.get("week"), clock.today(clinic_of(request)))
    days = (
        selectors.therapist_week(clinic=clinic, therapist=therapist, monday=monday)
        if therapist
        else []
    )
    grid = time_grid(days, tz=clock.zone(clinic))
    unbooked = (
        list(selectors.unbooked_patients(clinic=clinic, therapist=therapist, monday=monday))
        if therapist
        else []
    )
    return render(
        request,
        "therapy/week.html",
        {
            "therapist": therapist, "therapists": getattr(request, "therapists", None),
            "monday": monday, "days": days, "grid": grid,
            "previous": monday - datetime.timedelta(weeks=1),
            "next": monday + datetime.timedelta(weeks=1),
            "tz": clinic.timezone, "now": clock.now(), "unbooked": unbooked,
        },
    )  # fmt: skip


@clinic_page(C.SCHEDULE_MANAGE)
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    """Propose the week's individual sessions; book them in one go."""
    clinic = clinic_of(request)
    mine = membership_of(request).role == Role.THERAPIST
    therapist_id = membership_of(request).pk if mine else None
    monday = week_param(
        request.POST.get("week") or request.GET.get("week"), clock.today(clinic_of(request))
    )
    if request.method == "POST":
        booked = scheduler.week_book(
            clinic=clinic, actor=actor_of(request), week_start=monday, therapist_id=therapist_id
        )
        messages.success(
            request,
            f"Booked {len(booked.sessions)} individual session"
            f"{'' if len(booked.sessions) == 1 else 's'}; "
            f"{len(booked.plan.unplaced)} could not be placed.",
        )
        return redirect(f"{clinic_url(request, 'therapy-schedule')}?week={monday:%Y-%m-%d}")
    plan = scheduler.week_propose(
        clinic=clinic, week_start=monday, therapist_id=therapist_id, suggest=3
    )
    people = {
        p.pk: p
        for p in core.patient_list(clinic=clinic).filter(
            pk__in=[x.patient_id for x in plan.placed] + [x.patient_id for x in plan.unplaced]
        )
    }
    staff = {m.pk: m for m in therapists_of(clinic)}
    return render(
        request,
        "therapy/schedule.html",
        {
            "plan": plan, "monday": monday, "people": people, "staff": staff,
            "previous": monday - datetime.timedelta(weeks=1),
            "next": monday + datetime.timedelta(weeks=1),
            "placed": [
                (p, people.get(p.patient_id), staff.get(p.therapist_id)) for p in plan.placed
            ],
            "unplaced": [
                (u, people.get(u.patient_id), staff.get(u.therapist_id or 0)) for u in plan.unplaced
            ],
        },
    )  # fmt: skip


@clinic_page(C.SCHEDULE_MANAGE)
@require_http_methods(["GET", "POST"])
def session_book(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Book a patient's individual session by hand: one of the nearest free times, or a time
    of one's own; a clash is said on the form."""
    clinic, me = clinic_of(request), membership_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    if me.role == Role.THERAPIST and patient.primary_therapist_id != me.pk:
        raise PermissionDenied("Therapists book their own patients' sessions.")
    tz = clock.zone(clinic)
    monday = week_param(request.GET.get("week"), clock.today(clinic))
    form = BookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at = form.cleaned_data["starts_at"]
        try:
            session = scheduler.session_book(
                clinic=clinic, actor=actor_of(request), patient=patient, starts_at=starts_at
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            local = session.starts_at.astimezone(tz)
            messages.success(request, f"Booked {local:%a %b} {local.day}, {local:%-I:%M %p}.")
            week = clock.week_start(local.date())
            return redirect(
                _with_therapist(
                    request, "therapy-week", session.lead or me, week=f"{week:%Y-%m-%d}"
                )
            )
    slots = (
        scheduler.nearest_slots(
            clinic=clinic, patient_id=patient.pk, therapist_id=patient.primary_therapist_id,
            week_start=monday,
        )
        if patient.primary_therapist_id
        else []
    )  # fmt: skip
    return render(
        request,
        "therapy/book.html",
        {
            "patient": patient, "form": form, "monday": monday, "tz": clinic.timezone,
            "slots": [s.astimezone(tz) for s in slots],
        },
    )  # fmt: skip


def _therapy_session(request: HttpRequest, session_id: int) -> Session:
    session = calendar.session_get(clinic=clinic_of(request), session_id=session_id)
    if session.kind not in NOTE_KINDS:
        raise Http404("Not an individual or family session.")
    return session


@clinic_page(C.SCHEDULE_MANAGE)
@require_http_methods(["GET", "POST"])
def session_move(request: HttpRequest, therapy_session_id: int) -> HttpResponse:
    session = _therapy_session(request, therapy_session_id)
    me = membership_of(request)
    if me.role == Role.THERAPIST and me.pk not in (session.lead_id, session.co_lead_id):
        raise PermissionDenied("Only the session's therapist moves it.")
    tz = clock.zone(clinic_of(request))
    initial = {"starts_at": session.starts_at.astimezone(tz).replace(tzinfo=None)}
    form = MoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scheduler.session_move(
                session, actor=actor_of(request), starts_at=form.cleaned_data["starts_at"]
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
            session.refresh_from_db()
        else:
            messages.success(request, "Session moved.")
            monday = clock.week_start(session.starts_at.astimezone(tz).date())
            return redirect(
                _with_therapist(
                    request, "therapy-week", session.lead or me, week=f"{monday:%Y-%m-%d}"
                )
            )
    patient = services.note_patient_of(session)
    return render(
        request, "therapy/move.html", {"form": form, "session": session, "patient": patient}
    )


# --- Progress notes ---------------------------------------------------------------------------


def _current_objectives(clinic: Any, patient: Any) -> list[Objective]:
    return list(
        Objective.objects.filter(
            clinic=clinic, plan__patient=patient, plan__superseded_at__isnull=True
        ).order_by("plan_id", "order")
    )


@clinic_page(C.NOTES_WRITE)
@require_http_methods(["GET", "POST"])
def note_write(request: HttpRequest, therapy_session_id: int) -> HttpResponse:
    clinic, me = clinic_of(request), membership_of(request)
    session = _therapy_session(request, therapy_session_id)
    note = ProgressNote.objects.filter(clinic=clinic, session=session).first()
    if note is not None and note.is_signed:
        return redirect(clinic_url(request, "therapy-note", note_id=note.pk))
    patient = note.patient if note else services.note_patient_of(session)
    if patient is None:
        raise Http404("Nobody is on this session's list.")
    if not selectors.can_read_patient(me, patient) and me.pk not in (
        session.lead_id,
        session.co_lead_id,
    ):
        raise Http404("No such session.")
    settings = services.therapy_settings_get(clinic=clinic)
    note_format = note.format if note else settings.note_format
    objectives = _current_objectives(clinic, patient)
    initial: dict[str, Any] = {}
    if note is not None:
        initial = {name: getattr(note, name) for name in note.fields_in_format}
        initial |= {
            "modality": note.modality_id,
            "part2": note.part2,
            "objectives": [o.objective_id for o in note.objectives.all()],
        }
    else:
        initial["part2"] = services._is_substance_use(patient.pk, clinic.pk)
    form = NoteForm(
        request.POST or None, initial=initial, format=note_format, objectives=objectives,
        clinic=clinic,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        texts = {name: data[name] for name in form.fields if name in initial or name in data}
        texts = {k: v for k, v in texts.items() if k not in ("modality", "objectives", "part2")}
        try:
            note = services.progress_note_save(
                session=session, author=me, texts=texts, modality=data["modality"],
                objectives=list(data["objectives"]), part2=data["part2"],
            )  # fmt: skip
            if request.POST.get("action") == "sign":
                services.progress_note_sign(note, signer=me)
                messages.success(request, f"Note signed for {patient.display_name}.")
                return redirect(clinic_url(request, "therapy-note", note_id=note.pk))
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect(
                clinic_url(request, "therapy-note-write", therapy_session_id=session.pk)
            )
    return render(
        request,
        "therapy/note_form.html",
        {
            "form": form,
            "session": session,
            "patient": patient,
            "note": note,
            "format": note_format,
            "sections": FORMAT_FIELDS[note_format],
        },
    )


@clinic_page(C.NOTES_READ)
@require_GET
def note_detail(request: HttpRequest, note_id: int) -> HttpResponse:
    clinic, me = clinic_of(request), membership_of(request)
    note = selectors.note_get(clinic=clinic, membership=me, note_id=note_id)
    records_viewed(clinic=clinic, actor=actor_of(request), records=[note])
    linked = Objective.objects.filter(
        clinic=clinic, pk__in=[o.objective_id for o in note.objectives.all()]
    )
    supervisor = (
        TherapistProfile.objects.filter(clinic=clinic, membership_id=note.author_id)
        .values_list("supervisor_id", flat=True)
        .first()
    )
    return render(
        request,
        "therapy/note_detail.html",
        {
            "note": note, "patient": note.patient, "objectives": linked,
            "final": selectors.is_final(note),
            "can_cosign": note.cosign_required and not hasattr(note, "cosignature")
            and supervisor == me.pk,
            "can_write": me.can(C.NOTES_WRITE),
        },
    )  # fmt: skip


def _note_for_action(request: HttpRequest, note_id: int) -> ProgressNote:
    return selectors.note_get(
        clinic=clinic_of(request), membership=membership_of(request), note_id=note_id
    )


@clinic_page(C.NOTES_WRITE)
@require_POST
def note_sign(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _note_for_action(request, note_id)
    signed = attempt(
        request,
        lambda: services.progress_note_sign(note, signer=membership_of(request)),
        success=lambda _: f"Note signed for {note.patient.display_name}.",
    )
    if not signed and not note.is_signed:
        return redirect(
            clinic_url(request, "therapy-note-write", therapy_session_id=note.session_id)
        )
    return redirect(clinic_url(request, "therapy-note", note_id=note.pk))


@clinic_page(C.NOTES_WRITE)
@require_POST
def note_addendum(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _note_for_action(request, note_id)
    attempt(
        request,
        lambda: services.note_addendum_add(
            note, actor=actor_of(request), text=request.POST.get("text", "")
        ),
        success="Addendum added.",
    )
    return redirect(clinic_url(request, "therapy-note", note_id=note.pk))


@clinic_page(C.NOTES_WRITE)
@require_POST
def note_cosign(request: HttpRequest, note_id: int) -> HttpResponse:
    note = _note_for_action(request, note_id)
    attempt(
        request,
        lambda: services.progress_note_cosign(note, supervisor=membership_of(request)),
        success="Co-signed; the note is final.",
    )
    return redirect(clinic_url(request, "therapy-note", note_id=note.pk))


# --- Treatment plans --------------------------------------------------------------------------


@clinic_page(C.NOTES_WRITE)
@require_POST
def plan_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core.patient_get(clinic=clinic, patient_id=patient_id)
    try:
        plan = services.treatment_plan_start(patient=patient, author=membership_of(request))
    except services.NotTreatingError:
        raise Http404("No such patient.") from None
    except (ValidationError, DomainError) as exc:
        refusal_shown(request, exc)
        return redirect(clinic_url(request, "patient-chart", patient_id=patient.pk) + "#therapy")
    return redirect(clinic_url(request, "treatment-plan", treatment_plan_id=plan.pk))


PART_ACTIONS = ("problem", "goal", "objective", "intervention", "status")


@clinic_page(C.NOTES_READ)
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, treatment_plan_id: int) -> HttpResponse:
    clinic, me = clinic_of(request), membership_of(request)
    plan = selectors.plan_get(clinic=clinic, membership=me, plan_id=treatment_plan_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not me.can(C.NOTES_WRITE):
            raise PermissionDenied("Your role does not allow writing treatment plans.")
        action = request.POST.get("action", "")
        try:
            _plan_action(request, plan, action)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        except DomainError as exc:
            errors = {"": [str(exc)]}
        else:
            return redirect(clinic_url(request, "treatment-plan", treatment_plan_id=plan.pk))
    versions = TreatmentPlan.objects.filter(clinic=clinic, enrollment_id=plan.enrollment_id)
    tree = selectors.plan_tree(plan)
    records_viewed(clinic=clinic, actor=actor_of(request), records=[plan])
    return render(
        request,
        "therapy/plan.html",
        {
            "plan": plan, "patient": plan.patient, "tree": tree, "versions": versions,
            "errors": errors, "post": request.POST if errors else {},
            "review": selectors.review_state(plan, clock.today(clinic_of(request))),
            "diagnoses": Diagnosis.objects.filter(
                clinic=clinic, patient=plan.patient, is_active=True
            ),
            "interventions": Intervention.objects.filter(clinic=clinic, is_active=True),
            "statuses": ObjectiveStatus.choices,
            "can_write": me.can(C.NOTES_WRITE) and plan.is_current,
        },
    )  # fmt: skip


def _plan_action(request: HttpRequest, plan: TreatmentPlan, action: str) -> None:
    post, actor, clinic = request.POST, actor_of(request), clinic_of(request)
    text = post.get("description", "")
    if action not in PART_ACTIONS:
        raise ValidationError("Choose what to add.")
    if action in ("problem", "goal", "objective") and not text.strip():
        raise ValidationError({"description": "Describe it."})
    if action == "problem":
        diagnosis = Diagnosis.objects.filter(
            clinic=clinic, patient_id=plan.patient_id, pk=_int(post.get("diagnosis"))
        ).first()
        services.plan_problem_add(plan, actor=actor, description=text, diagnosis=diagnosis)
    elif action == "goal":
        problem = Problem.objects.filter(clinic=clinic, plan=plan, pk=_int(post.get("problem")))
        services.plan_goal_add(plan, actor=actor, problem=problem.first(), description=text)  # type: ignore[arg-type]
    elif action == "objective":
        goal: Any = Goal.objects.filter(clinic=clinic, plan=plan, pk=_int(post.get("goal"))).first()
        try:
            target = datetime.date.fromisoformat(post.get("target_date", ""))
        except ValueError:
            raise ValidationError(
                {"target_date": "Give a target date such as 2027-01-31."}
            ) from None
        services.plan_objective_add(
            plan,
            actor=actor,
            goal=goal,
            description=text,
            target_date=target,
        )
    else:
        objective = Objective.objects.filter(
            clinic=clinic, plan=plan, pk=_int(post.get("objective"))
        ).first()
        if objective is None:
            raise ValidationError({"objective": "Choose an objective of this plan."})
        if action == "status":
            if post.get("status") not in ObjectiveStatus.values:
                raise ValidationError({"status": "Choose a status."})
            services.objective_set_status(objective, actor=actor, status=post["status"])
            return
        intervention = Intervention.objects.filter(
            clinic=clinic, pk=_int(post.get("intervention"))
        ).first()
        if intervention is None:
            raise ValidationError({"intervention": "Choose an intervention."})
        services.plan_intervention_add(
            plan, actor=actor, objective=objective, intervention=intervention,
            frequency=post.get("frequency", ""),
        )  # fmt: skip


@clinic_page(C.NOTES_WRITE)
@require_POST
def plan_review(request: HttpRequest, treatment_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(
        clinic=clinic_of(request), membership=membership_of(request), plan_id=treatment_plan_id
    )
    try:
        plan = services.treatment_plan_review(plan, actor=actor_of(request))
    except DomainError as exc:
        refusal_shown(request, exc)
    else:
        messages.success(request, f"Reviewed: version {plan.version} is now current.")
    return redirect(clinic_url(request, "treatment-plan", treatment_plan_id=plan.pk))


@clinic_page(C.NOTES_WRITE)
@require_POST
def plan_acknowledge(request: HttpRequest, treatment_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(
        clinic=clinic_of(request), membership=membership_of(request), plan_id=treatment_plan_id
    )
    attempt(
        request,
        lambda: services.treatment_plan_acknowledge(
            plan, actor=actor_of(request), name=request.POST.get("name", "")
        ),
        success="The patient's participation is recorded.",
    )
    return redirect(clinic_url(request, "treatment-plan", treatment_plan_id=plan.pk))


# --- Settings ---------------------------------------------------------------------------------


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def therapy_settings(request: HttpRequest) -> HttpResponse:
    clinic, actor = clinic_of(request), actor_of(request)
    current = services.therapy_settings_get(clinic=clinic)
    initial = {
        "note_format": current.note_format,
        "plan_review_days": current.plan_review_days,
        "session_minutes": current.session_minutes,
    }
    action = request.POST.get("action", "")
    form = TherapySettingsForm(request.POST if action == "settings" else None, initial=initial)
    profile_form = ProfileForm(request.POST if action == "profile" else None, clinic=clinic)
    add_form = InterventionForm(request.POST if action == "intervention" else None)
    bound = {"settings": form, "profile": profile_form, "intervention": add_form}.get(action)
    if request.method == "POST" and bound is not None and bound.is_valid():
        data = bound.cleaned_data
        try:
            if action == "settings":
                services.therapy_settings_update(clinic=clinic, actor=actor, **data)
            elif action == "profile":
                services.therapist_profile_set(actor=actor, **data)
            else:
                services.intervention_create(clinic=clinic, actor=actor, name=data["name"])
        except ValidationError as exc:
            form_errors_from(bound, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(clinic_url(request, "therapy-settings"))
    profiles = TherapistProfile.objects.filter(clinic=clinic, needs_cosign=True)
    staff = {m.pk: m for m in Membership.objects.filter(clinic=clinic).select_related("user")}
    return render(
        request,
        "therapy/settings.html",
        {
            "form": form, "profile_form": profile_form, "add_form": add_form,
            "interventions": Intervention.objects.filter(clinic=clinic),
            "supervised": [
                (staff.get(p.membership_id), staff.get(p.supervisor_id or 0)) for p in profiles
            ],
        },
    )  # fmt: skip
