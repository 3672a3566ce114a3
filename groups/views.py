"""The group note page: shared part once, a part per attendee, then sign."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from iop.roles import Capability
from iop.services import DomainError
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url
from scheduling import selectors as calendar

from . import services
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
