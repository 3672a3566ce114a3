"""The therapy API: notes written, signed, refused once signed (409), corrected by addenda;
the Part 2 flag in the output; plans with their tree; proposals, booking and moves; bad
input answered with field errors."""

import datetime

from django.test import Client

from iop import clock
from iop.roles import Role
from tests import factories
from tests.conftest import Tenant
from tests.therapy.records import individual_session


def api(tenant: Tenant, role: str) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_note_through_the_api_from_draft_to_addendum(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.THERAPIST)
    day = clock.today(clinic_a.clinic) - datetime.timedelta(days=1)
    session = individual_session(
        clinic_a.patient, lead=clinic_a.members[Role.THERAPIST], day=day, hour=19
    )
    created = client.post(
        "/api/v1/progress-notes/",
        {"session": session.pk, "data": "Two cravings.", "assessment": "Engaged."},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    note = created.json()
    assert note["format"] == "dap"
    assert note["part2"] is True
    assert "42 CFR part 2" in note["part2_notice"]
    refused = client.post(f"/api/v1/progress-notes/{note['id']}/sign")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"plan"}
    wrong = client.patch(
        f"/api/v1/progress-notes/{note['id']}/", {"subjective": "SOAP in a DAP clinic"},
        content_type="application/json",
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "subjective" in wrong.json()["error"]["fields"]
    client.patch(
        f"/api/v1/progress-notes/{note['id']}/", {"plan": "Urge log."},
        content_type="application/json",
    )  # fmt: skip
    signed = client.post(f"/api/v1/progress-notes/{note['id']}/sign")
    assert signed.status_code == 200
    assert signed.json()["is_final"] is True
    locked = client.patch(
        f"/api/v1/progress-notes/{note['id']}/", {"plan": "Changed."},
        content_type="application/json",
    )  # fmt: skip
    assert locked.status_code == 409
    added = client.post(
        f"/api/v1/progress-notes/{note['id']}/addenda", {"text": "Correction."},
        content_type="application/json",
    )  # fmt: skip
    assert added.status_code == 201
    assert [a["text"] for a in added.json()["addenda"]] == ["Correction."]
    again = client.get(f"/api/v1/progress-notes/{note['id']}/").json()
    assert again["plan"] == "Urge log."


def test_notes_by_api_for_the_treating_team_only(clinic_a: Tenant) -> None:
    note = clinic_a.records["note_id"]
    for role, status in [
        (Role.AUDITOR, 200), (Role.CASE_MANAGER, 200), (Role.FRONT_DESK, 403), (Role.NURSE, 403),
    ]:  # fmt: skip
        assert api(clinic_a, role).get(f"/api/v1/progress-notes/{note.pk}/").status_code == status
    outsider = factories.member(clinic_a.clinic, Role.THERAPIST)
    _, secret = factories.api_token(outsider)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"/api/v1/progress-notes/{note.pk}/").status_code == 404
    assert client.get("/api/v1/progress-notes/").json()["results"] == []


def test_the_plan_tree_and_its_review_through_the_api(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.THERAPIST)
    plan = clinic_a.records["treatment_plan_id"]
    tree = client.get(f"/api/v1/treatment-plans/{plan.pk}/").json()
    objective = tree["problems"][0]["goals"][0]["objectives"][0]
    assert objective["interventions"][0]["intervention"].startswith("CBT")
    reviewed = client.post(f"/api/v1/treatment-plans/{plan.pk}/review")
    assert reviewed.status_code == 201
    new = reviewed.json()
    assert new["version"] == 2
    assert new["problems"][0]["description"] == tree["problems"][0]["description"]
    old = client.post(
        f"/api/v1/treatment-plans/{plan.pk}/problems", {"description": "Late"},
        content_type="application/json",
    )  # fmt: skip
    assert old.status_code == 409
    bad = client.post(
        f"/api/v1/treatment-plans/{new['id']}/objectives",
        {"goal": tree["problems"][0]["goals"][0]["id"], "description": "x", "target_date": "soon"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"target_date"}


def test_propose_book_and_move_through_the_api(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.FRONT_DESK)
    monday = clock.this_week(clinic_a.clinic) + datetime.timedelta(weeks=2)
    proposed = client.get("/api/v1/individual-sessions/proposals", {"week": f"{monday}"}).json()
    assert [p["patient"] for p in proposed["placed"]] == [clinic_a.patient.pk]
    booked = client.post(
        "/api/v1/individual-sessions/book", {"week": f"{monday}"}, content_type="application/json"
    )
    assert booked.status_code == 201
    session_id = booked.json()["sessions"][0]
    target = datetime.datetime.combine(
        monday + datetime.timedelta(days=4), datetime.time(15), tzinfo=clock.zone(clinic_a.clinic)
    )
    moved = client.post(
        f"/api/v1/individual-sessions/{session_id}/move", {"starts_at": target.isoformat()},
        content_type="application/json",
    )  # fmt: skip
    assert moved.status_code == 200, moved.content
    assert moved.json()["day"] == f"{target.date()}"
    outside = client.post(
        f"/api/v1/individual-sessions/{session_id}/move",
        {"starts_at": target.replace(hour=22).isoformat()}, content_type="application/json",
    )  # fmt: skip
    assert outside.status_code == 400
    assert "starts_at" in outside.json()["error"]["fields"]


def test_a_proposal_gives_each_unplaced_patient_the_nearest_free_times(clinic_a: Tenant) -> None:
    from therapy import scheduler, services

    therapist = clinic_a.members[Role.THERAPIST]
    monday = clock.this_week(clinic_a.clinic) + datetime.timedelta(weeks=2)
    away = clock.at(clinic_a.clinic, monday, datetime.time(0))
    services.availability_block_add(
        clinic=clinic_a.clinic, actor=therapist.user, therapist=therapist, starts_at=away,
        ends_at=away + datetime.timedelta(days=7), reason="Leave",
    )  # fmt: skip
    client = api(clinic_a, Role.FRONT_DESK)
    proposed = client.get("/api/v1/individual-sessions/proposals", {"week": f"{monday}"}).json()
    [unplaced] = proposed["unplaced"]
    assert unplaced["patient"] == clinic_a.patient.pk
    assert unplaced["why"] == scheduler.NO_AVAILABILITY
    assert len(unplaced["slots"]) == 3
    firsts = [datetime.datetime.fromisoformat(s) for s in unplaced["slots"]]
    assert firsts == sorted(firsts)
    assert all(s >= away + datetime.timedelta(days=7) for s in firsts)  # the week after
