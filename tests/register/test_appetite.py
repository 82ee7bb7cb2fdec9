"""Appetite per category with a programme default, versioned; risks judged within / watch / outside."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import Notification
from register import appetite, roles
from register.choices import AppetiteBasis
from register.choices import AppetiteStatus as A
from register.models import Appetite, Category, Risk
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "status"),
    [(None, A.NONE), (1, A.WITHIN), (8, A.WITHIN), (9, A.WATCH), (12, A.WATCH), (13, A.OUTSIDE), (25, A.OUTSIDE)],
)
def test_judge(score, status):
    assert appetite.judge(score, appetite=8, tolerance=12) == status


@given(st.integers(1, 25), st.integers(1, 25), st.integers(1, 25))
def test_a_higher_score_never_sits_better(score, low, high):
    low, high = min(low, high), max(low, high)
    order = [A.WITHIN, A.WATCH, A.OUTSIDE]
    if score < 25:
        assert order.index(appetite.judge(score, low, high)) <= order.index(appetite.judge(score + 1, low, high))


@pytest.fixture
def tech():
    return Category.objects.create(name="技術的リスク")


def make_risk(impact, likelihood, **kwargs):
    risk = Risk(title=f"risk {impact}×{likelihood}", impact=impact, likelihood=likelihood, **kwargs)
    risk.save()
    return risk


def set_appetite(category, low, high, basis=AppetiteBasis.CURRENT):
    version = Appetite(category=category, appetite=low, tolerance=high, basis=basis, reason="board decision")
    version.full_clean()
    version.save()
    appetite.refresh(None if category is None else Risk.objects.filter(category=category))
    return version


def test_no_appetite_no_status(tech):
    assert make_risk(4, 3, category=tech).appetite_status == A.NONE


def test_category_appetite_wins_over_the_default_and_new_versions_rejudge(tech):
    other = Category.objects.create(name="統合リスク")
    in_tech, in_other = make_risk(4, 3, category=tech), make_risk(4, 3, category=other)
    set_appetite(None, 12, 16)
    set_appetite(tech, 4, 9)
    in_tech.refresh_from_db()
    in_other.refresh_from_db()
    assert (in_tech.appetite_status, in_other.appetite_status) == (A.OUTSIDE, A.WITHIN)
    # A new version is a new row: the old one stays as history, and the risk is judged again.
    set_appetite(tech, 12, 15)
    in_tech.refresh_from_db()
    assert in_tech.appetite_status == A.WITHIN
    assert Appetite.objects.filter(category=tech).count() == 2
    assert Appetite.objects.by_category()[tech.pk].appetite == 12


def test_basis_target_judges_where_the_risk_is_going(tech):
    risk = make_risk(4, 4, category=tech, target_impact=4, target_likelihood=2)
    set_appetite(tech, 8, 10, basis=AppetiteBasis.TARGET)
    risk.refresh_from_db()
    assert risk.appetite_status == A.WITHIN
    risk.target_impact = risk.target_likelihood = None
    risk.save()
    assert risk.appetite_status == A.OUTSIDE  # no target: judged on the current score


def test_moving_outside_flags_and_tells_the_owner_once(tech):
    owner = make_user("olga", roles.RISK_OWNER)
    owner.email = "olga@example.org"
    owner.save()
    set_appetite(tech, 8, 12)
    risk = make_risk(3, 3, category=tech, owner=owner)
    assert risk.appetite_status == A.WATCH and not risk.needs_reassessment
    risk.likelihood = 5  # 15
    risk.save()
    risk.refresh_from_db()
    assert risk.appetite_status == A.OUTSIDE and risk.needs_reassessment
    assert "outside appetite" in risk.review_reason
    assert Notification.objects.filter(recipient=owner.email, key__startswith=f"risk:{risk.pk}:outside").count() == 1
    risk.description = "an edit that is not a re-score"
    risk.save()
    assert Notification.objects.filter(recipient=owner.email).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"appetite": 0}, "appetite"),
        ({"tolerance": 26}, "tolerance"),
        ({"appetite": 10, "tolerance": 9}, "tolerance"),
        ({"reason": " "}, "reason"),
    ],
)
def test_bad_versions_name_the_field(fields, field):
    version = Appetite(**{"appetite": 8, "tolerance": 12, "reason": "x", **fields})
    with pytest.raises(ValidationError) as info:
        version.full_clean()
    assert field in info.value.message_dict
