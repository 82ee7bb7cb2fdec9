"""Values of the type the schema states: DRF is lenient where a JSON API should not be.

- A CharField turns a number into text ({"title": 0} → "0").
- A BooleanField takes 0, 1, "yes", "off" … ({"needs_reassessment": 0} → False).
- A many-related field iterates whatever it gets, so an object ({"risks": {}}) passes as an empty list.

A client sending the wrong type then never hears of it, and the schema's ``type`` is untrue. These
are fixed once, from the register's ``AppConfig.ready()``, for every serializer — ours and the
packages' (the JWT login) — rather than field by field. JSON is the only body the API reads
(settings.REST_FRAMEWORK), so a value of another type is a mistake, never a form's text; the one
form the API reads (the multipart plan upload) declares its flag as :class:`FormBooleanField`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import fields, relations

_lenient_char = fields.CharField.to_internal_value
_lenient_boolean = fields.BooleanField.to_internal_value
_lenient_many = relations.ManyRelatedField.to_internal_value


def _strict_char(self, data):
    if not isinstance(data, str):
        self.fail("invalid")
    return _lenient_char(self, data)


def _strict_boolean(self, data):
    if not isinstance(data, bool):
        self.fail("invalid", input=data)
    return data


def _strict_many(self, data):
    if isinstance(data, Mapping):
        self.fail("not_a_list", input_type=type(data).__name__)
    return _lenient_many(self, data)


class FormBooleanField(fields.BooleanField):
    """A flag in a multipart form, where every value is text ("true" / "false")."""

    def to_internal_value(self, data):
        return _lenient_boolean(self, data)


def apply() -> None:
    fields.CharField.to_internal_value = _strict_char
    fields.BooleanField.to_internal_value = _strict_boolean
    relations.ManyRelatedField.to_internal_value = _strict_many
