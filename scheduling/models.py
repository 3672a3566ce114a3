"""The one calendar (DESIGN.md §5): tracks and their weekly templates, rooms, closures, and
every meeting as a `Session` with `Attendance` per patient.

Double-booking is refused by PostgreSQL exclusion constraints over time ranges. The bundled
PostgreSQL has no btree_gist, so equality on an id is written as overlap of the one-point
range `int8range(id, id, '[]')`, which GiST indexes natively.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from iop import clock
from iop.models import TenantModel, Track
from iop.models.tracks import WEEKDAYS


class IdPoint(Func):
    """`int8range(id, id, '[]')`: an id as a range, so exclusion constraints can compare ids
    without the btree_gist extension."""

    function = "int8range"
    output_field = models.Field()

    def __init__(self, column: str) -> None:
        super().__init__(F(column), F(column), Value("[]"))


class During(Func):
    function = "tstzrange"
    output_field = models.Field()

    def __init__(self, start: str = "starts_at", end: str = "ends_at") -> None:
        super().__init__(F(start), F(end), Value("[)"))


def no_overlap(name: str, column: str, condition: Q) -> ExclusionConstraint:
    return ExclusionConstraint(
        name=name,
        expressions=[
            (IdPoint("clinic_id"), RangeOperators.OVERLAPS),
            (IdPoint(column), RangeOperators.OVERLAPS),
            (During(), RangeOperators.OVERLAPS),
        ],
        condition=condition,
    )


class Room(TenantModel):
    site = models.ForeignKey("iop.Site", null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=80)
    capacity = models.PositiveSmallIntegerField(default=14)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return self.name


class Closure(TenantModel):
    """A day the clinic is closed (a holiday): no sessions are generated on it."""

    date = models.DateField()
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="closure_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SessionKind(models.TextChoices):
    GROUP = "group", _("Group")
    WORKSHOP = "workshop", _("Workshop")
    INDIVIDUAL = "individual", _("Individual session")
    FAMILY = "family", _("Family session")
    CHECK_IN = "check_in", _("Check-in")
    ASSESSMENT = "assessment", _("Assessment")


class GroupKind(models.TextChoices):
    PROCESS = "process", _("Process group")
    EDUCATION = "education", _("Education group")
    SKILLS = "skills", _("Skills group")
    FAMILY_EDUCATION = "family_education", _("Family education")


class GroupType(TenantModel):
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "groups_grouptype"  # made by the groups app; only the model moved here
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="grouptype_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Topic(TenantModel):
    """A curriculum topic (relapse warning signs, emotional regulation, …) of a group type."""

    group_type = models.ForeignKey(GroupType, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "groups_topic"
        ordering = ["group_type", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "group_type", "name"], name="topic_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BlockKind(models.TextChoices):
    GROUP = "group", "Group"
    WORKSHOP = "workshop", "Workshop"
    INDIVIDUAL_SLOT = "individual_slot", "Individual slot"
    CHECK_IN = "check_in", "Check-in"
    BREAK = "break", "Break"


class TrackBlock(TenantModel):
    """One line of a track's weekly template: what happens on a weekday, when, where."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="blocks")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    kind = models.CharField(max_length=20, choices=BlockKind.choices, default=BlockKind.GROUP)
    group_type = models.ForeignKey(GroupType, null=True, blank=True, on_delete=models.SET_NULL)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    lead = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="block_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M} {self.get_kind_display()}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Session(TenantModel):
    """Every meeting on the calendar: groups, workshops, individual, family, check-ins."""

    kind = models.CharField(max_length=20, choices=SessionKind.choices)
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    block = models.ForeignKey(
        TrackBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    day = models.DateField(help_text="The clinic-local date (what generation keys on).")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    lead = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    co_lead = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_type = models.ForeignKey(GroupType, null=True, blank=True, on_delete=models.SET_NULL)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["clinic", "day"], name="session_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            # Generation is idempotent: one session per template block per day.
            models.UniqueConstraint(
                fields=["clinic", "block", "day"], name="session_one_per_block_day"
            ),
            no_overlap(
                "session_room_free", "room_id", ~Q(status="cancelled") & Q(room__isnull=False)
            ),
            no_overlap(
                "session_lead_free", "lead_id", ~Q(status="cancelled") & Q(lead__isnull=False)
            ),
            no_overlap(
                "session_co_lead_free",
                "co_lead_id",
                ~Q(status="cancelled") & Q(co_lead__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", "Expected"
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"


class Attendance(TenantModel):
    """A patient on a session's list. The session's times are copied onto the row so the
    database itself can refuse a patient in two places at once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="attendance")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(
        default=True, help_text="False once the session is cancelled or the patient removed."
    )
    status = models.CharField(
        max_length=12, choices=AttendanceStatus.choices, default=AttendanceStatus.EXPECTED
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    minutes_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    makeup_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="makeups"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "patient", "starts_at"], name="attendance_patient")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "session", "patient"], name="attendance_once_per_session"
            ),
            no_overlap("attendance_patient_free", "patient_id", Q(is_active=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.session_id})"


class CalendarFeed(TenantModel):
    """A secret-address iCalendar feed of one staff member's or one patient's sessions, for
    ordinary calendar apps. Only the token's hash is stored; revoking stops it at once.
    Events carry no patient names: the feed leaves the clinic's systems."""

    membership = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "iop.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "token_hash"], name="feed_unique_token"),
            models.CheckConstraint(
                condition=Q(membership__isnull=True, patient__isnull=False)
                | Q(membership__isnull=False, patient__isnull=True),
                name="feed_for_one_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed {self.pk}"


class MissedStatus(models.TextChoices):
    OPEN = "open", "Needs a decision"
    MADE_UP = "made_up", "Made up"
    WAIVED = "waived", "Waived"
    WITHDRAWN = "withdrawn", "Withdrawn (attendance corrected)"


class MissedSession(TenantModel):
    """A session a patient missed (absent or excused), found by the sweep or the moment
    it is marked: one per attendance row, whoever finds it first. The case manager
    decides: a make-up (a new attendance linked back to the miss), or a waiver."""

    # One per attendance and one per make-up attendance, unique per clinic (Citus needs
    # clinic_id in every unique constraint, so no OneToOneField between tenant rows).
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="missed")
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    excused = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=MissedStatus.choices, default=MissedStatus.OPEN
    )
    detected_at = models.DateTimeField(default=clock.now)
    none_found = models.CharField(
        max_length=300, blank=True, help_text="Why no make-up could be proposed."
    )
    makeup = models.ForeignKey(
        Attendance, null=True, blank=True, on_delete=models.SET_NULL, related_name="makes_up"
    )
    resolved_by = models.ForeignKey(
        "iop.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        indexes = [
            models.Index(fields=["clinic", "status"], name="missed_status"),
            models.Index(fields=["clinic", "patient", "detected_at"], name="missed_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(waive_reason=""), name="missed_waived_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="made_up") | Q(makeup__isnull=False),
                name="missed_made_up_has_attendance",
            ),
            models.UniqueConstraint(
                fields=["clinic", "attendance"], name="missed_one_per_attendance"
            ),
            models.UniqueConstraint(fields=["clinic", "makeup"], name="missed_one_per_makeup"),
        ]

    def __str__(self) -> str:
        return f"Missed session {self.pk}"


class MakeupProposal(TenantModel):
    """One concrete slot proposed for a miss, ranked: same topic first, then sooner, then the
    patient's own track. A group miss points at an existing session; an individual miss at
    a free hour of the therapist's (`session` empty, `lead` and times set)."""

    missed = models.ForeignKey(MissedSession, on_delete=models.CASCADE, related_name="proposals")
    rank = models.PositiveSmallIntegerField()
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    same_topic = models.BooleanField(default=False)
    own_track = models.BooleanField(default=False)

    class Meta:
        ordering = ["missed", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "missed", "rank"], name="proposal_rank"),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(lead__isnull=False),
                name="proposal_session_or_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.rank} for {self.missed_id}"


class AttendanceTodo(TenantModel):
    """A past session whose list still has patients nobody marked: a to-do for the front
    desk (the system never guesses whether they came). Closed when the list is complete."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="todo")
    unmarked = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "session"], name="todo_one_per_session"),
        ]

    def __str__(self) -> str:
        return f"Unmarked attendance on {self.session_id}"


class SessionReminder(TenantModel):
    """A reminder sent to a patient for one session on their list: sent once per channel
    (the unique constraint makes the beat job idempotent)."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=5)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "attendance", "channel"], name="reminder_once_per_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.channel} for {self.attendance_id}"
