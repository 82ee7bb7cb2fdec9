"""The OpenAPI schema states every answer an operation can give, so clients generated from it (and
schemathesis, which `make test` runs against it) can trust it.

drf-spectacular documents the success response; the errors every DRF view can return are added here,
once, from what the view is: 400 when it reads parameters or a body, 401/403 unless it is open,
404 when its path names an object (or it is a paginated list: a page past the end), 415 when it
reads a body. Operations that declare their own answers keep them.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenViewBase

ERROR_BODY = {
    "anyOf": [
        {"type": "object", "properties": {"detail": {"type": "string"}}, "additionalProperties": True},
        {"type": "array", "items": {}},
    ],
    "description": (
        "`detail` says what went wrong; a 400 names each field's problems under the field's name "
        "(a list when the body itself is wrong, or one entry per item of a batch)."
    ),
}
ERRORS = {
    "400": "The request is invalid; nothing changed. The body names each problem.",
    "401": "Not logged in: no token, or an expired one.",
    "403": "Logged in, without the permission this needs.",
    "404": "No such object, or a page past the end of the list.",
    "412": "If-Match names a version the object has moved on from: nothing changed. The body holds the"
    " current version (`etag`), the current object (`current`) and, when known, what changed (`changed`).",
    "415": "The body's Content-Type is not one this operation reads.",
    "428": "This server requires If-Match on writes (API_REQUIRE_IF_MATCH): GET the object and send its ETag.",
    "503": "A store this answer needs is unavailable; try again later.",
}


class AutoSchema(SpectacularAutoSchema):
    def _error_codes(self) -> list[str]:
        codes = []
        has_body = self.method in {"POST", "PUT", "PATCH"}
        if has_body or self.method != "DELETE":
            codes.append("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        elif isinstance(self.view, TokenViewBase):
            codes.append("401")  # open to all, and says 401 to wrong credentials or a bad token
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")
        if has_body:
            codes.append("415")
        if getattr(self.view, "answers_503", False):
            codes.append("503")
        if self._conditional():
            codes += ["412", "428"]
        return codes

    def _conditional(self) -> bool:
        from core.api.conditional import ConditionalWrites

        return (
            isinstance(self.view, ConditionalWrites)
            and self.method in {"PUT", "PATCH", "DELETE"}
            and getattr(self.view, "action", None) in {"update", "partial_update", "destroy"}
        )

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._conditional():
            from drf_spectacular.utils import OpenApiParameter

            parameters = [
                *parameters,
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag of the version this write starts from; a stale one is refused (412).",
                ),
            ]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = {"content": {"application/json": {"schema": ERROR_BODY}}, "description": ERRORS[code]}
        # An error an operation declared by its description alone still answers with a JSON body.
        for code, response in responses.items():
            if code.startswith(("4", "5")) and not response.get("content"):
                response["content"] = {"application/json": {"schema": ERROR_BODY}}
        return responses


def blank_choice_filters(result, generator, request, public):
    """A single-choice filter left empty (``?state=``) filters nothing, as django-filter reads it:
    the schema says so, rather than claiming only the choices are accepted."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and "enum" in schema and "" not in schema["enum"]:
                    schema["enum"] = [*schema["enum"], ""]
    return result
