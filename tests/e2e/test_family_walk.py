"""Family involvement in a real browser: the chart's Family section, recording a consent
with the §2.31 elements, sharing through the gate, and revoking (asked once, by name)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from family import services
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.conftest import build_tenant
from tests.e2e.test_admin_walk import sign_in
from tests.e2e.test_sign_in_walk import serious_accessibility_issues
from tests.family.records import consent, family_member, family_session

pytestmark = pytest.mark.e2e


def test_chart_family_section_consent_share_and_revoke(
    live_server: object, page: Page, screenshot_dir: Path, transactional_db: None
) -> None:
    alpha = build_tenant("alpha")
    therapist = alpha.members[Role.THERAPIST].user
    with clinic_context(alpha.clinic.pk):
        father = family_member(
            alpha.patient, actor=therapist, first_name="Luis", last_name="Ortega",
            relationship="parent", preferred_language="Spanish", email="luis@example.org",
        )  # fmt: skip
        father.clinic = alpha.clinic
        old = consent(father, actor=therapist, categories=["attendance"])
        services.consent_revoke(old, actor=therapist, reason="Revoked by the patient")
        family_member(alpha.patient, actor=therapist, first_name="Kim", may_contact=False)
        family_session(
            alpha.patient, actor=therapist, lead=alpha.members[Role.THERAPIST],
            members=[alpha.records["family_member_id"], father],
        )  # fmt: skip
    base = str(live_server)
    slug = alpha.clinic.slug
    sign_in(page, base, therapist.email)

    page.goto(f"{base}/c/{slug}/patients/{alpha.patient.pk}/#family")
    section = page.locator("#family")
    expect(section.get_by_role("heading", name="Family", exact=True)).to_be_visible()
    expect(section.get_by_text("Do not contact")).to_be_visible()
    assert serious_accessibility_issues(page) == []
    # The sticky patient header would cover the section in an element screenshot.
    # (Through the CSSOM: the Content-Security-Policy refuses an inline style tag.)
    page.locator(".patient-header").evaluate("header => { header.style.position = 'static'; }")
    section.screenshot(path=screenshot_dir / "70-family-chart-section.png")

    page.get_by_role("link", name="Record consent of Luis Ortega").click()
    expect(page.get_by_role("heading", name="Consent to share with Luis Ortega")).to_be_visible()
    page.get_by_label("Attendance").check()
    page.get_by_label("Treatment progress").check()
    page.get_by_label("Purpose of the disclosure").fill(
        "To support the patient's recovery and take part in family sessions"
    )
    page.get_by_label("Or expires on this event").fill("Discharge from the program")
    page.get_by_label("Patient's signature").fill("Someone Else")
    page.get_by_role("button", name="Record the consent").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator("#id_patient_signature_error")).to_contain_text("patient's full name")
    expect(page.get_by_label("Or expires on this event")).to_have_value(
        "Discharge from the program"
    )
    page.get_by_label("Patient's signature").fill(alpha.patient.legal_name)
    assert serious_accessibility_issues(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / "71-family-consent-form.png", full_page=True)
    page.get_by_role("button", name="Record the consent").click()
    expect(page.get_by_text("Consent recorded for Luis Ortega.")).to_be_visible()

    page.get_by_role("link", name="Share with family").click()
    page.get_by_label("Drug test results").check()
    page.get_by_role("button", name="Record the disclosure").click()
    expect(page.locator("#id_category_error")).to_contain_text("Not shared: The consent signed")
    expect(page.locator("#id_category_error")).to_contain_text("does not cover drug test results")
    page.get_by_label("Attendance").check()
    page.get_by_label("What was shared, in a line").fill("Came to all three groups this week")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / "72-family-share.png", full_page=True)
    page.get_by_role("button", name="Record the disclosure").click()
    expect(page.get_by_text("Disclosure to Luis Ortega recorded.")).to_be_visible()

    page.get_by_role("link", name="Revoke the consent of").first.click()
    expect(
        page.get_by_role("heading", name="Revoke the consent to share with Luis Ortega?")
    ).to_be_visible()
    page.get_by_role("button", name="Revoke the consent to share with Luis Ortega").click()
    expect(page.get_by_text("Consent revoked: nothing more is shared")).to_be_visible()
    page.screenshot(path=screenshot_dir / "73-family-member.png", full_page=True)
