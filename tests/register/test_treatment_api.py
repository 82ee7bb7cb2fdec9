"""The treatment API: risk fields, acceptances and their moves, appetite versions — 401/403/400/409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from register import roles
from register.models import Appetite, Risk, RiskAcceptance
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
ACCEPTANCES = "/api/v1/acceptances/"
APPETITE = "/api/v1/appetite/"
IN_30_DAYS = (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def mine(owner):
    risk = Risk(title="Token leak", impact=4, likelihood=3, owner=owner)
    risk.save()
    return risk


@pytest.fixture
def reviewer(db):
    return make_user("rita", roles.REVIEWER)


def test_risk_carries_the_three_assessments_treatment_and_appetite(api_as, owner, mine):
    url = reverse("api:risk-detail", args=[mine.code])
    body = api_as(owner).get(url).json()
    assert (body["inherent_impact"], body["inherent_likelihood"], body["inherent_score"]) == (4, 3, 12)
    assert body["target_score"] is None and body["treatment"] == "" and body["appetite_status"] == ""
    assert body["proposal"] is None
    response = api_as(owner).patch(
        url,
        {"target_impact": 4, "target_likelihood": 1, "treatment": "mitigate", "score_change_reason": "MFA planned"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["target_score"], body["treatment"], body["treatment_decided_by"]) == (4, "mitigate", "olga")
    history = api_as(owner).get(url).json()["score_history"]
    assert [(h["assessment"], h["new_score"], h["reason"]) for h in history][:1] == [("target", 4, "MFA planned")]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"target_impact": 3}, "target_likelihood"),
        ({"inherent_likelihood": None, "inherent_impact": 5}, "inherent_likelihood"),
        ({"target_impact": 6, "target_likelihood": 1}, "target_impact"),
        ({"treatment": "transfer", "treatment_rationale": "insured"}, "treatment_counterparty"),
        ({"treatment": "avoid"}, "treatment_rationale"),
        ({"treatment": "mitigate", "treatment_counterparty": "ACME"}, "treatment_counterparty"),
        ({"treatment": "ignore"}, "treatment"),
        ({"appetite_status": "within", "treatment": 7}, "treatment"),
    ],
)
def test_bad_treatment_input_is_a_400_naming_the_field(api_as, owner, mine, patch, field):
    response = api_as(owner).patch(reverse("api:risk-detail", args=[mine.code]), patch, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    mine.refresh_from_db()
    assert (mine.treatment, mine.target_score, mine.inherent_score) == ("", None, 12)


def test_filter_by_treatment_and_appetite(api_as, viewer, mine):
    Appetite.objects.create(appetite=4, tolerance=9, reason="board")
    mine.treatment = "mitigate"
    mine.save()
    rows = api_as(viewer).get("/api/v1/risks/", {"appetite_status": "outside", "treatment": "mitigate"}).json()
    assert [r["code"] for r in rows["results"]] == [mine.code]
    assert api_as(viewer).get("/api/v1/risks/", {"appetite_status": "sideways"}).status_code == 400


def test_acceptance_request_approve_and_refusals(api_as, owner, reviewer, viewer, mine):
    # A viewer may read but not request.
    assert api_as(viewer).post(ACCEPTANCES, {}, format="json").status_code == 403
    bad = api_as(owner).post(
        ACCEPTANCES, {"risk": mine.code, "justification": "x", "expires_on": "2001-01-01"}, format="json"
    )
    assert bad.status_code == 400 and "expires_on" in bad.json()
    missing = api_as(owner).post(
        ACCEPTANCES, {"risk": "R-99999", "justification": "x", "expires_on": IN_30_DAYS}, format="json"
    )
    assert missing.status_code == 400 and "risk" in missing.json()
    created = api_as(owner).post(
        ACCEPTANCES, {"risk": mine.code, "justification": "cheaper than a fix", "expires_on": IN_30_DAYS}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["state"] == "requested" and created.json()["requested_by"] == "olga"
    # The requester cannot approve; a viewer cannot either; the reviewer can.
    assert api_as(owner).post(f"{ACCEPTANCES}{pk}/approve/", {}, format="json").status_code == 403
    assert api_as(viewer).post(f"{ACCEPTANCES}{pk}/approve/", {}, format="json").status_code == 403
    approved = api_as(reviewer).post(f"{ACCEPTANCES}{pk}/approve/", {"note": "until Q1"}, format="json")
    assert approved.status_code == 200, approved.content
    assert (approved.json()["state"], approved.json()["accepted_score"]) == ("active", 12)
    # Approving twice is a conflict that names the state and the moves left.
    again = api_as(reviewer).post(f"{ACCEPTANCES}{pk}/approve/", {}, format="json")
    assert again.status_code == 409 and again.json()["state"] == "active" and again.json()["allowed"] == ["revoke"]
    assert api_as(reviewer).post(f"{ACCEPTANCES}{pk}/revoke/", {"note": 5}, format="json").status_code == 400
    assert api_as(reviewer).post(f"{ACCEPTANCES}{pk}/revoke/", {}, format="json").json()["state"] == "revoked"
    assert api_as(viewer).get(ACCEPTANCES, {"state": "revoked"}).json()["results"][0]["id"] == pk
    assert api_as(viewer).get(f"{ACCEPTANCES}{pk}/").json()["snapshot"]["scores"]["current"]["score"] == 12


def test_acceptance_moves_need_a_login(api, mine):
    assert api.post(f"{ACCEPTANCES}1/approve/", {}, format="json").status_code == 401


def test_appetite_versions(api_as, administrator, viewer, owner, mine):
    assert (
        api_as(owner).post(APPETITE, {"appetite": 4, "tolerance": 9, "reason": "x"}, format="json").status_code == 403
    )
    bad = api_as(administrator).post(APPETITE, {"appetite": 10, "tolerance": 8, "reason": "x"}, format="json")
    assert bad.status_code == 400 and "tolerance" in bad.json()
    assert api_as(administrator).post(APPETITE, {"appetite": 4, "tolerance": 9}, format="json").status_code == 400
    assert not Appetite.objects.exists()
    first = api_as(administrator).post(APPETITE, {"appetite": 4, "tolerance": 9, "reason": "cautious"}, format="json")
    assert first.status_code == 201, first.content
    mine.refresh_from_db()
    assert mine.appetite_status == "outside"
    api_as(administrator).post(APPETITE, {"appetite": 12, "tolerance": 16, "reason": "funded"}, format="json")
    mine.refresh_from_db()
    assert mine.appetite_status == "within"
    rows = api_as(viewer).get(APPETITE).json()["results"]
    assert [(r["appetite"], r["in_force"], r["set_by"]) for r in rows] == [(12, True, "alice"), (4, False, "alice")]


def test_acceptances_and_appetite_pages_are_bounded_in_queries(
    api_as, viewer, owner, reviewer, django_assert_max_num_queries
):
    for n in range(12):
        risk = Risk(title=f"r{n}", impact=3, likelihood=3, owner=owner)
        risk.save()
        RiskAcceptance.objects.create(
            risk=risk, justification="x", expires_on=timezone.localdate() + timedelta(days=9), requested_by=owner
        )
    client = api_as(viewer)
    client.get(ACCEPTANCES)
    with django_assert_max_num_queries(6):
        assert len(client.get(ACCEPTANCES).json()["results"]) == 12
