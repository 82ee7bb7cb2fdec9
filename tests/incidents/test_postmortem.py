import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import workflow
from incidents.models import ActionItem, Incident
from incidents.postmortem import markdown, to_mitigation
from register.models import Risk

pytestmark = pytest.mark.django_db


def reviewed_incident():
    incident = Incident.objects.create(title="Bolt outage", severity="high", root_cause="heap too small")
    incident.risks.add(Risk.objects.get(code="R-2"))
    for to in ("assessed", "escalated", "investigating", "fixing", "testing", "deploying", "resolved", "reviewing"):
        incident = workflow.transition(incident, to)
    return incident


def test_review_drafts_the_postmortem_and_close_needs_it_complete(seeded):
    incident = reviewed_incident()
    postmortem = incident.postmortem
    assert "escalated → investigating" in postmortem.timeline
    assert postmortem.root_cause == "heap too small"
    with pytest.raises(workflow.TransitionError):
        workflow.transition(incident, "closed")
    postmortem.completed_at = timezone.now()
    postmortem.save()
    assert workflow.transition(incident, "closed").status == "closed"


def test_action_item_becomes_a_mitigation_once(seeded, superuser):
    incident = reviewed_incident()
    item = ActionItem.objects.create(
        postmortem=incident.postmortem, title="Raise the Bolt heap to 1 GiB", owner=superuser
    )
    mitigation = to_mitigation(item)
    assert (mitigation.risk.code, mitigation.number, mitigation.kind) == ("R-2", 4, "reactive")
    assert to_mitigation(item) == mitigation
    assert Risk.objects.get(code="R-2").mitigations.count() == 4


def test_markdown_and_the_admin_page(client, superuser, seeded):
    incident = reviewed_incident()
    incident.postmortem.summary = "Graph <b>down</b> for 12 minutes"
    incident.postmortem.save()
    ActionItem.objects.create(postmortem=incident.postmortem, title="Alert on heap usage")
    text = markdown(incident)
    assert text.startswith(f"# Postmortem: INC-{incident.pk} Bolt outage")
    assert "## Root cause\n\nheap too small" in text and "- [ ] Alert on heap usage (unassigned)" in text
    client.force_login(superuser)
    url = reverse("admin:incidents_incident_postmortem", args=[incident.pk])
    page = client.get(url).content.decode()
    assert "<h2>Root cause</h2>" in page
    assert "&lt;b&gt;down&lt;/b&gt;" in page  # typed markup is shown, not rendered
    download = client.get(url, {"format": "md"})
    assert download["Content-Type"].startswith("text/markdown") and download.content.decode() == text
