"""The group note page (shared part once, a part per attendee, then sign) and the
curriculum: the clinic's group types and their topics."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from iop.models import Clinic
from iop.roles import Capability
from iop.services import DomainError
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url, form_errors_from
from scheduling import selectors as calendar
from scheduling.models import GroupType, Topic

from . import services
from .forms import GroupTypeForm, TopicForm
from .models import GroupNote

C = Capability


@clinic_page(C.NOTES_WRITE)
@require_http_methods(["GET", "POST"])
def group_note(request: HttpRequest, session_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    session = calendar.session_get(clinic=clinic, session_id=session_id)
    attendees = services.attendees_of(session)
    note = (
        GroupNote.objects.filter(clinic=clinic, session=session).prefetch_related("parts").first()
    )
    errors: list[str] = []
    if request.method == "POST":
        parts = {p.pk: request.POST.get(f"part-{p.pk}", "") for p in attendees}
        try:
            if note is None or not note.is_signed:
                note = services.group_note_save(
                    session=session, actor=actor_of(request), parts=parts,
                    summary=request.POST.get("summary", ""),
                    interventions=request.POST.get("interventions", ""),
                )  # fmt: skip
            if request.POST.get("action") == "sign":
                services.group_note_sign(
                    note,
                    actor=actor_of(request),
                    names_checked=bool(request.POST.get("names_checked")),
                )
                messages.success(request, "Signed. Each attendee's chart now has this note.")
                return redirect(f"{clinic_url(request, 'roster')}?date={session.day:%Y-%m-%d}")
            messages.success(request, "Draft saved.")
            return redirect(clinic_url(request, "group-note", session_id=session.pk))
        except (ValidationError, DomainError) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    texts = {part.patient_id: part.text for part in note.parts.all()} if note else {}
    if request.method == "POST":  # nothing typed is lost when signing is refused
        texts = {p.pk: request.POST.get(f"part-{p.pk}", "") for p in attendees}
    rows = [(p, texts.get(p.pk, "")) for p in attendees]
    mentions = services.name_mentions(note) if note and not note.is_signed else []
    return render(
        request,
        "groups/group_note.html",
        {
            "session": session,
            "note": note,
            "rows": rows,
            "errors": errors,
            "mentions": {m.patient_id: m.mentions for m in mentions},
            "summary": request.POST.get("summary", note.summary if note else ""),
            "interventions": request.POST.get("interventions", note.interventions if note else ""),
        },
    )


@clinic_page(C.STAFF_READ)
@require_GET
def curriculum(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    topics = Topic.objects.filter(clinic=clinic).annotate(
        sessions=Count("session", filter=Q(session__status="held"))
    )
    group_types = GroupType.objects.filter(clinic=clinic).prefetch_related(
        Prefetch("topics", queryset=topics.order_by("-is_active", "order", "name"))
    )
    return render(
        request,
        "groups/curriculum.html",
        {"group_types": group_types.order_by("-is_active", "name")},
    )


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def group_type_form(request: HttpRequest, group_type_id: int | None = None) -> HttpResponse:
    clinic = clinic_of(request)
    group_type = _get(GroupType, clinic, group_type_id)
    initial = model_to_dict(group_type) if group_type else {"is_active": True}
    form = GroupTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if group_type:
                services.curriculum_update(group_type, actor=actor_of(request), **data)
            else:
                data.pop("is_active")
                services.group_type_create(clinic=clinic, actor=actor_of(request), **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Group type “{data['name']}” saved.")
            return redirect(clinic_url(request, "curriculum"))
    return render(
        request,
        "groups/curriculum_form.html",
        {"form": form, "item": group_type, "noun": "group type"},
    )


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def topic_form(request: HttpRequest, topic_id: int | None = None) -> HttpResponse:
    clinic = clinic_of(request)
    topic = _get(Topic, clinic, topic_id)
    initial = model_to_dict(topic) if topic else {
        "is_active": True, "group_type": request.GET.get("group_type")
    }  # fmt: skip
    form = TopicForm(request.POST or None, initial=initial, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if topic:
                data["order"] = topic.order if data["order"] is None else data["order"]
                services.curriculum_update(topic, actor=actor_of(request), **data)
            else:
                data.pop("is_active")
                services.topic_create(clinic=clinic, actor=actor_of(request), **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Topic “{data['name']}” saved.")
            return redirect(clinic_url(request, "curriculum"))
    return render(
        request, "groups/curriculum_form.html", {"form": form, "item": topic, "noun": "topic"}
    )


def _get(model: type[GroupType] | type[Topic], clinic: Clinic, pk: int | None) -> Any:
    if pk is None:
        return None
    item = model.objects.filter(clinic=clinic, pk=pk).first()
    if item is None:
        raise Http404("Not in this clinic's curriculum.")
    return item
