import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from iop import clock
from iop.models import Clinic, User
from iop.models.audit import AuditAction
from iop.services.core import apply_changes, audit_record, validate_and_save
from iop.services.errors import DomainError
from iop.tenancy import clinic_context
from scheduling.models import Attendance, GroupKind, GroupType, Topic

from .models import GroupNote, GroupNotePart

# A new clinic starts with the usual group types and an education/skills curriculum it can
# edit (DOMAIN.md: topics from the clinic's patient guide).
DEFAULT_CURRICULUM: dict[tuple[str, str], list[str]] = {
    ("Process group", GroupKind.PROCESS): [],
    ("Education", GroupKind.EDUCATION): [
        "Relapse warning signs",
        "Stress and triggers",
        "Repairing trust",
        "Staying motivated",
    ],
    ("Skills", GroupKind.SKILLS): [
        "Emotional regulation",
        "Communication",
        "Mindfulness",
        "Vocational skills",
    ],
    ("Family education", GroupKind.FAMILY_EDUCATION): [
        "Understanding addiction",
        "Boundaries",
        "Spotting stress",
    ],
}


def group_types_create_defaults(*, clinic: Clinic, actor: User | None) -> dict[str, GroupType]:
    created = {}
    with clinic_context(clinic.pk):
        for (name, kind), topics in DEFAULT_CURRICULUM.items():
            group_type, _ = GroupType.objects.get_or_create(
                clinic=clinic, name=name, defaults={"kind": kind}
            )
            for order, topic in enumerate(topics, start=1):
                Topic.objects.get_or_create(
                    clinic=clinic, group_type=group_type, name=topic, defaults={"order": order}
                )
            created[kind] = group_type
        audit_record(
            clinic=clinic,
            actor=actor,
            action=AuditAction.CREATE,
            obj=None,
            changed_fields=["group_types", "topics"],
        )
    return created


GROUP_TYPE_TAKEN = ("name", "Another group type already has this name.")
TOPIC_TAKEN = ("name", "This group type already has a topic with this name.")


def group_type_create(*, clinic: Clinic, actor: User, name: str, kind: str) -> GroupType:
    with clinic_context(clinic.pk):
        group_type = GroupType(clinic=clinic, name=name, kind=kind)
        validate_and_save(group_type, unique=GROUP_TYPE_TAKEN)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=group_type)
    return group_type


def topic_create(
    *, clinic: Clinic, actor: User, group_type: GroupType, name: str, order: int | None = None
) -> Topic:
    """A curriculum topic; without an order it goes last in its group type."""
    with clinic_context(clinic.pk):
        if order is None:
            order = 1 + max(group_type.topics.values_list("order", flat=True), default=0)
        topic = Topic(clinic=clinic, group_type=group_type, name=name, order=order)
        validate_and_save(topic, unique=TOPIC_TAKEN, within=("group_type",))
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=topic)
    return topic


def curriculum_update(item: GroupType | Topic, *, actor: User, **fields: Any) -> None:
    """Rename, reorder or retire a group type or topic. Retired ones stay on the sessions
    and charts that used them; they are no longer offered for new sessions."""
    with clinic_context(item.clinic_id):
        changed = apply_changes(item, fields)
        if changed:
            if isinstance(item, Topic):
                validate_and_save(item, unique=TOPIC_TAKEN, within=("group_type",))
            else:
                validate_and_save(item, unique=GROUP_TYPE_TAKEN)
            audit_record(
                clinic=item.clinic, actor=actor, action=AuditAction.CHANGE, obj=item,
                changed_fields=changed,
            )  # fmt: skip


ATTENDED = ("present", "late", "left_early")


@dataclass
class NameMention:
    patient_id: int
    mentions: str  # the other attendee's name found in this part


def attendees_of(session: Any) -> list[Any]:
    rows = Attendance.objects.filter(
        clinic_id=session.clinic_id, session=session, is_active=True, status__in=ATTENDED
    )
    return [
        row.patient for row in rows.select_related("patient").order_by("patient__legal_last_name")
    ]


def group_note_save(
    *, session: Any, actor: User, summary: str, interventions: str = "", parts: dict[int, str]
) -> GroupNote:
    """Save the draft: the shared part and one part per attendee who came."""
    with clinic_context(session.clinic_id):
        note = GroupNote.objects.filter(clinic_id=session.clinic_id, session=session).first()
        if note is not None and note.is_signed:
            raise DomainError("This note is signed and final; it cannot be changed.")
        if note is None:
            note = GroupNote(clinic_id=session.clinic_id, session=session)
        note.summary, note.interventions = summary.strip(), interventions.strip()
        validate_and_save(note)
        attendees = {p.pk for p in attendees_of(session)}
        for patient_id, text in parts.items():
            if patient_id not in attendees:
                raise ValidationError({"parts": "A part can only be written for someone who came."})
            GroupNotePart.objects.update_or_create(
                clinic_id=session.clinic_id, note=note, patient_id=patient_id,
                defaults={"text": text.strip()},
            )  # fmt: skip
        audit_record(
            clinic=session.clinic, actor=actor, action=AuditAction.CHANGE, obj=note,
            changed_fields=["summary", "interventions", "parts"],
        )  # fmt: skip
    return note


def _names(name: str, text: str) -> bool:
    """Whole words only: "Pat" is not found in "participated"."""
    return re.search(rf"\b{re.escape(name.lower())}\b", text) is not None


def name_mentions(note: GroupNote) -> list[NameMention]:
    """Parts that name another attendee (a privacy slip: each part goes into one chart)."""
    attendees = attendees_of(note.session)
    found = []
    for part in note.parts.all():
        text = part.text.lower()
        for other in attendees:
            if other.pk == part.patient_id:
                continue
            names = {other.legal_first_name, other.legal_last_name, other.preferred_name}
            hit = next((n for n in names if n and len(n) > 2 and _names(n, text)), None)
            if hit:
                found.append(NameMention(patient_id=part.patient_id, mentions=hit))
    return found


def group_note_sign(note: GroupNote, *, actor: User, names_checked: bool = False) -> GroupNote:
    """Sign: every attendee has their own, non-empty part; no part copies another. A part
    naming another attendee must be confirmed (`names_checked`) or corrected first."""
    with clinic_context(note.clinic_id):
        if note.is_signed:
            raise DomainError("This note is already signed.")
        if not note.summary:
            raise ValidationError({"summary": "Write the shared part first."})
        parts = {part.patient_id: part.text for part in note.parts.all()}
        attendees = attendees_of(note.session)
        empty = [p.display_name for p in attendees if not parts.get(p.pk, "").strip()]
        if empty:
            raise ValidationError({"parts": f"Write the part for: {', '.join(empty)}."})
        texts = [" ".join(parts[p.pk].lower().split()) for p in attendees]
        if len(set(texts)) < len(texts):
            raise ValidationError(
                {"parts": "Two parts are identical; each attendee's part must be their own."}
            )
        if name_mentions(note) and not names_checked:
            message = "A part names another attendee. Remove the name, or confirm it is needed."
            raise ValidationError({"parts": message})
        note.signed_by, note.signed_at = actor, clock.now()
        note.save(update_fields=["signed_by", "signed_at"])
        audit_record(
            clinic=note.session.clinic, actor=actor, action=AuditAction.CHANGE, obj=note,
            changed_fields=["signed_at", "signed_by"],
        )  # fmt: skip
    return note
