"""A metric's source edited as a form per kind of source in the admin: what the user types becomes
the JSON the collectors read, refused with the source's own sentence when it would not collect, and
any configuration the source accepts reads back into the same fields unchanged."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.intake.sources import config_errors, host, http, service
from monitoring.models import Metric
from monitoring.source_forms import SOURCE_FIELDS, field_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def metric(db):
    return Metric.objects.create(name="API latency", key="api-latency", unit="ms", warning=200, critical=400)


def form_for(metric, user, **changes):
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[Metric]
    form_class = model_admin.get_form(request, metric, change=True)
    unbound = form_class(instance=metric)
    data = {
        name: unbound[name].value() if unbound[name].value() is not None else ""
        for name in unbound.fields
        if name in model_to_dict(metric) or "__" in name
    }
    data["source_config"] = unbound["source_config"].value() or ""
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not False}
    return form_class(data=data, instance=metric)


TYPED = [
    (
        "prometheus",
        {"prometheus__query": "histogram_quantile(0.95, rate(x[5m]))"},
        {"query": "histogram_quantile(0.95, rate(x[5m]))"},
    ),
    (
        "prometheus",
        {"prometheus__query": "up", "prometheus__url": "http://prom:9090", "prometheus__timeout_ms": "2500"},
        {"query": "up", "url": "http://prom:9090", "timeout_ms": 2500},
    ),
    (
        "http",
        {"http__url": "https://example.org/health", "http__measure": "latency_ms"},
        {"url": "https://example.org/health", "measure": "latency_ms"},
    ),
    (
        "http",
        {
            "http__url": "http://svc/stats",
            "http__measure": "json_value",
            "http__json_field": "data.p95",
            "http__expect": "true",
        },
        {"url": "http://svc/stats", "measure": "json_value", "json_field": "data.p95", "expect": True},
    ),
    (
        "service",
        {"service__service": "graph", "service__measure": "up_percent"},
        {"service": "graph", "measure": "up_percent"},
    ),
    ("host", {"host__measure": "memory_percent"}, {"measure": "memory_percent"}),
    ("push", {}, {}),
]


@pytest.mark.parametrize(("source", "typed", "expected"), TYPED)
def test_what_the_user_types_becomes_the_configuration(metric, superuser, source, typed, expected):
    form = form_for(metric, superuser, source=source, **typed)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.source, saved.source_config) == (source, expected)


REFUSED = [
    ("prometheus", {}, "prometheus__query", "PromQL"),
    ("http", {"http__measure": "latency_ms"}, "http__url", "URL"),
    ("http", {"http__url": "https://x.org", "http__measure": "json_value"}, "http__url", "json_field"),
    ("service", {"service__service": "", "service__measure": "up"}, "service__service", "service must be one of"),
    ("host", {"host__measure": ""}, "host__measure", "measure must be one of"),
]


@pytest.mark.parametrize(("source", "typed", "field", "says"), REFUSED)
def test_a_source_that_would_not_collect_is_refused_at_its_field(metric, superuser, source, typed, field, says):
    form = form_for(metric, superuser, source=source, **typed)
    assert not form.is_valid()
    assert says in " ".join(form.errors[field])
    metric.refresh_from_db()
    assert (metric.source, metric.source_config) == ("push", {})


def test_raw_json_is_the_advanced_way(metric, superuser):
    form = form_for(metric, superuser, source="host", source_config='{"measure": "cpu_percent"}')
    assert form.is_valid(), form.errors
    assert form.save().source_config == {"measure": "cpu_percent"}
    bad = form_for(metric, superuser, source="host", source_config='{"measure": "disk"}')
    assert not bad.is_valid() and "measure must be one of" in " ".join(bad.errors["source_config"])


def accepted_configs():
    timeout = st.one_of(st.none(), st.integers(1, 60000))
    url = st.sampled_from(["http://a.example", "https://b.example:8443/x", "http://10.0.0.7/metrics?x=1"])

    def drop_none(d):
        return {k: v for k, v in d.items() if v is not None}

    prometheus = st.builds(
        lambda q, u, t: ("prometheus", drop_none({"query": q, "url": u, "timeout_ms": t})),
        st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=40).filter(
            lambda q: q.strip() == q and q
        ),
        st.one_of(st.none(), url),
        timeout,
    )
    probe = st.builds(
        lambda u, m, f, e, t: (
            "http",
            drop_none(
                {
                    "url": u,
                    "measure": m,
                    "json_field": f if m == "json_value" else None,
                    "expect": e if m == "json_value" else None,
                    "timeout_ms": t,
                }
            ),
        ),
        url,
        st.sampled_from(http.MEASURES),
        st.sampled_from(["p95", "data.value", "a.b.c"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(0, 999),
            st.sampled_from(["ok", "green", "123", "true", "null", '"quoted"']),
        ),
        timeout,
    )
    services = st.builds(
        lambda s, m: ("service", {"service": s, "measure": m}),
        st.sampled_from(service.SERVICES),
        st.sampled_from(["latency_ms", "up", "up_percent"]),
    )
    hosts = st.builds(lambda m: ("host", {"measure": m}), st.sampled_from(host.MEASURES))
    return st.one_of(prometheus, probe, services, hosts)


# One metric for every example: each sets its source and configuration first.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accepted_configs())
def test_any_configuration_a_source_accepts_reads_back_unchanged(metric, superuser, chosen):
    source, config = chosen
    assert config_errors(source, config) == []
    Metric.objects.filter(pk=metric.pk).update(source=source, source_config=config)
    metric.refresh_from_db()
    form = form_for(metric, superuser)  # the page as it opens, saved untouched
    assert form.is_valid(), form.errors
    assert form.save().source_config == config
    assert set(SOURCE_FIELDS[source]) >= set(config)


def test_the_metric_page_shows_one_form_per_source(client, superuser, metric):
    client.force_login(superuser)
    page = client.get(reverse("admin:monitoring_metric_change", args=[metric.pk])).content.decode()
    for source, fields in SOURCE_FIELDS.items():
        for key in fields:
            assert f'name="{field_name(source, key)}"' in page
        if fields:
            assert f"source-{source}" in page
