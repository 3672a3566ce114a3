"""How the OpenAPI schema describes the API: the error answers every operation can give, the
wall-clock times we send, and our authentication classes (drf-spectacular extensions)."""

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers

from iop.api.errors import ErrorOutput

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ERROR_DESCRIPTIONS = {
    "400": "The request is malformed or a field needs correcting (`fields` says which).",
    "401": "No credentials, or the token is not valid or has been revoked.",
    "403": "The membership's role does not allow this.",
    "404": "No such object in this clinic (another clinic's object is the same as none).",
    "409": "The record's current state does not allow this (`allowed` lists the moves it does).",
    "429": "Too many requests for this user; wait and retry.",
}
# A TimeField renders "09:00:00", a wall-clock time in the clinic's zone with no offset;
# JSON Schema's "time" format demands an offset, so it would describe another value.
WALL_CLOCK_TIME = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "09:00:00",
}


def _answers_blank(field: serializers.ChoiceField) -> bool:
    """A read-only choice field of a model field with `blank=True` answers "" (no choice
    made yet, e.g. an enrollment's discharge type before discharge). DRF drops `allow_blank`
    from read-only fields, so the schema would not list ""; this puts it back."""
    if not field.read_only or field.allow_blank:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return bool(model_field.blank) and isinstance(model_field, models.CharField | models.TextField)


class AutoSchema(openapi.AutoSchema):
    """Every operation documents the errors it can answer with, in the one error shape of
    `iop.api.errors`: the views need not repeat them."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorOutput, "response").ref
        responses = operation["responses"]
        for code in self._error_codes(operation):
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": error}},
                },
            )
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        parameters = operation.get("parameters", [])
        writes = self.method in WRITE_METHODS
        codes = ["401", "403", "429"]
        if writes or any(p["in"] == "query" for p in parameters):
            codes.append("400")  # a body or a filter that does not validate
        if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
            codes.append("404")  # an id of no object here, or a page past the last
        if writes:
            codes.append("409")  # a service's DomainError
        return sorted(codes)

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if isinstance(field, serializers.TimeField):
            return dict(WALL_CLOCK_TIME)
        if isinstance(field, serializers.ChoiceField) and _answers_blank(field):
            field = copy.copy(field)
            field.allow_blank = True  # documented as drf-spectacular's BlankEnum
        mapped: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        return mapped


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "iop.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created by a clinic admin; it acts as one membership.",
        }


class ClinicSessionScheme(OpenApiAuthenticationExtension):
    target_class = "iop.api.auth.ClinicSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A signed-in browser; send X-Clinic: <slug> and the CSRF token.",
        }
