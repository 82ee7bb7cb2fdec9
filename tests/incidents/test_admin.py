import pytest
from django.urls import reverse

from incidents.models import Incident
from register.models import Risk
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def responder(db):
    return make_user("rita", "incident responder")


def test_changelist_and_change_page_show_only_allowed_transitions(client, responder, seeded):
    incident = Incident.objects.create(title="Neo4j down", severity="high")
    incident.risks.add(Risk.objects.get(code="R-2"))
    client.force_login(responder)
    listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert "Neo4j down" in listing and "R-2" in listing
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'data-state="assessed"' in page and 'data-state="declined"' in page
    assert 'data-state="closed"' not in page


def test_transition_button_moves_the_incident_and_rejects_what_is_not_allowed(client, responder):
    incident = Incident.objects.create(title="x", severity="low")
    client.force_login(responder)
    url = reverse("admin:incidents_incident_transition", args=[incident.pk, "assessed"])
    assert client.post(url).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "assessed"
    wrong = reverse("admin:incidents_incident_transition", args=[incident.pk, "escalated"])
    response = client.post(wrong, follow=True)
    assert "goes to backlogged" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "assessed"


def test_viewers_cannot_press_the_buttons(client, viewer):
    incident = Incident.objects.create(title="x", severity="low")
    client.force_login(viewer)
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "incident-transitions" not in page
    url = reverse("admin:incidents_incident_transition", args=[incident.pk, "assessed"])
    assert client.post(url).status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == "detected"


def test_acknowledge_button_and_endpoint(client, api_as, responder):
    incident = Incident.objects.create(title="x", severity="low")
    client.force_login(responder)
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "incident-acknowledge" in page
    # The button's form must not sit inside the change form (browsers drop nested forms).
    main = page.index('id="incident_form"')
    assert "</form>" in page[main : page.index('<form id="incident-acknowledge"')]
    assert client.post(reverse("admin:incidents_incident_acknowledge", args=[incident.pk])).status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    other = Incident.objects.create(title="y", severity="low")
    response = api_as(responder).post(f"/api/v1/incidents/{other.pk}/acknowledge/")
    assert response.status_code == 200 and response.data["acknowledged_at"]


def test_index_shows_mtta_and_mttr_and_the_risk_page_its_incidents(client, superuser, seeded):
    from datetime import timedelta

    from django.utils import timezone

    incident = Incident.objects.create(title="slow graph", severity="high")
    incident.risks.add(Risk.objects.get(code="R-2"))
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=timezone.now() + timedelta(minutes=4))
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "MTTA" in index and "MTTR" in index
    risk_page = client.get(reverse("admin:register_risk_change", args=[Risk.objects.get(code="R-2").pk]))
    assert "slow graph" in risk_page.content.decode()


def test_admin_edits_and_notes_reach_the_timeline(client, responder, seeded):
    from tests.forms import form_data

    incident = Incident.objects.create(title="x", severity="low")
    client.force_login(responder)
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = client.get(url).content.decode()
    data = form_data(
        page,
        "incident_form",
        severity="medium",
        add_note="called the vendor",
        risks=[str(Risk.objects.get(code="R-3").pk)],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    kinds = dict(incident.events.values_list("kind", "message"))
    assert kinds["severity"] == "severity low → medium"
    assert kinds["note"] == "called the vendor"
    assert kinds["link"] == "risks: +R-3"
