"""One error shape for every API failure:

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

`fields` appears for validation errors; 409 answers carry `allowed` when a move is refused.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
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
