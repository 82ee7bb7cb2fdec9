"""The filters every API list builds from its fields, read as strictly as the schema states them."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import rest_framework as rest_filters


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter: NumberFilter reads decimals, so "0.5" passed where the schema says integer."""

    field_class = forms.IntegerField


class _TrueFalseField(forms.Field):
    """``true`` or ``false`` (any case); anything else — "null", "", "yes" — is a 400, not "no filter"."""

    def to_python(self, value):
        if value in (None, ""):
            if value == "":
                raise ValidationError("must be true or false")
            return None
        text = str(value).strip().lower()
        if text not in {"true", "false"}:
            raise ValidationError("must be true or false")
        return text == "true"


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _TrueFalseField


class _DateField(forms.DateField):
    """A date (YYYY-MM-DD); an empty value is a 400 like any other non-date, not "no filter"."""

    def to_python(self, value):
        if value == "":
            raise ValidationError("must be a date (YYYY-MM-DD)")
        return super().to_python(value)


class StrictDateFilter(django_filters.DateFilter):
    field_class = _DateField


class StrictFilterSet(rest_filters.FilterSet):
    """The filters every list builds from its fields, read as strictly as the schema states them:
    whole numbers for integer columns, true/false for boolean ones."""

    FILTER_DEFAULTS = {
        **rest_filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": IntegerFilter}
            for field in rest_filters.FilterSet.FILTER_DEFAULTS
            if issubclass(field, models.IntegerField)
        },
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateField: {"filter_class": StrictDateFilter},
    }

    def is_valid(self) -> bool:
        # django-filter reads an empty value as "no filter"; for a typed filter (a key, a number, a
        # date, a choice that has no empty option) the schema says the value cannot be empty.
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if self.data.get(name) != "" or isinstance(filter_, django_filters.CharFilter):
                continue
            if "" in dict(filter_.extra.get("choices") or ()):
                continue  # "" is a real value here ("not monitored", "no appetite set")
            self.form.add_error(name, "must not be empty")
            valid = False
        return valid


class FilterBackend(rest_filters.DjangoFilterBackend):
    """django-filter's backend on StrictFilterSet, plus the filters a view adds to whatever filterset
    it declares (``extra_filters()``: name → filter), e.g. the ``programme`` filter every list of a
    programme-scoped model takes. The schema reads the same class, so it lists them."""

    filterset_base = StrictFilterSet
    _extended: dict = {}

    def get_filterset_class(self, view, queryset=None):
        declared = super().get_filterset_class(view, queryset)
        extra_filters = getattr(view, "extra_filters", None)
        if extra_filters is None or queryset is None:
            return declared
        key = (type(view), declared, queryset.model)
        if key not in self._extended:
            base = declared
            if base is None:
                meta = type(
                    "Meta", (getattr(self.filterset_base, "Meta", object),), {"model": queryset.model, "fields": []}
                )
                base = type("AutoFilterSet", (self.filterset_base,), {"Meta": meta})
            added = {name: f for name, f in extra_filters().items() if name not in base.base_filters}
            self._extended[key] = type(base.__name__, (base,), added) if added else base
        return self._extended[key]
