import pytest
from django.utils import timezone

from incidents.models import Incident, Postmortem
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def responder(db):
    return make_user("rita", "incident responder")


def test_open_assess_and_walk_the_flow(api_as, responder, seeded):
    client = api_as(responder)
    created = client.post("/api/v1/incidents/", {"title": "Graph timeouts", "risks": ["R-2"]}, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert (created.data["status"], created.data["source"]) == ("detected", "api")
    assert created.data["allowed_transitions"] == ["declined"]  # severity first

    conflict = client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "assessed"}, format="json")
    assert conflict.status_code == 409
    assert "severity" in conflict.data["detail"] and conflict.data["allowed"] == ["declined"]

    assert client.patch(f"/api/v1/incidents/{pk}/", {"severity": "medium"}, format="json").status_code == 200
    for to in ("assessed", "assigned", "investigating", "fixing", "testing", "deploying"):
        response = client.post(f"/api/v1/incidents/{pk}/transition/", {"to": to, "note": f"now {to}"}, format="json")
        assert response.status_code == 200, response.data
    blocked = client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "resolved"}, format="json")
    assert blocked.status_code == 409 and "root cause" in blocked.data["detail"]
    client.patch(f"/api/v1/incidents/{pk}/", {"root_cause": "connection pool exhausted"}, format="json")
    assert client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "resolved"}, format="json").status_code == 200
    assert client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "closed"}, format="json").status_code == 409
    response = client.put(
        f"/api/v1/incidents/{pk}/postmortem/",
        {"summary": "pool too small", "completed_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "closed"}, format="json").status_code == 200
    assert Postmortem.objects.get(incident_id=pk).is_complete

    timeline = client.get(f"/api/v1/incidents/{pk}/timeline/").data
    assert [e["kind"] for e in timeline][0] == "created"
    assert [e["data"].get("to") for e in timeline if e["kind"] == "status"][-1] == "closed"
    assert all(e["actor"] == "rita" for e in timeline)


def test_notes_and_unknown_states(api_as, responder):
    client = api_as(responder)
    pk = client.post("/api/v1/incidents/", {"title": "x", "severity": "low"}, format="json").data["id"]
    note = client.post(f"/api/v1/incidents/{pk}/notes/", {"message": "looking"}, format="json")
    assert note.status_code == 201 and note.data["kind"] == "note"
    unknown = client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "vanished"}, format="json")
    assert unknown.status_code == 409
    assert client.post(f"/api/v1/incidents/{pk}/notes/", {}, format="json").status_code == 400


def test_status_cannot_be_written_directly(api_as, responder):
    client = api_as(responder)
    pk = client.post("/api/v1/incidents/", {"title": "x", "severity": "low", "status": "closed"}, format="json").data[
        "id"
    ]
    client.patch(f"/api/v1/incidents/{pk}/", {"status": "closed"}, format="json")
    assert Incident.objects.get(pk=pk).status == "detected"


def test_a_viewer_cannot_transition_or_write(api_as, viewer, responder):
    pk = api_as(responder).post("/api/v1/incidents/", {"title": "x", "severity": "low"}, format="json").data["id"]
    client = api_as(viewer)
    assert client.get(f"/api/v1/incidents/{pk}/").status_code == 200
    assert client.post(f"/api/v1/incidents/{pk}/transition/", {"to": "assessed"}, format="json").status_code == 403
    assert client.post(f"/api/v1/incidents/{pk}/notes/", {"message": "hi"}, format="json").status_code == 403
    assert client.post("/api/v1/incidents/", {"title": "y"}, format="json").status_code == 403
    assert Incident.objects.get(pk=pk).status == "detected"


def test_risk_side_and_stats(api_as, responder, viewer, seeded):
    from datetime import timedelta

    from django.utils import timezone

    from register.models import Risk

    client = api_as(responder)
    pk = client.post("/api/v1/incidents/", {"title": "slow", "severity": "high", "risks": ["R-1"]}, format="json").data[
        "id"
    ]
    assert Risk.objects.get(code="R-1").needs_reassessment  # flagged for the next review
    detected = timezone.now() - timedelta(minutes=90)
    Incident.objects.filter(pk=pk).update(
        detected_at=detected,
        acknowledged_at=detected + timedelta(minutes=6),
        resolved_at=detected + timedelta(minutes=60),
    )
    summary = api_as(viewer).get("/api/v1/risks/R-1/").data["incidents"]
    assert (summary["count"], summary["open"], summary["mttr_minutes"]) == (1, 1, 60.0)
    assert summary["last"]["id"] == pk
    stats = api_as(viewer).get("/api/v1/incidents/stats/").data
    assert stats["high"] == {"incidents": 1, "mtta_minutes": 6.0, "mttr_minutes": 60.0}
    assert stats["low"] == {"incidents": 0, "mtta_minutes": None, "mttr_minutes": None}


def test_edits_from_the_api_reach_the_timeline(api_as, responder, seeded):
    client = api_as(responder)
    pk = client.post("/api/v1/incidents/", {"title": "x", "severity": "low", "risks": ["R-1"]}, format="json").data[
        "id"
    ]
    client.patch(
        f"/api/v1/incidents/{pk}/",
        {"severity": "high", "risks": ["R-1", "R-2"], "assignee": responder.pk},
        format="json",
    )
    events = {e["kind"]: e for e in client.get(f"/api/v1/incidents/{pk}/timeline/").data}
    assert events["severity"]["message"] == "severity low → high"
    assert events["link"]["data"] == {"added": ["R-2"], "removed": []}
    assert "assignee rita" in events["assignment"]["message"]
