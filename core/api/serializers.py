"""The serializer base every app's API builds on: the model's own rules, and keys checked before the
database sees them."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers
from rest_framework.fields import get_error_detail

# The largest key any of our tables can hold: a bigger one is "no such object", not a database overflow.
MAX_KEY = 2**63 - 1


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by its key, the key's type and range checked before the database sees it."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not (data.isascii() and data.strip().lstrip("-").isdigit()):
            self.fail("incorrect_type", data_type="str")
        if not 0 < int(data) <= MAX_KEY:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))


class CleanModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that runs the model's ``full_clean()``, so the API obeys the admin's rules.

    DRF validates fields but never calls ``Model.clean()``; without this an invariant that lives in
    ``clean()`` would hold in the admin and silently not in the API.
    """

    serializer_related_field = BoundedPrimaryKeyRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # A field the API never writes (editable=False) comes back blank when the model allows it.
        if kwargs.get("read_only") and model_field.blank and isinstance(model_field, models.CharField):
            kwargs["allow_blank"] = True
        return field_class, kwargs

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        # DRF drops allow_blank from read-only fields, so the schema would claim that a blank
        # choice ("" for a level nobody stated) never comes back; keep what the model allows.
        blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.full_clean(validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(get_error_detail(exc)) from exc
        return attrs
