"""Our records as FHIR R4 resources (JSON dicts), with US Core profiles where one applies and
the DS4P security labels 42 CFR Part 2 records carry.

Builders take loaded rows and return plain dicts; they run no query. Ids are our primary
keys, prefixed where one FHIR type is built from more than one table (a CarePlan is a
treatment plan `tp…` or an aftercare plan `ac…`; the Observations of a measure are its panel
`m…`, its total `m…-total` and its items `m…-<n>`).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aftercare.models import AftercarePlan, PlanStatus
from iop import part2
from iop.models import Coverage, Diagnosis, Enrollment, Medication, Patient
from iop.models.care import DiagnosisCategory, EnrollmentStatus, LevelOfCare
from iop.models.clinics import Clinic
from progress import instruments
from progress.models import Measure
from scheduling.models import Attendance, SessionKind
from therapy.models import TreatmentPlan

from .models import DataCategory, RecipientConsent

FHIR_VERSION = "4.0.1"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
PART2_POLICY = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"
# Our own extensions: the §2.32 notice and the consent's scope on what is disclosed outside.
NOTICE_EXTENSION = "https://iop.example.org/fhir/StructureDefinition/part2-redisclosure-notice"
SCOPE_EXTENSION = "https://iop.example.org/fhir/StructureDefinition/part2-consent-scope"

# DS4P: "substance abuse information sensitivity" and the 42 CFR Part 2 policy.
PART2_LABELS = [
    {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
    {"system": ACT_CODE, "code": "ETH", "display": "substance abuse information sensitivity"},
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
]

# Which kind of information (what a consent names) each resource type is.
CATEGORY_OF_TYPE: dict[str, str] = {
    "Patient": DataCategory.DEMOGRAPHICS,
    "EpisodeOfCare": DataCategory.ENROLLMENTS,
    "Encounter": DataCategory.ENCOUNTERS,
    "Condition": DataCategory.DIAGNOSES,
    "MedicationStatement": DataCategory.MEDICATIONS,
    "Observation": DataCategory.MEASURES,
    "QuestionnaireResponse": DataCategory.MEASURES,
    "CarePlan": DataCategory.CARE_PLANS,
    "Coverage": DataCategory.COVERAGE,
    "Consent": DataCategory.CONSENTS,
}
RESOURCE_TYPES = tuple(CATEGORY_OF_TYPE)


@dataclass(frozen=True)
class Loinc:
    """An instrument's LOINC panel, total score and items (in the instrument's order)."""

    panel: tuple[str, str]
    total: tuple[str, str]
    items: tuple[str, ...]


# Panels and totals: DOMAIN.md. Items: LOINC's own panels 44249-1, 69737-5 and 72109-2.
LOINC_CODES: dict[str, Loinc] = {
    instruments.Instrument.PHQ9: Loinc(
        panel=("44249-1", "PHQ-9 quick depression assessment panel"),
        total=("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
        items=(
            *("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2"),
            *("44252-5", "44253-3", "44260-8"),
        ),
    ),
    instruments.Instrument.GAD7: Loinc(
        panel=("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        total=("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
        items=("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    ),
    instruments.Instrument.AUDIT_C: Loinc(
        panel=("72109-2", "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]"),
        total=("75626-2", "Total score [AUDIT-C]"),
        items=("68518-0", "68519-8", "68520-6"),
    ),
}
SPECS = {spec.code: spec for spec in (instruments.PHQ9, instruments.GAD7, instruments.AUDIT_C)}


@dataclass(frozen=True)
class Labels:
    """How the resources of one patient go out: Part 2 labels, and for a disclosure outside
    the clinic the §2.32 notice and the consent's scope."""

    part2: bool
    consent: RecipientConsent | None = None

    def meta(self, profile: str = "") -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if profile:
            meta["profile"] = [US_CORE + profile]
        if self.part2:
            meta["security"] = PART2_LABELS
            if self.consent is not None:
                meta["extension"] = [
                    {"url": NOTICE_EXTENSION, "valueString": part2.PART2_NOTICE},
                    {"url": SCOPE_EXTENSION, "valueString": consent_scope(self.consent).text},
                ]
        return meta


def consent_scope(consent: RecipientConsent) -> part2.ConsentScope:
    return part2.ConsentScope(
        recipient=consent.recipient.name,
        what=tuple(consent.category_labels),
        purpose=consent.purpose,
        expires=f"{consent.expires_on:%Y-%m-%d}",
        signed_on=consent.signed_on,
    )


def is_part2(diagnoses: Iterable[Diagnosis]) -> bool:
    """A patient treated for substance use: their records are Part 2 records."""
    return any(d.category == DiagnosisCategory.SUBSTANCE_USE for d in diagnoses)


def _ref(resource_type: str, resource_id: object) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _instant(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR has no empty values: drop None, "" and empty lists and objects."""
    cleaned = {}
    for key, given in resource.items():
        value = given
        if isinstance(given, dict):
            value = _clean(given)
        elif isinstance(given, list):
            value = [_clean(v) if isinstance(v, dict) else v for v in given]
            value = [v for v in value if v not in (None, "", {}, [])]
        if value not in (None, "", {}, []):
            cleaned[key] = value
    return cleaned


def patient(row: Patient, clinic: Clinic, labels: Labels) -> dict[str, Any]:
    names = [{"use": "official", "family": row.legal_last_name, "given": [row.legal_first_name]}]
    if row.preferred_name:
        names.append({"use": "usual", "family": row.legal_last_name, "given": [row.preferred_name]})
    telecom = []
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone})
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    resource = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "meta": labels.meta("us-core-patient"),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "code": "MR",
                            "display": "Medical record number",
                        }
                    ]
                },
                "system": f"urn:iop:clinic:{clinic.slug}:mrn",
                "value": row.record_number,
            }
        ],
        "name": names,
        "telecom": telecom,
        "birthDate": _date(row.date_of_birth),
        "address": [{"text": row.address}] if row.address else [],
        "communication": [{"language": {"text": row.language}}] if row.language else [],
        "contact": [
            {
                "relationship": [{"text": row.emergency_contact_relationship or "Emergency"}],
                "name": {"text": row.emergency_contact_name},
                "telecom": (
                    [{"system": "phone", "value": row.emergency_contact_phone}]
                    if row.emergency_contact_phone
                    else []
                ),
            }
        ]
        if row.emergency_contact_name
        else [],
    }
    return _clean(resource)


EPISODE_STATUS: dict[str, str] = {
    EnrollmentStatus.ACTIVE: "active",
    EnrollmentStatus.ON_HOLD: "onhold",
    EnrollmentStatus.STEPPED_DOWN: "finished",
    EnrollmentStatus.COMPLETED: "finished",
    EnrollmentStatus.DISCHARGED: "finished",
}
ASAM_LEVEL: dict[str, str] = {LevelOfCare.IOP: "2.1", LevelOfCare.PHP: "2.5", LevelOfCare.OP: "1"}


def episode_of_care(row: Enrollment, labels: Labels) -> dict[str, Any]:
    return _clean(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(row.pk),
            "meta": labels.meta(),
            "status": EPISODE_STATUS.get(row.status, "active"),
            "type": [
                {
                    "coding": [
                        {
                            "system": "urn:iop:asam-level-of-care",
                            "code": ASAM_LEVEL.get(row.level_of_care, row.level_of_care),
                            "display": row.get_level_of_care_display(),
                        }
                    ],
                    "text": row.get_level_of_care_display(),
                }
            ],
            "patient": _ref("Patient", row.patient_id),
            "period": {"start": _date(row.admission_date), "end": _date(row.ended_on)},
        }
    )


def encounter(row: Attendance, labels: Labels) -> dict[str, Any]:
    """An attended session: a group, workshop, check-in, family or individual session."""
    session = row.session
    minutes = row.minutes_attended
    return _clean(
        {
            "resourceType": "Encounter",
            "id": str(row.pk),
            "meta": labels.meta("us-core-encounter"),
            "status": "finished",
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [
                {
                    "coding": [
                        {
                            "system": "urn:iop:session-kind",
                            "code": session.kind,
                            "display": str(SessionKind(session.kind).label),
                        }
                    ],
                    "text": str(SessionKind(session.kind).label),
                }
            ],
            "subject": _ref("Patient", row.patient_id),
            "period": {
                "start": _instant(row.arrived_at or row.starts_at),
                "end": _instant(row.left_at or row.ends_at),
            },
            "length": (
                {
                    "value": minutes,
                    "unit": "min",
                    "system": "http://unitsofmeasure.org",
                    "code": "min",
                }
                if minutes is not None
                else None
            ),
        }
    )


def condition(row: Diagnosis, labels: Labels) -> dict[str, Any]:
    return _clean(
        {
            "resourceType": "Condition",
            "id": str(row.pk),
            "meta": labels.meta("us-core-condition-problems-health-concerns"),
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active" if row.is_active else "inactive",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "problem-list-item",
                            "display": "Problem List Item",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [{"system": ICD10CM, "code": row.icd10_code, "display": row.description}],
                "text": row.description,
            },
            "subject": _ref("Patient", row.patient_id),
            "onsetDateTime": _date(row.diagnosed_on),
        }
    )


def medication_statement(row: Medication, labels: Labels, today: datetime.date) -> dict[str, Any]:
    dosage = " ".join(part for part in (row.dose, row.frequency) if part)
    stopped = row.stopped_on is not None and row.stopped_on <= today
    return _clean(
        {
            "resourceType": "MedicationStatement",
            "id": str(row.pk),
            "meta": labels.meta(),
            "status": "completed" if stopped else "active",
            "medicationCodeableConcept": {"text": row.name},
            "subject": _ref("Patient", row.patient_id),
            "effectivePeriod": {"start": _date(row.started_on), "end": _date(row.stopped_on)},
            "informationSource": {"display": row.prescriber} if row.prescriber else None,
            "dosage": [{"text": dosage}] if dosage else [],
        }
    )


def _survey_category() -> list[dict[str, Any]]:
    return [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "survey",
                    "display": "Survey",
                }
            ]
        }
    ]


def observations(row: Measure, labels: Labels) -> list[dict[str, Any]]:
    """US Core's screening-and-assessment Observations for one PHQ-9, GAD-7 or AUDIT-C: the
    panel, which groups the total score and each item's answer (`hasMember`)."""
    codes = LOINC_CODES[row.instrument]
    spec = SPECS[row.instrument]
    base = f"m{row.pk}"
    common = {
        "resourceType": "Observation",
        "meta": labels.meta("us-core-observation-screening-assessment"),
        "status": "final",
        "category": _survey_category(),
        "subject": _ref("Patient", row.patient_id),
        "effectiveDateTime": _date(row.administered_on),
        "derivedFrom": [_ref("QuestionnaireResponse", base)],
    }
    items = []
    for index, (code, item) in enumerate(zip(codes.items, spec.items, strict=True)):
        answer = row.answers[index] if index < len(row.answers) else None
        if answer is None:
            continue
        items.append(
            _clean(
                {
                    **common,
                    "id": f"{base}-{item.number}",
                    "code": {"coding": [{"system": LOINC, "code": code}], "text": item.text},
                    "valueInteger": answer,
                }
            )
        )
    total = _clean(
        {
            **common,
            "id": f"{base}-total",
            "code": {
                "coding": [{"system": LOINC, "code": codes.total[0], "display": codes.total[1]}],
                "text": f"{spec.name} total score",
            },
            "valueInteger": row.total,
            "interpretation": [{"text": row.band}] if row.band else [],
        }
    )
    panel = _clean(
        {
            **common,
            "id": base,
            "code": {
                "coding": [{"system": LOINC, "code": codes.panel[0], "display": codes.panel[1]}],
                "text": spec.name,
            },
            "hasMember": [_ref("Observation", total["id"])]
            + [_ref("Observation", item["id"]) for item in items],
        }
    )
    return [panel, total, *items]


def questionnaire_response(row: Measure, labels: Labels) -> dict[str, Any]:
    codes = LOINC_CODES[row.instrument]
    spec = SPECS[row.instrument]
    answered = zip(codes.items, spec.items, row.answers, strict=False)
    return _clean(
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"m{row.pk}",
            "meta": labels.meta("us-core-questionnaireresponse"),
            "questionnaire": f"http://loinc.org/q/{codes.panel[0]}",
            "status": "completed",
            "subject": _ref("Patient", row.patient_id),
            "authored": _date(row.administered_on),
            "item": [
                {
                    "linkId": code,
                    "text": item.text,
                    "answer": [{"valueInteger": answer}],
                }
                for code, item, answer in answered
            ]
            + [
                {
                    "linkId": codes.total[0],
                    "text": codes.total[1],
                    "answer": [{"valueInteger": row.total}],
                }
            ],
        }
    )


def treatment_care_plan(row: TreatmentPlan, labels: Labels) -> dict[str, Any]:
    return _clean(
        {
            "resourceType": "CarePlan",
            "id": f"tp{row.pk}",
            "meta": labels.meta("us-core-careplan"),
            "text": {
                "status": "generated",
                "div": (
                    '<div xmlns="http://www.w3.org/1999/xhtml">Individualized treatment plan, '
                    f"version {row.version}.</div>"
                ),
            },
            "status": "completed" if row.superseded_at else "active",
            "intent": "plan",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                            "code": "assess-plan",
                        }
                    ]
                }
            ],
            "title": f"Treatment plan, version {row.version}",
            "subject": _ref("Patient", row.patient_id),
            "period": {"start": _instant(row.created_at), "end": _instant(row.superseded_at)},
            "created": _instant(row.created_at),
            "supportingInfo": [_ref("EpisodeOfCare", row.enrollment_id)],
        }
    )


def aftercare_care_plan(row: AftercarePlan, labels: Labels) -> dict[str, Any]:
    status = "active" if row.status == PlanStatus.SIGNED else "draft"
    summary = "Aftercare plan"
    if row.step_down_level:
        summary += f": step down to {row.get_step_down_level_display()}"
    return _clean(
        {
            "resourceType": "CarePlan",
            "id": f"ac{row.pk}",
            "meta": labels.meta("us-core-careplan"),
            "text": {
                "status": "generated",
                "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{summary}.</div>',
            },
            "status": status,
            "intent": "plan",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                            "code": "assess-plan",
                        }
                    ]
                }
            ],
            "title": f"Aftercare plan, version {row.version}",
            "description": summary,
            "subject": _ref("Patient", row.patient_id),
            "period": {"start": _date(row.step_down_starts_on)},
            "created": _instant(row.signed_at) if row.status == PlanStatus.SIGNED else None,
            "supportingInfo": [_ref("EpisodeOfCare", row.enrollment_id)],
        }
    )


def consent(row: RecipientConsent, labels: Labels, today: datetime.date) -> dict[str, Any]:
    in_force = row.revoked_at is None and row.expires_on >= today
    return _clean(
        {
            "resourceType": "Consent",
            "id": str(row.pk),
            "meta": labels.meta(),
            "status": "active" if in_force else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [
                {"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}
            ],
            "patient": _ref("Patient", row.patient_id),
            "dateTime": _date(row.signed_on),
            "policy": [{"uri": PART2_POLICY}],
            "provision": {
                "type": "permit",
                "period": {"start": _date(row.signed_on), "end": _date(row.expires_on)},
                "actor": [
                    {
                        "role": {
                            "coding": [
                                {
                                    "system": (
                                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
                                    ),
                                    "code": "IRCP",
                                    "display": "information recipient",
                                }
                            ]
                        },
                        "reference": {"display": row.recipient.name},
                    }
                ],
                "purpose": [{"system": ACT_CODE, "code": "TREAT", "display": row.purpose[:200]}],
                "class": [
                    {"system": "urn:iop:consent-category", "code": category}
                    for category in row.categories
                ],
            },
        }
    )


def coverage(row: Coverage, labels: Labels) -> dict[str, Any]:
    return _clean(
        {
            "resourceType": "Coverage",
            "id": str(row.pk),
            "meta": labels.meta("us-core-coverage"),
            "status": "active" if row.is_active else "cancelled",
            "subscriberId": row.member_id,
            "beneficiary": _ref("Patient", row.patient_id),
            "relationship": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                        "code": "self" if not row.subscriber_name else "other",
                    }
                ],
                "text": row.subscriber_relationship or None,
            },
            "payor": [{"display": row.payer}],
            "order": {"primary": 1, "secondary": 2, "tertiary": 3}.get(row.priority),
            "class": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                "code": "group",
                            }
                        ]
                    },
                    "value": row.group_number,
                }
            ]
            if row.group_number
            else [],
        }
    )
