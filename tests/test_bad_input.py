"""Bad input anywhere in the API is a 4xx naming the problem and changes nothing — never a 500.

The cases a fuzzer and a person found, each as a class: nesting depth on every JSON endpoint,
integers past what the database holds, keys of related objects of any type and size, date-times that
look right and cannot exist or carry no zone, readings outside the window the register keeps.
"""

from __future__ import annotations

import copy
import json

import pytest

from incidents.models import Incident
from monitoring.models import Metric, Reading
from register.models import Risk
from tests.incidents.test_alertmanager import PAYLOAD

pytestmark = pytest.mark.django_db
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "url",
    ["/api/v1/auth/token/", "/api/v1/risks/", "/api/v1/readings/", "/api/v1/metrics/", "/api/v1/incidents/"],
)
def test_json_nested_too_deep_is_400_on_every_endpoint_even_before_login(api, administrator, url):
    anonymous = api.post(url, DEEP, content_type="application/json")
    assert anonymous.status_code in (400, 401)
    if url == "/api/v1/auth/token/":
        assert anonymous.status_code == 400 and "nested deeper than 64" in anonymous.json()["detail"]
    api.force_authenticate(administrator)
    response = api.post(url, DEEP, content_type="application/json")
    assert response.status_code == 400 and "nested deeper than 64" in response.json()["detail"]


def test_json_nested_too_deep_is_400_at_the_alertmanager_receiver(client, settings):
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "am-token"
    response = client.post(
        "/api/v1/integrations/alertmanager/",
        DEEP,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer am-token",
    )
    assert response.status_code == 400 and "nested deeper" in response.json()["detail"]


def test_a_json_body_at_the_depth_limit_still_reads(api_as, viewer):
    from core.api.parsers import MAX_DEPTH, loads

    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) == eval("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    # brackets inside strings are text, not nesting
    assert loads(json.dumps({"a": "[" * 500}))["a"] == "[" * 500


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", 9223372036854775807),
        ("number", 10**30),
        ("number", 0),
        ("number", -1),
        ("impact", 10**30),
        ("owner", 9223372036854775808),
        ("owner", 10**30),
        ("owner", -5),
        ("owner", "1; drop"),
        ("owner", 3.5),
        ("owner", [1]),
        ("owner", True),
        ("category", {"id": 1}),
        ("components", [10**30]),
    ],
)
def test_out_of_range_and_mistyped_numbers_are_400_and_change_nothing(api_as, administrator, seeded, field, value):
    before = Risk.objects.count()
    body = {"title": "fuzzed", "impact": 1, "likelihood": 1, field: value}
    response = api_as(administrator).post("/api/v1/risks/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert Risk.objects.count() == before
    # and the next risk still gets a number
    assert (
        api_as(administrator)
        .post("/api/v1/risks/", {"title": "next", "impact": 1, "likelihood": 1}, format="json")
        .status_code
        == 201
    )


@pytest.mark.parametrize(
    ("observed_at", "problem"),
    [
        ("2026-02-30T00:00:00Z", "exists"),
        ("2026-12-01T25:00:00Z", "exists"),
        ("0001-01-01T00:00:00Z", "older than"),
        ("9999-12-31T23:59:59Z", "future"),
        ("yesterday", "exists"),
        (12345, "exists"),
    ],
)
def test_a_reading_must_name_a_real_moment_in_the_window_kept(api_as, administrator, seeded, observed_at, problem):
    Metric.objects.filter(key="api応答時間").update(source="push")
    body = [{"metric": "api応答時間", "value": 120, "observed_at": observed_at}]
    response = api_as(administrator).post("/api/v1/readings/", body, format="json")
    assert response.status_code == 400
    assert problem in json.dumps(response.json()[0]["observed_at"])
    assert not Reading.objects.exists()


@pytest.mark.parametrize("value", [5, None, ["api"], {"k": 1}, True])
def test_a_reading_batch_with_a_non_string_metric_is_400(api_as, administrator, seeded, value):
    response = api_as(administrator).post("/api/v1/readings/", [{"metric": value, "value": 1}], format="json")
    assert response.status_code == 400 and "metric" in response.json()[0]


@pytest.mark.parametrize("since", ["2026-02-30T00:00:00Z", "2026-13-01", "T25:00", "0001-01-01T00:00:00"])
def test_a_readings_range_with_an_impossible_time_is_400(api_as, viewer, seeded, since):
    response = api_as(viewer).get("/api/v1/metrics/api応答時間/readings/", {"since": since})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "since" in response.json()


@pytest.mark.parametrize(
    ("starts_at", "problem"),
    [("2026-02-30T01:00:00Z", "RFC 3339"), ("2026-11-29T25:00:00Z", "RFC 3339"), ("2026-11-29T01:00:00", "time zone")],
)
def test_an_alertmanager_time_that_cannot_exist_or_has_no_zone_is_400(client, settings, seeded, starts_at, problem):
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "am-token"
    payload = copy.deepcopy(PAYLOAD)
    payload["alerts"][0]["startsAt"] = starts_at
    response = client.post(
        "/api/v1/integrations/alertmanager/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer am-token",
    )
    assert response.status_code == 400 and problem in response.json()["detail"]
    assert not Incident.objects.exists()


def test_deleting_a_metric_with_history_is_refused_and_one_without_is_not(api_as, administrator, seeded):
    from django.utils import timezone

    from monitoring.intake import push

    Metric.objects.filter(key="api応答時間").update(source="push")
    push.store([{"metric": "api応答時間", "value": 120, "observed_at": timezone.now().isoformat()}])
    client = api_as(administrator)
    refused = client.delete("/api/v1/metrics/api応答時間/")
    assert refused.status_code == 409 and "1 readings" in refused.json()["detail"]
    assert "enabled: false" in refused.json()["detail"]
    assert Metric.objects.filter(key="api応答時間").exists() and Reading.objects.count() == 1
    unused = Metric.objects.filter(readings__isnull=True, alerts__isnull=True).first()
    assert client.delete(f"/api/v1/metrics/{unused.key}/").status_code == 204


def test_the_admin_keeps_a_metric_with_history_too(client, superuser, seeded):
    from django.urls import reverse
    from django.utils import timezone

    from monitoring.intake import push

    Metric.objects.filter(key="api応答時間").update(source="push")
    push.store([{"metric": "api応答時間", "value": 120, "observed_at": timezone.now().isoformat()}])
    client.force_login(superuser)
    with_history = Metric.objects.get(key="api応答時間")
    unused = Metric.objects.filter(readings__isnull=True, alerts__isnull=True).first()
    assert client.get(reverse("admin:monitoring_metric_delete", args=[with_history.pk])).status_code == 403
    changelist = reverse("admin:monitoring_metric_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [with_history.pk, unused.pk], "post": "yes"}
    client.post(changelist, bulk)  # refused whole: one of them has history
    assert Metric.objects.filter(pk=with_history.pk).exists() and Reading.objects.count() == 1
    client.post(changelist, {**bulk, "_selected_action": [unused.pk]})
    assert not Metric.objects.filter(pk=unused.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/risks/?search=%00",
        "/api/v1/metrics/a%00b/",
        "/api/v1/incidents/?title=x%00",
        "/admin/register/risk/?q=%00",
        "/admin/register/risk/1%00/change/",
    ],
)
def test_a_nul_in_a_url_is_400_before_any_query(client, api_as, administrator, superuser, seeded, url):
    # PostgreSQL refuses NUL in text: these reached a query and answered 500 there.
    caller = api_as(administrator) if url.startswith("/api/") else client
    if not url.startswith("/api/"):
        client.force_login(superuser)
    response = caller.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/v1/readings/", [{"metric": "error-rate\u0000", "value": 1}]),
        ("/api/v1/risks/", {"title": "a\u0000b", "impact": 1, "likelihood": 1}),
        ("/api/v1/metrics/", {"name": "m", "source": "push", "source_config": {"k\u0000": "v"}}),
    ],
)
def test_a_nul_in_a_json_body_is_400_and_changes_nothing(api_as, administrator, seeded, url, body):
    before = Risk.objects.count()
    response = api_as(administrator).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["detail"]
    assert Risk.objects.count() == before


def test_a_nul_at_the_alertmanager_receiver_is_400(client, settings, seeded):
    from incidents.models import IntegrationToken

    token = IntegrationToken(name="am")
    raw = token.issue()
    token.save()
    response = client.post(
        "/api/v1/integrations/alertmanager/",
        data='{"version": "4", "alerts": [{"labels": {"alertname": "x\\u0000"}}]}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/graph/ranking/", {"hops": ""}, "hops"),
        ("/api/v1/graph/ranking/", {"limit": ""}, "limit"),
        ("/api/v1/search/", {"q": "x", "type": ""}, "type"),
        ("/api/v1/search/", {"q": "x", "limit": ""}, "limit"),
    ],
)
def test_an_empty_typed_query_parameter_is_a_400_not_the_default(api_as, viewer, url, params, field):
    # Found by a random fuzz seed: DRF reads a query string as form input, where "" means "default".
    response = api_as(viewer).get(url, params)
    assert response.status_code == 400 and field in response.json(), response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("digit", ["²", "٣", "５"])
def test_a_digit_that_is_not_ascii_is_a_4xx_not_a_500(api_as, administrator, client, digit):
    # str.isdigit() says yes to superscripts, Arabic-Indic and full-width digits; int() says no to
    # some of them: every place that reads a number from a request checks for ASCII digits.
    api = api_as(administrator)
    assert api.get("/api/v1/risks/", {"page": digit}).status_code == 404
    assert api.get("/api/v1/risks/", {"page_size": digit}).status_code == 400
    body = {"title": "x", "impact": 1, "likelihood": 1, "category": digit}
    assert api.post("/api/v1/risks/", body, format="json").status_code == 400
    client.force_login(administrator)
    assert client.get("/admin/plans/import/", {"preview": digit}).status_code == 404
