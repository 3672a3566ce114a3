"""Group notes: the shared summary of a group session and each attendee's part.

The group types and curriculum topics a session is planned with are the calendar's vocabulary
and live in `scheduling.models`; this app manages them (curriculum pages, default curriculum)."""

from django.db import models

from iop.models import TenantModel


class GroupNote(TenantModel):
    """The facilitator's note for one group session: a shared part written once, and a short
    individual part per attendee. Signed notes are final (the service refuses changes)."""

    # One per session through `groupnote_one_per_session` (clinic, session): Citus needs
    # clinic_id in every unique constraint, so no OneToOneField.
    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="group_note"
    )
    summary = models.TextField(help_text="What was covered, for everyone who attended.")
    interventions = models.CharField(max_length=300, blank=True)
    signed_by = models.ForeignKey(
        "iop.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "session"], name="groupnote_one_per_session"),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | models.Q(signed_by__isnull=False),
                name="groupnote_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Group note {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class GroupNotePart(TenantModel):
    note = models.ForeignKey(GroupNote, on_delete=models.CASCADE, related_name="parts")
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, help_text="Participation, response, progress.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "note", "patient"], name="groupnotepart_one_per_patient"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "patient"], name="groupnotepart_patient")]

    def __str__(self) -> str:
        return f"Part of {self.note_id}"
