"""Treatment plans: the tree, review makes a new version and the old one stays as it was."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction
from django.test import Client

from iop import clock
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from tests import factories
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
    therapist = clinic_a.members[Role.THERAPIST]
    plan = clinic_a.records["treatment_plan_id"]
    with pytest.raises(ValidationError):
        services.treatment_plan_create(enrollment=plan.enrollment, author=therapist)
    today = clock.today(plan.clinic)
    assert selectors.review_state(plan, today) == ""
    assert selectors.review_state(plan, plan.review_due - datetime.timedelta(days=3)) == "due soon"
    assert selectors.review_state(plan, plan.review_due + datetime.timedelta(days=1)) == "overdue"


def test_only_the_patients_treating_team_starts_a_plan(clinic_a: Tenant) -> None:
    """A therapist outside the patient's team is refused by the service itself (Part 2);
    the page answers as for a missing patient, the API names the field."""
    outsider = factories.member(clinic_a.clinic, Role.THERAPIST)
    enrollment = clinic_a.records["enrollment_id"]
    with clinic_context(clinic_a.clinic.pk):
        plans_before = TreatmentPlan.objects.filter(clinic=clinic_a.clinic).count()
    with pytest.raises(services.NotTreatingError):
        services.treatment_plan_create(enrollment=enrollment, author=outsider)
    with pytest.raises(services.NotTreatingError):
        services.treatment_plan_start(patient=clinic_a.patient, author=outsider)
    with clinic_context(clinic_a.clinic.pk):
        assert TreatmentPlan.objects.filter(clinic=clinic_a.clinic).count() == plans_before

    client = Client()
    client.force_login(outsider.user)
    patient_url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}"
    page = client.post(f"{patient_url}/treatment-plan/new/")
    assert page.status_code == 404
    _, secret = factories.api_token(outsider)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    refused = api.post(
        "/api/v1/treatment-plans/", {"enrollment": enrollment.pk}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"enrollment": ["Not a patient you treat."]}

    # Supervising the patient's therapist puts the outsider on the team: the refusal is now
    # the ordinary one (the enrollment has its plan already).
    services.therapist_profile_set(
        membership=clinic_a.members[Role.THERAPIST], actor=clinic_a.admin.user,
        needs_cosign=False, supervisor=outsider,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.treatment_plan_create(enrollment=enrollment, author=outsider)
