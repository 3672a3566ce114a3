"""What interop adds to the core through its hooks (iop/hooks.py): the features' events go
to the webhook worker after their transaction commits; enrollment changes are events too;
the chart's section of documents printed for the patient."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language_info

from family.models import ConsentRevocation, FamilyConsent
from iop import events, hooks
from iop.languages import document_language
from iop.models import Enrollment, User
from iop.roles import Capability
from iop.selectors import Chart

from . import documents
from .tasks import webhook_fanout


def _send_on(clinic_id: int, event: str, object_type: str, ids: list[int]) -> None:
    # No query here: the request that did the thing pays nothing; the worker finds who listens.
    webhook_fanout.delay_on_commit(
        clinic_id=clinic_id, event=event, object_type=object_type, ids=ids
    )


def _enrollment_changed(enrollment: Enrollment, actor: User | None) -> None:
    events.emit(
        clinic_id=enrollment.clinic_id, event=events.ENROLLMENT_CHANGED,
        object_type="enrollment", ids=[enrollment.pk],
    )  # fmt: skip


hooks.domain_events.register(_send_on)
hooks.enrollment_changed.register(_enrollment_changed, order=90)


def _documents_section(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    """The patient's latest printed documents and, for who records consents, the consents in
    force whose form can be printed (two queries)."""
    patient = chart.patient
    can_consent = request.membership.can(Capability.CONSENTS_MANAGE)  # type: ignore[attr-defined]
    consents = []
    if can_consent:
        consents = list(
            FamilyConsent.objects.filter(clinic=patient.clinic, patient_id=patient.pk)
            .exclude(pk__in=ConsentRevocation.objects.values("consent_id"))
            .select_related("family_member")
            .order_by("-signed_on", "-id")
        )
    return {
        "documents": documents.documents_of(clinic=patient.clinic, patient_id=patient.pk),
        "consents": consents,
        "document_language": get_language_info(document_language(patient))["name"],
    }


hooks.chart_sections.register(
    hooks.ChartSection(
        "documents",
        "Documents for the patient",
        "interop/_chart_section.html",
        Capability.SCHEDULE_MANAGE,
        context=_documents_section,
    ),
    order=95,
)
