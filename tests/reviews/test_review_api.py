"""Reviews through the API and the admin workbench: edits, locks, permissions, completion, reports."""

import pytest
from django.urls import reverse

from register.models import Risk
from reviews.actions import open_review
from reviews.models import Review
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return make_user("rene", "reviewer")


@pytest.fixture
def monthly(seeded):
    return open_review("monthly", "2026-11")[0]


def test_list_and_detail(api_as, viewer, monthly, django_assert_max_num_queries):
    open_review("weekly", "2026-W48")
    client = api_as(viewer)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/reviews/").json()
    expected = [(r.period, r.is_overdue()) for r in Review.objects.order_by("-period_start")]
    assert [(r["period"], r["overdue"]) for r in listed["results"]] == expected
    assert [period for period, _ in expected] == ["2026-W48", "2026-11"]
    detail = client.get(f"/api/v1/reviews/{monthly.pk}/").json()
    assert len(detail["items"]) == 4 and len(detail["reassessments"]) == 7
    assert detail["reassessments"][0]["risk"].startswith("R-")


def test_the_reviewer_works_through_a_review(api_as, reviewer, monthly):
    client = api_as(reviewer)
    base = f"/api/v1/reviews/{monthly.pk}"
    item = monthly.items.first()
    response = client.patch(f"{base}/items/{item.pk}/", {"done": True, "note": "checked"}, format="json")
    assert response.status_code == 200 and response.json()["done"] is True
    row = monthly.reassessments.get(risk__code="R-3")
    bad = client.patch(f"{base}/reassessments/{row.pk}/", {"proposed_impact": 2}, format="json")
    assert bad.status_code == 400 and "rationale" in bad.json()
    out_of_scale = client.patch(
        f"{base}/reassessments/{row.pk}/", {"proposed_impact": 9, "rationale": "x"}, format="json"
    )
    assert out_of_scale.status_code == 400
    good = client.patch(
        f"{base}/reassessments/{row.pk}/", {"proposed_impact": 2, "rationale": "memory limits set"}, format="json"
    )
    assert good.status_code == 200
    action = client.post(f"{base}/actions/", {"text": "automate the weekly export", "owner": "rene"}, format="json")
    assert action.status_code == 201 and action.json()["owner"] == "rene"
    done = client.post(f"{base}/complete/")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    risk = Risk.objects.get(code="R-3")
    assert (risk.impact, risk.score) == (2, 8)
    locked = client.patch(f"{base}/items/{item.pk}/", {"note": "too late"}, format="json")
    assert locked.status_code == 400 and "completed already" in str(locked.json())
    assert client.post(f"{base}/complete/").status_code == 400
    pdf = client.get(f"{base}/report/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    html = client.get(f"{base}/report/html/")
    assert "R-3" in html.content.decode()


def test_viewers_read_but_do_not_edit_or_complete(api_as, viewer, monthly):
    client = api_as(viewer)
    item = monthly.items.first()
    assert (
        client.patch(f"/api/v1/reviews/{monthly.pk}/items/{item.pk}/", {"done": True}, format="json").status_code == 403
    )
    assert client.post(f"/api/v1/reviews/{monthly.pk}/complete/").status_code == 403
    assert Review.objects.get(pk=monthly.pk).status == "open"


def test_a_row_of_another_review_is_not_found(api_as, reviewer, monthly):
    weekly = open_review("weekly", "2026-W48")[0]
    item = weekly.items.first()
    response = api_as(reviewer).patch(f"/api/v1/reviews/{monthly.pk}/items/{item.pk}/", {"done": True}, format="json")
    assert response.status_code == 404


def test_the_workbench_page(client, reviewer, viewer, monthly):
    client.force_login(reviewer)
    url = reverse("admin:reviews_review_change", args=[monthly.pk])
    page = client.get(url).content.decode()
    assert 'id="review-complete"' in page and "Refresh evidence" in page
    assert "R-1" in page and "new risks (step 1)" in page.lower()
    assert client.post(reverse("admin:reviews_review_refresh", args=[monthly.pk])).status_code == 302
    response = client.post(reverse("admin:reviews_review_complete", args=[monthly.pk]), follow=True)
    assert "completed" in response.content.decode()
    assert Review.objects.get(pk=monthly.pk).is_locked
    pdf = client.get(reverse("admin:reviews_review_report", args=[monthly.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    client.force_login(viewer)
    assert 'id="review-complete"' not in client.get(url).content.decode()


def test_only_reviewers_complete_from_the_workbench(client, viewer, monthly):
    client.force_login(viewer)
    response = client.post(reverse("admin:reviews_review_complete", args=[monthly.pk]))
    assert response.status_code == 403
    assert not Review.objects.get(pk=monthly.pk).is_locked


def test_the_index_lists_open_and_overdue_reviews(client, reviewer, seeded):
    overdue, _ = open_review("weekly", "2026-W40")
    client.force_login(reviewer)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Open reviews" in page and str(overdue) in page and "overdue" in page
