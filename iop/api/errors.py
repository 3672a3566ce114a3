"""One error shape for every API failure:

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

`fields` appears for validation errors; 409 answers carry `allowed` when a move is refused.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from iop.services import DomainError, TransitionRefusedError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the record's current state."


def _message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict) and detail:
        return _message(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DomainError):
        allowed = exc.allowed if isinstance(exc, TransitionRefusedError) else None
        conflict: dict[str, Any] = {"status": 409, "code": "conflict", "message": str(exc)}
        if allowed is not None:
            conflict["allowed"] = list(allowed)
        return Response({"error": conflict}, status=409)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any] = {
        "status": response.status_code,
        "code": getattr(exc, "default_code", "error"),
    }
    if isinstance(exc, exceptions.ValidationError):
        body["message"] = "Some fields need correcting."
        detail = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        body["fields"] = detail
    else:
        body["message"] = _message(
            response.data.get("detail", response.data)
            if isinstance(response.data, dict)
            else response.data
        )
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            if isinstance(codes, str):
                body["code"] = codes
    response.data = {"error": body}
    return response


# The body of every 4xx answer (the module docstring's shape), for the schema.
ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "status": serializers.IntegerField(help_text="The HTTP status, repeated"),
                "code": serializers.CharField(help_text="A stable code, e.g. `not_found`"),
                "message": serializers.CharField(help_text="One sentence for a person"),
                "fields": serializers.DictField(
                    required=False,
                    help_text="Validation errors: a list of messages per field (400 only)",
                ),
                "allowed": serializers.ListField(
                    child=serializers.CharField(),
                    required=False,
                    help_text="The moves the record allows now, when one is refused (409 only)",
                ),
            },
        )
    },
)
