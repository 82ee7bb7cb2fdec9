"""Proposals in a review: shown with each row, copied in only when the reviewer asks, applied to the
risk only when the review completes — and never over the reviewer's own numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from register.choices import Assessment, ScoreSource
from register.models import Risk
from reviews.actions import apply_proposals, complete, open_review
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return make_user("rene", "reviewer")


@pytest.fixture
def troubled():
    risk = Risk(title="Graph database down", impact=4, likelihood=2)
    risk.save()
    for days_ago in (2, 9, 30):
        incident = Incident.objects.create(
            title=f"outage {days_ago}", detected_at=timezone.now() - timedelta(days=days_ago)
        )
        incident.risks.add(risk)
    return risk


def test_proposal_shown_applied_on_request_and_completed(troubled, reviewer):
    calm = Risk(title="Calm", impact=2, likelihood=2)
    calm.save()
    review, _ = open_review("weekly")  # the incidents flagged the risk: it is in the weekly review
    row = review.reassessments.get(risk=troubled)
    assert row.evidence["proposal"]["likelihood"] == 4
    assert row.proposed_likelihood is None  # shown, not applied
    assert not review.reassessments.filter(risk=calm).exists()
    assert apply_proposals(review) == 1
    row.refresh_from_db()
    assert row.proposed_likelihood == 4 and "3 incident(s) in 90 days" in row.rationale
    troubled.refresh_from_db()
    assert troubled.likelihood == 2  # nothing reaches the risk before completion
    complete(review, reviewer)
    troubled.refresh_from_db()
    assert (troubled.likelihood, troubled.score) == (4, 16)
    change = troubled.score_changes.get(assessment=Assessment.CURRENT, new_likelihood=4)
    assert change.source == ScoreSource.REVIEW and change.changed_by == reviewer


def test_the_reviewers_numbers_win(troubled):
    review, _ = open_review("weekly")
    row = review.reassessments.get(risk=troubled)
    row.proposed_likelihood, row.rationale = 3, "one outage was a drill"
    row.save()
    assert apply_proposals(review) == 0
    row.refresh_from_db()
    assert (row.proposed_likelihood, row.rationale) == (3, "one outage was a drill")


def test_a_target_needs_both_axes_and_a_rationale(troubled, reviewer):
    review, _ = open_review("weekly")
    row = review.reassessments.get(risk=troubled)
    row.proposed_target_impact = 4
    with pytest.raises(Exception) as info:
        row.full_clean()
    assert "proposed_target_likelihood" in info.value.message_dict
    row.proposed_target_likelihood, row.rationale = 1, "failover drilled"
    row.full_clean()
    row.save()
    complete(review, reviewer)
    troubled.refresh_from_db()
    assert (troubled.target_impact, troubled.target_likelihood, troubled.target_score) == (4, 1, 4)


def test_the_admin_button_applies_proposals(client, troubled, reviewer):
    review, _ = open_review("weekly")
    client.force_login(make_user("ria", "reviewer"))
    page = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    assert "Apply evidence proposals" in page.content.decode() and "likelihood 4" in page.content.decode()
    response = client.post(reverse("admin:reviews_review_apply_proposals", args=[review.pk]))
    assert response.status_code == 302
    assert review.reassessments.get(risk=troubled).proposed_likelihood == 4
