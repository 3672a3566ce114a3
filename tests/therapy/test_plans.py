"""Treatment plans: the tree, review makes a new version and the old one stays as it was."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction

from iop import clock
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from tests.conftest import Tenant
from therapy import selectors, services
from therapy.models import Objective, PlannedIntervention, Problem, TreatmentPlan


def tree_text(plan: TreatmentPlan) -> list[str]:
    with clinic_context(plan.clinic_id):
        return [
            f"{p.description}/{g.description}/{o.description}/{i.intervention.name}"
            for p in selectors.plan_tree(plan)
            for g in p.goals.all()
            for o in g.objectives.all()
            for i in o.planned_interventions.all()
        ]


def test_review_copies_the_tree_and_keeps_the_old_version(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST].user
    plan = clinic_a.records["treatment_plan_id"]
    services.treatment_plan_acknowledge(plan, actor=therapist, name="  Pat   Doe ")
    assert plan.acknowledged_name == "Pat Doe"
    before = tree_text(plan)
    assert before == [
        (
            "Drinking daily to cope with stress/Stay sober/"
            "One coping skill per craving, 5 of 7 days/CBT (cognitive behavioral therapy)"
        )
    ]
    new = services.treatment_plan_review(plan, actor=therapist)
    assert new.version == plan.version + 1
    assert tree_text(new) == before
    assert new.acknowledged_at is None  # the patient takes part in each version
    today = clock.today(clinic_a.clinic)
    assert new.review_due == today + datetime.timedelta(days=30)
    with clinic_context(plan.clinic_id):
        old = TreatmentPlan.objects.get(pk=plan.pk)
    assert old.superseded_at is not None
    assert tree_text(old) == before  # still readable
    with pytest.raises(DomainError):
        services.plan_problem_add(old, actor=therapist, description="Late change")
    with pytest.raises(DomainError):
        services.treatment_plan_review(old, actor=therapist)


def test_the_database_keeps_a_superseded_version_as_it_was(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST].user
    plan = clinic_a.records["treatment_plan_id"]
    services.treatment_plan_review(plan, actor=therapist)
    attempts = [
        lambda: TreatmentPlan.objects.filter(pk=plan.pk).update(
            review_due=datetime.date(2026, 1, 1)
        ),
        lambda: TreatmentPlan.objects.filter(pk=plan.pk).update(superseded_at=None),
        lambda: Problem.objects.filter(plan=plan).update(description="Rewritten"),
        lambda: PlannedIntervention.objects.filter(plan=plan).delete(),
        lambda: Objective.objects.filter(plan=plan).update(status="met"),
        lambda: PlannedIntervention.objects.filter(plan=plan).update(frequency="never"),
        lambda: Problem.objects.create(clinic_id=plan.clinic_id, plan=plan, description="New"),
    ]
    for attempt in attempts:
        with (
            clinic_context(plan.clinic_id),
            pytest.raises(ProgrammingError, match="signed"),
            transaction.atomic(),
        ):
            attempt()


def test_parts_must_belong_to_the_version(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST].user
    plan = clinic_a.records["treatment_plan_id"]
    new = services.treatment_plan_review(plan, actor=therapist)
    with clinic_context(plan.clinic_id):
        old_problem = Problem.objects.get(plan=plan)
    with pytest.raises(ValidationError) as refused:
        services.plan_goal_add(new, actor=therapist, problem=old_problem, description="x")
    assert "problem" in refused.value.message_dict


def test_one_current_plan_per_enrollment_and_review_reminders(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST].user
    plan = clinic_a.records["treatment_plan_id"]
    with pytest.raises(ValidationError):
        services.treatment_plan_create(enrollment=plan.enrollment, actor=therapist)
    today = clock.today(plan.clinic)
    assert selectors.review_state(plan, today) == ""
    assert selectors.review_state(plan, plan.review_due - datetime.timedelta(days=3)) == "due soon"
    assert selectors.review_state(plan, plan.review_due + datetime.timedelta(days=1)) == "overdue"
