"""Family pages: members, consents (grant, revoke), sharing through the consent gate, family
sessions and family attendance. Thin: parse, call a service or selector, render."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from iop import clock, part2
from iop import selectors as core_selectors
from iop.models import Membership
from iop.roles import Capability
from iop.services import DomainError, patient_chart_viewed
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
)

from . import selectors, services
from .forms import (
    ConsentForm,
    EducationForm,
    FamilySessionForm,
    MarkForm,
    MemberForm,
    RevokeForm,
    ShareForm,
)
from .models import FamilyMember, ParticipantStatus, ShareCategory

C = Capability


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _member(request: HttpRequest, member_id: int) -> FamilyMember:
    return selectors.member_get(clinic=clinic_of(request), member_id=member_id)


def _member_url(request: HttpRequest, member: FamilyMember) -> str:
    return clinic_url(request, "family-member", family_member_id=member.pk)


def _chart_url(request: HttpRequest, patient_id: int) -> str:
    return clinic_url(request, "patient-chart", patient_id=patient_id) + "#family"


# --- Family members ---------------------------------------------------------------------------


@clinic_page(C.FAMILY_MANAGE)
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = core_selectors.patient_get(clinic=clinic_of(request), patient_id=patient_id)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.family_member_create(
                patient=patient, actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"{member.name} added to the family section.")
            return redirect(_member_url(request, member))
    return render(
        request, "family/member_form.html", {"form": form, "patient": patient, "member": None}
    )


@clinic_page(C.FAMILY_MANAGE)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, family_member_id: int) -> HttpResponse:
    member = _member(request, family_member_id)
    form = MemberForm(
        request.POST or None, initial=model_to_dict(member, fields=services.MEMBER_FIELDS)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.family_member_update(member, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect(_member_url(request, member))
    return render(
        request,
        "family/member_form.html",
        {"form": form, "patient": member.patient, "member": member},
    )


@clinic_page(C.FAMILY_READ)
@require_http_methods(["GET"])
def member_detail(request: HttpRequest, family_member_id: int) -> HttpResponse:
    """The family member: contact; for the treating team also their consents, what may be
    shared today, and what was disclosed."""
    clinic = clinic_of(request)
    member = _member(request, family_member_id)
    patient_chart_viewed(patient=member.patient, actor=actor_of(request))
    context: dict[str, Any] = {"member": member, "patient": member.patient}
    if _membership(request).can(C.CONSENTS_READ):
        today = clock.today(clinic)
        tz = clock.zone(clinic)
        consents = selectors.with_revocations(
            list(selectors.consent_list(clinic=clinic, member_id=member.pk))
        )
        context["consents"] = [(c, selectors.consent_state(c, today, tz)) for c in consents]
        context["sharing"] = [
            (label, selectors.may_share(member, value, today))
            for value, label in ShareCategory.choices
        ]
        context["disclosures"] = list(
            selectors.disclosure_list(clinic=clinic, member_id=member.pk)[:50]
        )
    context["participations"] = list(
        selectors.participant_list(clinic=clinic, member_id=member.pk).select_related(
            "session__topic"
        )[:50]
    )
    if _membership(request).can(C.FAMILY_MANAGE):
        sessions = selectors.family_education_sessions(
            clinic=clinic, around=clock.today(clinic)
        ).exclude(family_participants__family_member=member)
        context["education_form"] = EducationForm(sessions=sessions)
    return render(request, "family/member_detail.html", context)


@clinic_page(C.FAMILY_MANAGE)
@require_POST
def education_add(request: HttpRequest, family_member_id: int) -> HttpResponse:
    """Put the family member on a family education group session."""
    clinic = clinic_of(request)
    member = _member(request, family_member_id)
    sessions = selectors.family_education_sessions(clinic=clinic, around=clock.today(clinic))
    form = EducationForm(request.POST, sessions=sessions)
    if form.is_valid():
        attempt(
            request,
            lambda: services.participant_add(
                session=form.cleaned_data["session"], member=member, actor=actor_of(request)
            ),
            success=f"{member.name} is on the family education group's list.",
        )
    else:
        messages.error(request, "Choose a family education group session.")
    return redirect(_member_url(request, member) + "#sessions")


# --- Consents ---------------------------------------------------------------------------------


@clinic_page(C.CONSENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, family_member_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    member = _member(request, family_member_id)
    form = ConsentForm(request.POST or None, initial={"signed_on": clock.today(clinic)})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_grant(member=member, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Consent recorded for {member.name}.")
            return redirect(_member_url(request, member))
    return render(
        request,
        "family/consent_form.html",
        {
            "form": form,
            "member": member,
            "patient": member.patient,
            "clinic": clinic,
            "revocation": part2.revocation_statement(clinic.name),
            "minor_today": part2.is_minor(member.patient.date_of_birth, clock.today(clinic)),
        },
    )


@clinic_page(C.CONSENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, family_consent_id: int) -> HttpResponse:
    """Asks once, naming the family member and the patient; then revokes."""
    consent = selectors.consent_get(clinic=clinic_of(request), consent_id=family_consent_id)
    member = consent.family_member
    member.clinic = clinic_of(request)
    form = RevokeForm(request.POST or None)
    if getattr(consent, "revocation", None) is not None:
        messages.warning(request, "This consent is already revoked.")
        return redirect(_member_url(request, member))
    if request.method == "POST" and form.is_valid():
        attempt(
            request,
            lambda: services.consent_revoke(consent, actor=actor_of(request), **form.cleaned_data),
            success=f"Consent revoked: nothing more is shared with {member.name} under it.",
        )
        return redirect(_member_url(request, member))
    return render(
        request,
        "family/consent_revoke.html",
        {"form": form, "consent": consent, "member": member, "patient": member.patient},
    )


@clinic_page(C.CONSENTS_MANAGE)
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, family_member_id: int) -> HttpResponse:
    """Share with family: the gate decides per kind of information; what is shared is logged
    (§2.25) and audited, what is refused says why."""
    clinic = clinic_of(request)
    member = _member(request, family_member_id)
    today = clock.today(clinic)
    form = ShareForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_record(member=member, actor=actor_of(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_error("category", f"Not shared: {exc}")
            status = 409
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Disclosure to {member.name} recorded.")
            return redirect(_member_url(request, member) + "#disclosures")
    sharing = [
        (label, selectors.may_share(member, value, today)) for value, label in ShareCategory.choices
    ]
    return render(
        request,
        "family/share.html",
        {
            "form": form,
            "member": member,
            "patient": member.patient,
            "sharing": sharing,
            "notice": part2.PART2_NOTICE,
            # §2.32(b): the scope of each consent in force goes with what is shared under it.
            "scopes": list(
                {d.consent.pk: d.consent.scope for _l, d in sharing if d and d.consent}.values()
            ),
        },
        status=status,
    )


# --- Family sessions --------------------------------------------------------------------------


@clinic_page(C.FAMILY_MANAGE)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core_selectors.patient_get(clinic=clinic, patient_id=patient_id)
    initial: dict[str, Any] = {"minutes": 60}
    if patient.primary_therapist_id:
        initial["lead"] = patient.primary_therapist_id
    form = FamilySessionForm(request.POST or None, patient=patient, clinic=clinic, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = data["starts_at"]
        try:
            session = services.family_session_schedule(
                patient=patient,
                actor=actor_of(request),
                lead=data["lead"],
                room=data["room"],
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=data["minutes"]),
                members=list(data["members"]),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Family session scheduled.")
            return redirect(clinic_url(request, "family-session", family_session_id=session.pk))
    has_members = FamilyMember.objects.filter(
        clinic=clinic, patient=patient, is_active=True
    ).exists()
    return render(
        request,
        "family/session_form.html",
        {"form": form, "patient": patient, "has_members": has_members},
    )


@clinic_page(C.FAMILY_READ)
@require_http_methods(["GET"])
def session_detail(request: HttpRequest, family_session_id: int) -> HttpResponse:
    """A family session or a family education group: who is on the family list, and their
    attendance (one click each for the treating team)."""
    session = selectors.participation_session_get(
        clinic=clinic_of(request), session_id=family_session_id
    )
    patients = [row.patient for row in session.attendance.all()]
    return render(
        request,
        "family/session_detail.html",
        {
            "session": session,
            "patients": patients,
            "participants": list(session.family_participants.all()),
            "is_education": selectors.is_family_education(session),
            "marks": ParticipantStatus.choices,
        },
    )


@clinic_page(C.FAMILY_MANAGE)
@require_POST
def participant_mark(request: HttpRequest, family_participant_id: int) -> HttpResponse:
    row = selectors.participant_get(clinic=clinic_of(request), participant_id=family_participant_id)
    form = MarkForm(request.POST)
    if form.is_valid():
        row.session.clinic = clinic_of(request)
        services.participant_mark(row, actor=actor_of(request), status=form.cleaned_data["status"])
        messages.success(request, f"{row.family_member.name}: {row.get_status_display()}.")
    else:
        messages.error(request, "Choose present or absent.")
    return redirect(clinic_url(request, "family-session", family_session_id=row.session_id))
