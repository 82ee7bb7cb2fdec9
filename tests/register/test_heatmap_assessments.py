"""The heat map by any of the three assessments, the appetite line, and the inherent → current →
target arrows — in the API and on the admin page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from register import appetite
from register.heatmap import heatmap
from register.models import Appetite, Risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def risks():
    a = Risk(
        title="a",
        impact=4,
        likelihood=3,
        inherent_impact=5,
        inherent_likelihood=4,
        target_impact=4,
        target_likelihood=1,
    )
    a.save()
    b = Risk(title="b", impact=2, likelihood=2)
    b.save()
    return a, b


def count_at(grid, impact, likelihood):
    return next(c.count for row in grid for c in row if (c.impact, c.likelihood) == (impact, likelihood))


@pytest.mark.parametrize(
    ("assessment", "cells"),
    [
        ("current", {(4, 3): 1, (2, 2): 1}),
        ("inherent", {(5, 4): 1, (2, 2): 1}),
        ("target", {(4, 1): 1}),  # b has no target: it is not on the target grid
    ],
)
def test_counts_by_assessment(risks, assessment, cells):
    grid = heatmap(Risk.objects.all(), assessment)
    assert sum(c.count for row in grid for c in row) == sum(cells.values())
    for (impact, likelihood), n in cells.items():
        assert count_at(grid, impact, likelihood) == n


def test_the_api_takes_an_assessment_and_refuses_others(api_as, viewer, risks):
    client = api_as(viewer)
    cells = client.get("/api/v1/heatmap/", {"assessment": "inherent"}).json()
    assert next(c["count"] for c in cells if (c["impact"], c["likelihood"]) == (5, 4)) == 1
    bad = client.get("/api/v1/heatmap/", {"assessment": "residual"})
    assert bad.status_code == 400 and "assessment" in bad.json()
    moves = client.get("/api/v1/heatmap/moves/").json()
    assert moves[0] == {"code": risks[0].code, "inherent": [5, 4], "current": [4, 3], "target": [4, 1]}
    assert moves[1]["target"] is None


def test_cells_carry_the_programme_appetite(risks):
    assert {c.appetite for row in heatmap() for c in row} == {""}
    Appetite.objects.create(appetite=6, tolerance=12, reason="x")
    appetite.refresh()
    grid = heatmap()
    by_score = {c.score: c.appetite for row in grid for c in row}
    assert (by_score[6], by_score[8], by_score[12], by_score[15]) == ("within", "watch", "watch", "outside")


def test_the_admin_page_draws_the_arrows(client, administrator, risks):
    Appetite.objects.create(appetite=6, tolerance=12, reason="x")
    client.force_login(administrator)
    page = client.get(reverse("admin:heatmap"), {"assessment": "target"}).content.decode()
    assert "<strong>Target</strong>" in page
    assert page.count('marker-end="url(#arrow-inherent)"') == 1 and page.count('marker-end="url(#arrow-target)"') == 1
    assert "box-shadow:inset 0 0 0 3px #222" in page  # the cells beyond the tolerance
    # A value that is not an assessment shows the current grid rather than an error.
    assert client.get(reverse("admin:heatmap"), {"assessment": "<script>"}).status_code == 200
