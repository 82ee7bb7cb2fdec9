"""A metric's source, edited in the admin as a form per kind of source (a PromQL query, a URL to
probe, a service, a host measure) instead of raw JSON, which stays available as the advanced way.

``SOURCE_FIELDS`` is the one table: per source, the configuration keys and the form field that edits
each. ``MetricSourceForm`` turns the fields of the chosen source into ``source_config`` and checks it
with that source's own ``config_errors`` — the rule the model and the API apply too.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.choices import Source
from monitoring.intake.sources import config_errors, host, http, service
from monitoring.models import Metric

MEASURE_LABELS = {
    "latency_ms": _("response time (ms)"),
    "up": _("up (1) or down (0)"),
    "up_percent": _("availability (%)"),
    "status_code": _("HTTP status code"),
    "json_value": _("a number in the JSON answer"),
    "cpu_percent": _("CPU use (%)"),
    "memory_percent": _("memory use (%)"),
}
SERVICE_LABELS = {
    "database": _("database"),
    "redis": _("Redis (the broker)"),
    "graph": _("graph store"),
    "vector": _("vector store"),
}


def _choices(values, labels):
    return [(value, labels.get(value, value)) for value in values]


def _timeout():
    return forms.IntegerField(
        label=_("timeout (ms)"), required=False, min_value=1, max_value=60000, help_text=_("Empty: the default.")
    )


# Every field is optional to the form: which ones a source needs is its config_errors' say, checked in
# clean() for the chosen source only (the other sources' fields are ignored).
SOURCE_FIELDS: dict[str, dict[str, forms.Field]] = {
    Source.PROMETHEUS: {
        "query": forms.CharField(
            label=_("PromQL query"), widget=forms.Textarea(attrs={"rows": 2, "cols": 80}), required=False
        ),
        # Text, not URLField: Django's validator refuses the bare service names (http://prometheus:9090)
        # an operations network uses; the source's config_errors checks scheme and host.
        "url": forms.CharField(
            label=_("Prometheus URL"), required=False, help_text=_("Empty: the register's own Prometheus.")
        ),
        "timeout_ms": _timeout(),
    },
    Source.HTTP: {
        "url": forms.CharField(label=_("URL to probe"), required=False),
        "measure": forms.ChoiceField(
            label=_("measure"), choices=_choices(http.MEASURES, MEASURE_LABELS), required=False
        ),
        "json_field": forms.CharField(
            label=_("JSON field"),
            required=False,
            help_text=_("For a number in the JSON answer: its path, e.g. data.p95."),
        ),
        "expect": forms.CharField(
            label=_("expected value"),
            required=False,
            help_text=_("The answer is healthy only when the field equals this."),
        ),
        "timeout_ms": _timeout(),
    },
    Source.SERVICE: {
        "service": forms.ChoiceField(
            label=_("service"), choices=_choices(service.SERVICES, SERVICE_LABELS), required=False
        ),
        "measure": forms.ChoiceField(
            label=_("measure"), choices=_choices(("latency_ms", "up", "up_percent"), MEASURE_LABELS), required=False
        ),
    },
    Source.HOST: {
        "measure": forms.ChoiceField(
            label=_("measure"), choices=_choices(host.MEASURES, MEASURE_LABELS), required=False
        ),
    },
    Source.PUSH: {},
}


def field_name(source: str, key: str) -> str:
    return f"{source}__{key}"


def _expected(text: str):
    """What the user typed as the expected value: JSON when it reads as JSON (true, 200), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class MetricSourceForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = ["source", "source_config"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_config"].required = False
        if self.instance.pk and self.instance.source in SOURCE_FIELDS:
            for key in SOURCE_FIELDS[self.instance.source]:
                value = (self.instance.source_config or {}).get(key)
                if value is not None:
                    if key == "expect" and (not isinstance(value, str) or _expected(value) != value):
                        value = json.dumps(value)  # shown as JSON where plain text would read back otherwise
                    self.initial[field_name(self.instance.source, key)] = value

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source not in SOURCE_FIELDS:
            return cleaned
        if "source_config" in self.changed_data and cleaned.get("source_config") not in (None, {}, ""):
            config = cleaned["source_config"]  # the advanced way: raw JSON, as typed
            target = "source_config"
        else:
            config = {}
            for key in SOURCE_FIELDS[source]:
                value = cleaned.get(field_name(source, key))
                if value in (None, ""):
                    continue
                config[key] = _expected(value) if key == "expect" else value
            target = field_name(source, next(iter(SOURCE_FIELDS[source]), "")) if SOURCE_FIELDS[source] else None
            cleaned["source_config"] = config
        problems = config_errors(source, config)
        if problems:
            self.add_error(target or "source", problems)
        return cleaned


# Declared on the class so the admin's fieldsets can name them.
for _source, _fields in SOURCE_FIELDS.items():
    for _key, _field in _fields.items():
        MetricSourceForm.base_fields[field_name(_source, _key)] = _field
        MetricSourceForm.declared_fields[field_name(_source, _key)] = _field
