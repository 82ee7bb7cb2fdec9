"""The Alertmanager receiver: webhook v4 payloads, tokens, dedup, resolved groups, bad input."""

import copy
import json

import pytest

from incidents.models import ExternalAlert, Incident, IntegrationToken, LabelMapping
from register.models import Risk

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/alertmanager/"

# The shape Alertmanager 0.25 (Debian bookworm) posts, plus a field newer servers add.
PAYLOAD = {
    "receiver": "riskregister",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighErrorRate", "risk": "R-1", "severity": "critical", "instance": "api:8000"},
            "annotations": {"summary": "error rate above 5%", "description": "5xx ratio 7.2% for 2m"},
            "startsAt": "2026-11-29T01:00:00.000Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
            "fingerprint": "4f5d2a3b1c9e8d7f",
        }
    ],
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
    "commonAnnotations": {"summary": "error rate above 5%"},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
    "someFutureField": {"ignored": True},
}


@pytest.fixture
def token(db):
    record = IntegrationToken(name="alertmanager")
    raw = record.issue()
    record.save()
    return raw


def post(client, body, token=None, raw=False):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if raw else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def resolved(payload):
    body = copy.deepcopy(payload)
    body["status"] = "resolved"
    for alert in body["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-29T01:10:00Z"
    return body


def test_a_firing_alert_opens_an_incident_on_the_labelled_risk(client, token, seeded):
    response = post(client, PAYLOAD, token)
    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.source, incident.severity, incident.status) == ("alertmanager", "high", "escalated")
    assert [r.code for r in incident.risks.all()] == ["R-1"]
    assert incident.title == "HighErrorRate: error rate above 5%"
    assert response.json()["incidents"] == [incident.pk]
    # The audit trail names the integration token: its use, and as the one who opened the incident.
    from audit.models import Entry

    name = IntegrationToken.objects.get().name
    assert Entry.objects.filter(kind="token", actor=f"integration:{name}").count() == 1
    opened = Entry.objects.get(table="incidents_incident", kind="insert", object_pk=str(incident.pk))
    assert opened.actor == f"integration:{name}"


def test_repeated_deliveries_and_resolution(client, token, seeded):
    for _ in range(3):
        assert post(client, PAYLOAD, token).status_code == 200
    assert Incident.objects.count() == 1
    assert ExternalAlert.objects.get().deliveries == 3
    assert post(client, resolved(PAYLOAD), token).json()["resolved"] == 1
    assert post(client, resolved(PAYLOAD), token).json()["duplicates"] == 1
    incident = Incident.objects.get()
    assert incident.status == "escalated"  # resolution is a timeline event, not a close
    assert incident.events.filter(kind="alert_resolved").count() == 1
    # A new episode of the same alert (a new startsAt) attaches to the still-open incident.
    again = copy.deepcopy(PAYLOAD)
    again["alerts"][0]["startsAt"] = "2026-11-29T02:00:00Z"
    post(client, again, token)
    assert Incident.objects.count() == 1
    assert incident.events.filter(kind="alert_fired").count() == 2


def test_label_mapping_and_severity_labels(client, token, seeded):
    LabelMapping.objects.create(label="service", value="chroma", risk=Risk.objects.get(code="R-4"))
    body = copy.deepcopy(PAYLOAD)
    body["alerts"][0]["labels"] = {"alertname": "ChromaSlow", "service": "chroma", "severity": "warning"}
    post(client, body, token)
    incident = Incident.objects.get()
    assert [r.code for r in incident.risks.all()] == ["R-4"]
    assert (incident.severity, incident.status) == ("medium", "assigned")


def test_truncated_groups_are_noted(client, token, seeded):
    body = copy.deepcopy(PAYLOAD)
    body["truncatedAlerts"] = 7
    post(client, body, token)
    assert Incident.objects.get().events.filter(kind="note", message__contains="truncated 7").exists()


def test_the_env_token_works_too(client, settings, seeded):
    settings.ALERTMANAGER_WEBHOOK_TOKEN = "from-the-environment"
    assert post(client, PAYLOAD, "from-the-environment").status_code == 200


@pytest.mark.parametrize("header", [None, "wrong", ""])
def test_a_wrong_or_missing_token_is_401_and_writes_nothing(client, token, seeded, header):
    response = post(client, PAYLOAD, header)
    assert response.status_code == 401
    assert not Incident.objects.exists() and not ExternalAlert.objects.exists()


def test_an_inactive_token_is_refused(client, token, seeded):
    IntegrationToken.objects.update(active=False)
    assert post(client, PAYLOAD, token).status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "JSON object"),
        (json.dumps({"alerts": "x"}), "alerts"),
        (json.dumps({"alerts": [{"status": "firing", "fingerprint": "a", "startsAt": "yesterday"}]}), "RFC 3339"),
        (
            json.dumps({"alerts": [{"status": "weird", "fingerprint": "a", "startsAt": "2026-11-29T01:00:00Z"}]}),
            "status",
        ),
        (json.dumps({"alerts": [{"status": "firing", "startsAt": "2026-11-29T01:00:00Z"}]}), "fingerprint"),
    ],
)
def test_bad_payloads_are_400_and_write_nothing(client, token, seeded, body, message):
    response = post(client, body, token, raw=True)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Incident.objects.exists() and not ExternalAlert.objects.exists()


def test_a_bad_alert_late_in_a_group_writes_nothing(client, token, seeded):
    body = copy.deepcopy(PAYLOAD)
    body["alerts"].append({"status": "firing", "labels": {}, "startsAt": "2026-11-29T01:00:00Z"})
    assert post(client, body, token).status_code == 400
    assert not Incident.objects.exists()


def test_a_huge_body_is_413(client, token, seeded):
    body = copy.deepcopy(PAYLOAD)
    body["alerts"][0]["annotations"]["description"] = "x" * (1024 * 1024 + 1)
    response = post(client, body, token)
    assert response.status_code == 413
    assert not Incident.objects.exists()
