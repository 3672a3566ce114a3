"""The FHIR R4 read API under /fhir/R4/: read and search by patient for each resource type,
`Patient/{id}/$everything`, and the CapabilityStatement at `metadata`.

Token authentication as in the REST API (the clinic is the token's); errors are
OperationOutcomes. Kept out of the OpenAPI schema: FHIR clients read the CapabilityStatement.
"""

from collections.abc import Collection
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from iop import clock
from iop.api.auth import BearerTokenAuthentication
from iop.api.views import ClinicAPIView
from iop.roles import Capability
from iop.services import DomainError

from . import export, fhir, selectors, services

BASE_PATH = "/fhir/R4/"


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 406: "not-supported", 429: "throttled"}  # fmt: skip


def operation_outcome(code: str, message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal as an OperationOutcome; a missing Part 2 consent is a 403 that says
    why."""
    if isinstance(exc, services.ConsentRequiredError):
        return Response(operation_outcome("forbidden", str(exc)), status=403)
    if isinstance(exc, DomainError):
        return Response(operation_outcome("business-rule", str(exc)), status=409)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None) or str(exc)
    if isinstance(detail, dict):
        detail = " ".join(f"{key}: {value}" for key, value in detail.items())
    elif isinstance(detail, list):
        detail = " ".join(str(item) for item in detail)
    response.data = operation_outcome(
        ISSUE_CODES.get(response.status_code, "exception"), str(detail)
    )
    return response


@extend_schema(exclude=True)
class FhirView(ClinicAPIView):
    authentication_classes = [BearerTokenAuthentication]
    renderer_classes = [FhirJsonRenderer, JSONRenderer]
    capabilities = {"GET": Capability.CLINICAL_READ}
    pagination_class = None
    resource_type = ""

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler

    def base_url(self) -> str:
        return self.request.build_absolute_uri(BASE_PATH)

    def release(
        self, patient_id: int, types: Collection[str], *, narrow_to: str = ""
    ) -> tuple[list[dict[str, Any]], fhir.Labels] | None:
        """The patient's resources of these types as they may go to this client: labelled,
        consent checked, audited and (outside the clinic) logged. None: no such patient."""
        records = selectors.patient_records(clinic=self.clinic, patient_id=patient_id, types=types)
        if records is None:
            return None
        today = clock.today(self.clinic)
        part2 = fhir.is_part2(records.diagnoses)
        if narrow_to:
            records.narrow(self.resource_type, narrow_to)
        plain = export.resources(
            records, clinic=self.clinic, types=types, labels=fhir.Labels(part2=False), today=today
        )
        categories = {fhir.CATEGORY_OF_TYPE[r["resourceType"]] for r in plain}
        release = services.release_decide(
            clinic=self.clinic,
            token=self.request.auth,
            records=records,
            part2=part2,
            categories=categories,
        )
        built = export.resources(
            records, clinic=self.clinic, types=types, labels=release.labels, today=today
        )
        if built:
            services.release_record(
                clinic=self.clinic, actor=self.actor, release=release, records=records,
                types=types, categories=categories, resource_count=len(built),
            )  # fmt: skip
        return built, release.labels


class ReadView(FhirView):
    def get(self, request: Request, resource_id: str) -> Response:
        patient_id = selectors.owner_of(
            clinic=self.clinic, resource_type=self.resource_type, resource_id=resource_id
        )
        released = (
            self.release(patient_id, {self.resource_type}, narrow_to=resource_id)
            if patient_id is not None
            else None
        )
        found = [
            r
            for r in (released[0] if released else [])
            if r["resourceType"] == self.resource_type and r["id"] == resource_id
        ]
        if not found:
            raise exceptions.NotFound(f"No such {self.resource_type}.")
        return Response(found[0])


def _patient_param(request: Request, name: str) -> int:
    value = request.query_params.get(name, "").removeprefix("Patient/")
    if not value.isdigit() or len(value) > 18:
        raise exceptions.ValidationError(
            {name: f"Search by {name}=<Patient id> (a number); nothing else is supported."}
        )
    return int(value)


class SearchView(FhirView):
    def get(self, request: Request) -> Response:
        name = "_id" if self.resource_type == "Patient" else "patient"
        released = self.release(_patient_param(request, name), {self.resource_type})
        entries, labels = released if released else ([], None)
        return Response(
            export.bundle(entries, base_url=self.base_url(), kind="searchset", labels=labels)
        )


class EverythingView(FhirView):
    resource_type = "Patient"

    def get(self, request: Request, resource_id: str) -> Response:
        released = (
            self.release(int(resource_id), fhir.RESOURCE_TYPES)
            if resource_id.isdigit() and len(resource_id) <= 18
            else None
        )
        if released is None:
            raise exceptions.NotFound("No such Patient.")
        entries, labels = released
        return Response(
            export.bundle(entries, base_url=self.base_url(), kind="searchset", labels=labels)
        )


@extend_schema(exclude=True)
class MetadataView(FhirView):
    """The CapabilityStatement: public, as FHIR asks, and the same for every clinic."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response(capability_statement(self.base_url()), status=status.HTTP_200_OK)


def capability_statement(base_url: str) -> dict[str, Any]:
    resources = []
    for resource_type in fhir.RESOURCE_TYPES:
        search = (
            {"name": "_id", "type": "token"}
            if resource_type == "Patient"
            else {"name": "patient", "type": "reference"}
        )
        entry: dict[str, Any] = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [search],
        }
        if resource_type == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-03",
        "kind": "instance",
        "software": {"name": "IOP clinic platform"},
        "implementation": {"description": "IOP clinic FHIR R4 API", "url": base_url},
        "fhirVersion": fhir.FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {"text": "Authorization: Bearer <API token of one clinic membership>"}
                    ],
                    "description": (
                        "Substance use treatment records carry the security labels ETH and "
                        "42CFRPart2; a recipient outside the clinic receives them only under "
                        "the patient's consent, with the 42 CFR 2.32 notice."
                    ),
                },
                "resource": resources,
            }
        ],
    }


# --- Bulk Data $export ---------------------------------------------------------------------------


def _export_types(request: Request) -> list[str]:
    given = request.query_params.get("_type", "")
    types = [t.strip() for t in given.split(",") if t.strip()] or list(fhir.RESOURCE_TYPES)
    unknown = sorted(set(types) - set(fhir.RESOURCE_TYPES))
    if unknown:
        raise exceptions.ValidationError(
            {"_type": f"Not exported here: {', '.join(unknown)[:200]}."}
        )
    output = request.query_params.get("_outputFormat", "application/fhir+ndjson")
    if output not in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        raise exceptions.ValidationError({"_outputFormat": "Only NDJSON is offered."})
    return [t for t in fhir.RESOURCE_TYPES if t in types]


class ExportKickoffView(FhirView):
    """`$export` (system, `Group/{track id}/$export`, `Patient/$export`): 202 with the status
    URL in Content-Location; the worker does the work."""

    level = "system"

    def get(self, request: Request, resource_id: str = "") -> Response:
        if "respond-async" not in request.headers.get("Prefer", ""):
            raise exceptions.ValidationError({"Prefer": "Send the header Prefer: respond-async."})
        if selectors.recipient_for(clinic=self.clinic, token=request.auth) is not None:
            raise exceptions.PermissionDenied(
                "Bulk export goes to the clinic's own clients only: a recipient outside the "
                "clinic reads each patient under that patient's 42 CFR Part 2 consent."
            )
        track = None
        if self.level == "group":
            track = selectors.track_for_group(clinic=self.clinic, group_id=resource_id)
            if track is None:
                raise exceptions.NotFound("No such Group.")
        job = services.bulk_export_request(
            clinic=self.clinic, actor=self.actor, level=self.level, track=track,
            types=_export_types(request), request_url=request.build_absolute_uri(),
        )  # fmt: skip
        response = Response(status=status.HTTP_202_ACCEPTED)
        response["Content-Location"] = self.request.build_absolute_uri(
            f"{BASE_PATH}bulk-status/{job.pk}"
        )
        return response


class ExportStatusView(FhirView):
    def get(self, request: Request, export_id: int) -> Response:
        job = selectors.bulk_export_get(clinic=self.clinic, export_id=export_id)
        if job is None or (job.expires_at is not None and job.expires_at <= clock.now()):
            raise exceptions.NotFound("No such export (or it expired).")
        if job.status != "completed":
            response = Response(status=status.HTTP_202_ACCEPTED)
            response["X-Progress"] = services.bulk_export_progress(job)
            response["Retry-After"] = "2"
            return response
        assert job.completed_at is not None  # a completed export has its time  # noqa: S101
        files = selectors.bulk_export_files(clinic=self.clinic, job=job)
        return Response(
            {
                "transactionTime": job.completed_at.isoformat(),
                "request": job.request_url,
                "requiresAccessToken": True,
                "output": [
                    {
                        "type": f.resource_type,
                        "url": self.request.build_absolute_uri(
                            f"{BASE_PATH}bulk-files/{job.pk}/{f.resource_type}.ndjson"
                        ),
                        "count": f.count,
                    }
                    for f in files
                ],
                "error": [],
                "extension": {"expires": job.expires_at.isoformat() if job.expires_at else None},
            }
        )


class ExportFileView(FhirView):
    def get(self, request: Request, export_id: int, resource_type: str) -> HttpResponse:
        file = selectors.bulk_export_file(
            clinic=self.clinic, export_id=export_id, resource_type=resource_type
        )
        if file is None or file.export.expires_at is None or file.export.expires_at <= clock.now():
            raise exceptions.NotFound("No such file (or its export expired).")
        services.bulk_file_downloaded(clinic=self.clinic, actor=self.actor, file=file)
        return HttpResponse(file.content, content_type="application/fhir+ndjson")
