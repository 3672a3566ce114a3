"""Group therapy: the clinic's group types and its curriculum of topics."""

from django.db import models

from iop.models import TenantModel


class GroupKind(models.TextChoices):
    PROCESS = "process", "Process group"
    EDUCATION = "education", "Education group"
    SKILLS = "skills", "Skills group"
    FAMILY_EDUCATION = "family_education", "Family education"


class GroupType(TenantModel):
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
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
        ordering = ["group_type", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "group_type", "name"], name="topic_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name
