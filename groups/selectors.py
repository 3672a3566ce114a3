"""Reads for group work: what of the curriculum a patient has covered, their group notes."""

from dataclasses import dataclass
from typing import Any

from iop.models import Clinic
from scheduling.models import Attendance

from .models import GroupNotePart


@dataclass
class CurriculumProgress:
    attended: list[str]
    missed: list[str]


def curriculum_for(*, clinic: Clinic, patient_id: int) -> CurriculumProgress:
    """Which curriculum topics the patient has attended, and which they missed (one query).
    A topic missed once and attended later counts as attended."""
    rows = (
        Attendance.objects.filter(
            clinic=clinic, patient_id=patient_id, is_active=True, session__topic__isnull=False
        )
        .exclude(status="expected")
        .values_list("session__topic__name", "status")
    )
    attended: set[str] = set()
    missed: set[str] = set()
    for topic, status in rows:
        (attended if status in ("present", "late", "left_early") else missed).add(topic)
    return CurriculumProgress(attended=sorted(attended), missed=sorted(missed - attended))


def signed_group_notes(*, clinic: Clinic, patient_id: int, limit: int = 20) -> list[Any]:
    """The patient's parts of signed group notes, newest first, with the shared part."""
    return list(
        GroupNotePart.objects.filter(
            clinic=clinic, patient_id=patient_id, note__signed_at__isnull=False
        )
        .select_related("note__session__group_type", "note__session__topic", "note__signed_by")
        .order_by("-note__session__starts_at")[:limit]
    )
