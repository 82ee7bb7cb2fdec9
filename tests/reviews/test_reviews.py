from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from register.models import Risk
from reviews.actions import complete, open_review
from reviews.models import Reassessment, Review
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return make_user("rene", "reviewer")


def test_opening_copies_the_plans_checklist_once(seeded):
    review, created = open_review("weekly", today=date(2026, 11, 27))
    assert created and (review.period, review.due_date) == ("2026-W48", date(2026, 11, 29))
    assert review.items.count() == 12
    assert review.items.first().section == "パフォーマンス"
    again, created = open_review("weekly", today=date(2026, 11, 28))
    assert not created and again == review and Review.objects.count() == 1


def test_the_monthly_review_lists_every_open_risk_flagged_ones_first(seeded):
    Risk.objects.filter(code="R-7").update(needs_reassessment=True)
    Risk.objects.filter(code="R-6").update(status="closed")
    review, _ = open_review("monthly", today=date(2026, 12, 1))
    assert (review.period, review.items.count()) == ("2026-11", 4)
    codes = list(review.reassessments.values_list("risk__code", flat=True))
    assert codes[0] == "R-7" and "R-6" not in codes and len(codes) == 6


def test_complete_applies_rescores_with_history_and_next_review_dates(seeded, reviewer):
    review, _ = open_review("monthly", "2026-11")
    row = review.reassessments.get(risk__code="R-1")
    row.proposed_likelihood, row.rationale = 1, "caching shipped; p95 down to 120 ms"
    row.save()
    Risk.objects.filter(code="R-2").update(needs_reassessment=True)
    complete(review, reviewer)
    risk = Risk.objects.get(code="R-1")
    assert (risk.impact, risk.likelihood, risk.score, risk.level) == (4, 1, 4, "low")
    change = risk.score_changes.first()
    assert (change.source, change.reason, change.changed_by) == (
        "review",
        "caching shipped; p95 down to 120 ms",
        reviewer,
    )
    today = timezone.localdate()
    assert risk.next_review_date == today + timedelta(days=90)
    assert Risk.objects.get(code="R-2").next_review_date == today + timedelta(days=7)
    assert not Risk.objects.filter(needs_reassessment=True).exists()
    review.refresh_from_db()
    assert review.is_locked and review.completed_by == reviewer
    with pytest.raises(ValidationError, match="completed already"):
        complete(review, reviewer)


def test_complete_is_all_or_nothing(seeded, reviewer):
    review, _ = open_review("monthly", "2026-11")
    first = review.reassessments.get(risk__code="R-1")
    first.proposed_impact, first.rationale = 2, "fine"
    first.save()
    Reassessment.objects.filter(pk=review.reassessments.get(risk__code="R-2").pk).update(proposed_likelihood=3)
    with pytest.raises(ValidationError, match="why"):  # a change without a rationale
        complete(review, reviewer)
    assert Risk.objects.get(code="R-1").impact == 4
    assert Review.objects.get(pk=review.pk).status == "open"


def test_a_review_completed_after_a_re_score_keeps_the_re_score(seeded, reviewer):
    review, _ = open_review("monthly", "2026-11")
    row = review.reassessments.get(risk__code="R-1")
    row.proposed_likelihood, row.rationale = 1, "caching shipped"
    row.save()
    # While the review is open, someone re-scores R-1's impact in the admin.
    risk = Risk.objects.get(code="R-1")
    risk.impact = 5
    risk.save(change_reason="a second region went down")
    with pytest.raises(ValidationError, match=r"R-1 is now 5 × 3 \(the review captured 4 × 3\)"):
        complete(review, reviewer)
    risk.refresh_from_db()
    assert (risk.impact, risk.likelihood) == (5, 3)  # not reset to the captured 4
    assert Review.objects.get(pk=review.pk).status == "open"
    row.refresh_from_db()
    assert (row.current_impact, row.current_likelihood) == (5, 3)  # the reviewer sees the newer score

    complete(review, reviewer)  # having seen it, the proposal applies over the newer score
    risk.refresh_from_db()
    assert (risk.impact, risk.likelihood) == (5, 1)


def test_a_re_score_of_a_risk_the_review_does_not_change_is_left_alone(seeded, reviewer):
    review, _ = open_review("monthly", "2026-11")
    risk = Risk.objects.get(code="R-2")
    risk.impact = 1
    risk.save(change_reason="re-scored in the admin")
    complete(review, reviewer)
    assert Risk.objects.get(code="R-2").impact == 1


def test_only_reviewers_complete(seeded, viewer):
    review, _ = open_review("weekly", "2026-W48")
    with pytest.raises(PermissionDenied):
        complete(review, viewer)


def test_the_command_and_the_schedules(seeded, capsys):
    call_command("open_review", "weekly", "--period", "2026-W48")
    assert "opened (12 items" in capsys.readouterr().out
    call_command("open_review", "weekly", "--period", "2026-W48")
    assert "already open" in capsys.readouterr().out
    with pytest.raises(Exception, match="ISO week"):
        call_command("open_review", "weekly", "--period", "2026-48")
    friday = PeriodicTask.objects.get(task="reviews.tasks.open_weekly_review").crontab
    first = PeriodicTask.objects.get(task="reviews.tasks.open_monthly_review").crontab
    assert (friday.day_of_week, friday.hour) == ("5", "9") and first.day_of_month == "1"


def test_admin_completes_a_review_and_locks_it(client, seeded, reviewer):
    from django.urls import reverse

    review, _ = open_review("monthly", "2026-11")
    client.force_login(reviewer)
    url = reverse("admin:reviews_review_changelist")
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "complete_reviews", "_selected_action": [review.pk]}, follow=True)
    assert "completed" in response.content.decode()
    review.refresh_from_db()
    assert review.is_locked
    page = client.get(reverse("admin:reviews_review_change", args=[review.pk])).content.decode()
    assert 'name="_save"' not in page  # locked: read-only
