"""Conditional writes through the API (core/api/conditional.py): ETag on GET, If-Match on PUT,
PATCH and DELETE, two clients interleaved by hypothesis, and admin and API mixed."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core import concurrency
from incidents.models import Incident
from monitoring.models import Metric
from register.models import Risk
from tests.conftest import make_user
from tests.forms import form_data

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/risks/R-1/"


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def two_clients(seeded):
    return client_of(make_user("api-a", superuser=True)), client_of(make_user("api-b", superuser=True))


def test_the_two_reviewer_sequence_through_the_api(two_clients, settings, redis_url):
    settings.API_CACHE_URL = redis_url
    a, b = two_clients
    got_a, got_b = a.get(DETAIL), b.get(DETAIL)
    assert got_a["ETag"] == got_b["ETag"] and got_a["ETag"].startswith('"')
    before = got_a.json()["likelihood"]
    raised = before % 5 + 1
    saved = a.patch(
        DETAIL, {"likelihood": raised, "score_change_reason": "worse"}, format="json", HTTP_IF_MATCH=got_a["ETag"]
    )
    assert saved.status_code == 200
    assert saved["ETag"] != got_a["ETag"]

    stale = b.patch(DETAIL, {"description": "B's sentence"}, format="json", HTTP_IF_MATCH=got_b["ETag"])
    assert stale.status_code == 412
    body = stale.json()
    assert body["etag"] == saved["ETag"]
    assert body["current"]["likelihood"] == raised
    assert {"field": "likelihood", "label": "likelihood", "before": str(before), "after": str(raised)} in [
        {**c, "label": c["label"].lower()} for c in body["changed"]
    ]
    risk = Risk.objects.get(code="R-1")
    assert (risk.likelihood, risk.description) == (raised, Risk.objects.get(code="R-1").description)
    assert risk.description != "B's sentence"

    # The current tag makes the same write go through. (b's first read was a cache hit of a's: the
    # tag is stored with the representation.)
    again = b.patch(DETAIL, {"description": "B's sentence"}, format="json", HTTP_IF_MATCH=body["etag"])
    assert again.status_code == 200
    assert again["ETag"] == etag_of(Risk.objects.get(code="R-1"))


def etag_of(obj) -> str:
    return f'"{concurrency.version(obj)}"'


def test_a_reading_between_get_and_patch_does_not_fail_the_patch(two_clients):
    a, _ = two_clients
    tag = a.get(DETAIL)["ETag"]
    # What collection writes: the metric's last value and the risk's live status and review flag.
    Metric.objects.update(last_value=123.0, last_collected_at="2026-12-08T00:00:00Z", next_due_at=None)
    Risk.objects.filter(code="R-1").update(live_status="critical", needs_reassessment=True)
    assert a.patch(DETAIL, {"title": "Still mine"}, format="json", HTTP_IF_MATCH=tag).status_code == 200


def test_delete_with_a_stale_tag_is_refused_and_star_matches_any(seeded):
    client = client_of(make_user("api-root", superuser=True))
    metric = Metric.objects.create(key="throwaway", name="Throwaway", warning=1, critical=2)
    url = f"/api/v1/metrics/{metric.key}/"
    tag = client.get(url)["ETag"]
    Metric.objects.filter(pk=metric.pk).update(name="Renamed")
    assert client.delete(url, HTTP_IF_MATCH=tag).status_code == 412
    assert Metric.objects.filter(pk=metric.pk).exists()
    assert client.delete(url, HTTP_IF_MATCH="*").status_code == 204


def test_if_match_can_be_required(two_clients, settings):
    settings.API_REQUIRE_IF_MATCH = True
    a, _ = two_clients
    assert a.patch(DETAIL, {"title": "x"}, format="json").status_code == 428
    assert Risk.objects.get(code="R-1").title != "x"
    assert a.patch(DETAIL, {"title": "x"}, format="json", HTTP_IF_MATCH=a.get(DETAIL)["ETag"]).status_code == 200


def test_incidents_carry_tags_too(seeded):
    client = client_of(make_user("api-inc", superuser=True))
    created = client.post("/api/v1/incidents/", {"title": "Outage", "severity": "medium"}, format="json")
    assert created.status_code == 201, created.json()
    incident = Incident.objects.get(pk=created.json()["id"])
    assert created["ETag"] == etag_of(incident)
    url = f"/api/v1/incidents/{incident.pk}/"
    Incident.objects.filter(pk=incident.pk).update(title="Renamed meanwhile")
    assert client.patch(url, {"description": "x"}, format="json", HTTP_IF_MATCH=created["ETag"]).status_code == 412


def test_an_admin_save_makes_an_api_tag_stale_and_the_reverse(two_clients):
    a, _ = two_clients
    from django.test import Client

    browser = Client()
    browser.force_login(make_user("admin-person", superuser=True))
    risk = Risk.objects.get(code="R-1")
    url = reverse("admin:register_risk_change", args=[risk.pk])
    page = browser.get(url).content.decode()
    tag = a.get(DETAIL)["ETag"]

    assert browser.post(url, form_data(page, "risk_form", title="From the admin")).status_code == 302
    assert a.patch(DETAIL, {"title": "From the API"}, format="json", HTTP_IF_MATCH=tag).status_code == 412

    tag = a.get(DETAIL)["ETag"]
    page = browser.get(url).content.decode()
    assert a.patch(DETAIL, {"title": "From the API"}, format="json", HTTP_IF_MATCH=tag).status_code == 200
    refused = browser.post(url, form_data(page, "risk_form", description="admin again"))
    assert refused.status_code == 200 and "From the admin → From the API" in refused.content.decode()


# Two clients, each holding the tag of its last read, interleaved with readings arriving.
step = st.one_of(
    st.tuples(st.just("get"), st.sampled_from("ab")),
    st.tuples(
        st.just("patch"),
        st.sampled_from("ab"),
        st.sampled_from(["title", "description", "impact_text"]),
        st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12),
    ),
    st.tuples(st.just("reading"), st.floats(0, 1000, allow_nan=False)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_two_interleaved_clients_never_overwrite_a_version_they_did_not_see(two_clients, steps):
    clients = dict(zip("ab", two_clients, strict=True))
    tags = {name: clients[name].get(DETAIL)["ETag"] for name in "ab"}
    for op in steps:
        if op[0] == "get":
            tags[op[1]] = clients[op[1]].get(DETAIL)["ETag"]
        elif op[0] == "reading":
            Metric.objects.update(last_value=op[1])
            Risk.objects.filter(code="R-1").update(live_status="warning", needs_reassessment=True)
        else:
            _, who, field, value = op
            stored = Risk.objects.get(code="R-1")
            fresh = tags[who] == etag_of(stored)
            response = clients[who].patch(DETAIL, {field: value}, format="json", HTTP_IF_MATCH=tags[who])
            after = Risk.objects.get(code="R-1")
            if fresh:
                assert response.status_code == 200, response.json()
                assert getattr(after, field) == value.strip() or getattr(after, field) == value
                tags[who] = response["ETag"]
            else:
                assert response.status_code == 412
                assert concurrency.values(after) == concurrency.values(stored)  # nothing changed
                assert response.json()["etag"] == etag_of(after)


# An admin page and an API client on the same objects, interleaved: risks and metrics.
def _admin_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _api_url(obj):
    return f"/api/v1/risks/{obj.code}/" if isinstance(obj, Risk) else f"/api/v1/metrics/{obj.key}/"


mixed_step = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(["admin", "api"])),
    st.tuples(
        st.just("write"),
        st.sampled_from(["admin", "api"]),
        st.text(st.characters(categories=("L",)), min_size=1, max_size=10),
    ),
    st.tuples(st.just("reading")),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["risk", "metric"]), steps=st.lists(mixed_step, min_size=1, max_size=8))
def test_an_admin_page_and_an_api_client_interleaved(seeded, which, steps):
    from django.test import Client

    user = make_user(f"mixed-{which}-{len(steps)}-{abs(hash(str(steps))) % 10**8}", superuser=True)
    browser, api = Client(), client_of(user)
    browser.force_login(user)
    obj = Risk.objects.get(code="R-1") if which == "risk" else Metric.objects.order_by("pk").first()
    model, form_id = type(obj), f"{obj._meta.model_name}_form"
    page = browser.get(_admin_url(obj)).content.decode()
    held = {"admin": concurrency.version(obj), "api": api.get(_api_url(obj))["ETag"].strip('"')}
    for step in steps:
        current = model.objects.get(pk=obj.pk)
        if step[0] == "open":
            if step[1] == "admin":
                page = browser.get(_admin_url(obj)).content.decode()
            else:
                api.get(_api_url(obj))
            held[step[1]] = concurrency.version(current)
        elif step[0] == "reading":
            Metric.objects.update(last_value=1.5, last_collected_at="2026-12-08T01:00:00Z")
            Risk.objects.filter(code="R-1").update(live_status="critical")
        else:
            _, who, text = step
            fresh = held[who] == concurrency.version(current)
            if who == "admin":
                response = browser.post(_admin_url(obj), form_data(page, form_id, name=text, title=text))
                refused = response.status_code == 200
                if refused:
                    assert "→" in response.content.decode()  # it names what changed
            else:
                response = api.patch(
                    _api_url(obj),
                    {"name" if which == "metric" else "title": text},
                    format="json",
                    HTTP_IF_MATCH=f'"{held[who]}"',
                )
                refused = response.status_code == 412
            after = model.objects.get(pk=obj.pk)
            if fresh:
                assert not refused
                held[who] = concurrency.version(after)
                if who == "admin":
                    page = browser.get(_admin_url(obj)).content.decode()
            else:
                assert refused
                assert concurrency.values(after) == concurrency.values(current)
