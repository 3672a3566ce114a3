from iop.models import Clinic, User
from iop.models.audit import AuditAction
from iop.services.core import audit_record
from iop.tenancy import clinic_context

from .models import GroupKind, GroupType, Topic

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
