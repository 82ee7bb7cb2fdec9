"""Treatment in the admin: the risk page reads inherent → current → target and the decision; an owner
requests an acceptance, a reviewer approves it by action; an administrator adds an appetite version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from register import roles
from register.models import Appetite, Risk, RiskAcceptance
from tests.conftest import make_user
from tests.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(owner):
    risk = Risk(title="Token leak", impact=4, likelihood=3, owner=owner, target_impact=4, target_likelihood=1)
    risk.save()
    return risk


def test_the_risk_page_shows_the_three_assessments_and_saves_a_decision(client, owner, risk):
    client.force_login(owner)
    url = reverse("admin:register_risk_change", args=[risk.pk])
    page = client.get(url).content.decode()
    assert "inherent 12 → <strong>current 12</strong> → target 4" in page
    form = form_data(
        page,
        "risk_form",
        inherent_impact="5",
        inherent_likelihood="4",
        treatment="transfer",
        treatment_counterparty="",
        treatment_rationale="insured",
    )
    response = client.post(url, form)
    assert response.status_code == 200 and "A transfer names who takes the risk over." in response.content.decode()
    form["treatment_counterparty"] = "Cyber insurer"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    risk.refresh_from_db()
    assert (risk.inherent_score, risk.treatment, risk.treatment_decided_by) == (20, "transfer", owner)
    assert risk.score_changes.filter(assessment="inherent", new_impact=5).exists()


def test_request_then_approve_by_action(client, owner, risk):
    client.force_login(owner)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        reverse("admin:register_riskacceptance_add"),
        {
            "risk": risk.pk,
            "justification": "compensating control",
            "starts_on": timezone.localdate().isoformat(),
            "expires_on": expires,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    acceptance = RiskAcceptance.objects.get()
    assert (acceptance.state, acceptance.requested_by) == ("requested", owner)
    changelist = reverse("admin:register_riskacceptance_changelist")
    # The requester's own approval is refused with the reason; a reviewer's goes through.
    client.post(changelist, {"action": "approve_selected", "_selected_action": [acceptance.pk]}, follow=True)
    acceptance.refresh_from_db()
    assert acceptance.state == "requested"
    client.force_login(make_user("rita", roles.REVIEWER))
    page = client.post(changelist, {"action": "approve_selected", "_selected_action": [acceptance.pk]}, follow=True)
    assert "1 acceptance(s) approved." in page.content.decode()
    acceptance.refresh_from_db()
    assert acceptance.state == "active"
    detail = client.get(reverse("admin:register_riskacceptance_change", args=[acceptance.pk])).content.decode()
    assert "current 12" in detail


def test_an_owner_cannot_request_for_a_risk_they_do_not_own(client, risk):
    other = make_user("otto", roles.RISK_OWNER)
    client.force_login(other)
    response = client.post(
        reverse("admin:register_riskacceptance_add"),
        {
            "risk": risk.pk,
            "justification": "x",
            "starts_on": timezone.localdate().isoformat(),
            "expires_on": "2099-01-01",
        },
    )
    assert response.status_code == 200 and not RiskAcceptance.objects.exists()


def test_appetite_version_rejudges_and_lists_in_force(client, administrator, risk):
    client.force_login(administrator)
    add = reverse("admin:register_appetite_add")
    response = client.post(
        add, {"appetite": 6, "tolerance": 10, "basis": "current", "reason": "cautious year"}, follow=True
    )
    assert "Risks re-judged: 1 outside." in response.content.decode()
    risk.refresh_from_db()
    assert risk.appetite_status == "outside"
    client.post(add, {"appetite": 12, "tolerance": 16, "basis": "current", "reason": "funded"})
    assert Appetite.objects.count() == 2
    risk.refresh_from_db()
    assert risk.appetite_status == "within"
    listing = client.get(reverse("admin:register_appetite_changelist")).content.decode()
    assert listing.count('alt="True"') == 1 and listing.count('alt="False"') == 1
    outside = client.get(reverse("admin:register_risk_changelist"), {"appetite_status__exact": "within"})
    assert risk.code in outside.content.decode()


def test_the_acceptance_list_is_a_fixed_number_of_queries(client, owner, django_assert_max_num_queries):
    client.force_login(make_user("rita", roles.REVIEWER))
    for n in range(15):
        risk = Risk(title=f"r{n}", impact=2, likelihood=2, owner=owner)
        risk.save()
        RiskAcceptance.objects.create(
            risk=risk, justification="x", expires_on=timezone.localdate() + timedelta(days=9), requested_by=owner
        )
    url = reverse("admin:register_riskacceptance_changelist")
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_index_counts_outside_appetite_and_acceptances(client, administrator, owner, risk):
    client.force_login(administrator)
    assert "acceptances waiting for approval" not in client.get(reverse("admin:index")).content.decode()
    Appetite.objects.create(appetite=4, tolerance=8, reason="x")
    risk.save()  # judged on save: 12 > 8
    RiskAcceptance.objects.create(
        risk=risk, justification="x", expires_on=timezone.localdate() + timedelta(days=9), requested_by=owner
    )
    page = client.get(reverse("admin:index")).content.decode()
    assert '?appetite_status__exact=outside">1</a>' in page
    assert '?state__exact=requested">1</a>' in page
