"""Every list endpoint of every app, read off the assembled router (riskregister/api_urls.py), so an
endpoint an app adds is held to the same contract without a test of its own:
anonymous → 401, a user in no role → 403, a viewer reads a list, filters exist, and nonsense in any
filter is a 4xx or an empty list — never a 500.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskregister.api_urls import router

# Lists that span every programme, read by organisation administrators only (docs/audit.md).
ORGANISATION_ADMINISTRATORS_ONLY = {"audit-entry"}
LISTS = sorted((prefix, basename) for prefix, _viewset, basename in router.registry)
VIEWSETS = {basename: viewset for _prefix, viewset, basename in router.registry}


def list_url(basename: str) -> str:
    return reverse(f"api:{basename}-list")


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
def test_anonymous_is_401_and_no_role_is_403(api, api_as, outsider, basename, prefix):
    assert api.get(list_url(basename)).status_code == 401
    assert api_as(outsider).get(list_url(basename)).status_code == 403


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
def test_a_viewer_reads_every_list(api_as, viewer, administrator, seeded, basename, prefix):
    if basename in ORGANISATION_ADMINISTRATORS_ONLY:
        assert api_as(viewer).get(list_url(basename)).status_code == 403
        viewer = administrator
    response = api_as(viewer).get(list_url(basename))
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert isinstance(rows, list)


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
def test_every_list_can_be_filtered_or_searched(basename, prefix):
    viewset = VIEWSETS[basename]
    assert (
        getattr(viewset, "filterset_class", None)
        or getattr(viewset, "filterset_fields", None)
        or getattr(viewset, "search_fields", None)
    ), f"{viewset.__name__} lists without a FilterSet, filter fields or search"


def _filter_names(basename: str) -> list[str]:
    viewset = VIEWSETS[basename]
    names = ["search", "ordering", "page", "page_size"]
    if getattr(viewset, "filterset_class", None):
        names += list(viewset.filterset_class.base_filters)
    fields = getattr(viewset, "filterset_fields", None) or []
    names += list(fields)
    return names


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_nonsense_in_any_filter_is_never_a_500(api_as, viewer, basename, prefix, data):
    name = data.draw(st.sampled_from(_filter_names(basename)), label="filter")
    value = data.draw(st.one_of(st.text(max_size=40), st.integers().map(str), st.just("-1"), st.just("R-")))
    response = api_as(viewer).get(list_url(basename), {name: value})
    assert response.status_code < 500, (name, value, response.content[:300])


def _typed_filters(basename: str) -> list[str]:
    import django_filters

    filterset = getattr(VIEWSETS[basename], "filterset_class", None)
    if filterset is None:
        return []
    return [
        name
        for name, filter_ in filterset.base_filters.items()
        if not isinstance(filter_, django_filters.CharFilter) and "" not in dict(filter_.extra.get("choices") or ())
    ]


TYPED_FILTERS = [(basename, name) for _prefix, basename in LISTS for name in _typed_filters(basename)]


@pytest.mark.parametrize(("basename", "name"), TYPED_FILTERS)
def test_an_empty_typed_filter_is_a_400_not_no_filter(api_as, viewer, administrator, basename, name):
    # A random fuzz seed found "?category=" and "?expires_on__lte=" read as "no filter", where the
    # schema says a key or a date: the caller meant something, and got everything.
    reader = administrator if basename in ORGANISATION_ADMINISTRATORS_ONLY else viewer
    response = api_as(reader).get(list_url(basename), {name: ""})
    assert response.status_code == 400, (name, response.content[:300])
    assert name in response.json()


def test_typed_filters_are_found():
    assert ("acceptance", "expires_on__lte") in TYPED_FILTERS and ("risk", "category") in TYPED_FILTERS
    assert ("risk", "live_status") not in TYPED_FILTERS  # "" is "not monitored"


def _api_serializers():
    """Every ModelSerializer the apps' api packages define."""
    import importlib
    import inspect
    import pkgutil

    from django.apps import apps
    from rest_framework import serializers

    found = set()
    for config in apps.get_app_configs():
        if "site-packages" in config.path:
            continue  # our apps only
        try:
            package = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__, f"{config.name}.api."):
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, serializers.ModelSerializer) and hasattr(cls, "Meta"):
                    found.add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def _nullable_path(model, source: str) -> bool:
    """Whether following ``source`` ("owner.username") from ``model`` can meet a null forward key."""
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return False
        if not field.concrete:
            return False  # a reverse relation is a list, never null
        if field.null:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def test_read_only_fields_through_a_nullable_key_are_declared_nullable():
    # The fuzz run (tests/test_api_fuzz.py) found several: an owner, a metric, an actor that may be
    # missing came back as null where the schema promised a string. This finds them all at once.
    offenders = []
    for cls in _api_serializers():
        for name, field in cls().fields.items():
            declared_nullable = getattr(field, "allow_null", False) or field.source == "*"
            if field.read_only and not declared_nullable and _nullable_path(cls.Meta.model, field.source):
                offenders.append(f"{cls.__module__}.{cls.__name__}.{name} ({field.source})")
    assert not offenders, "declare allow_null=True: " + ", ".join(offenders)
