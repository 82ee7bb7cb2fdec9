"""An accepted risk whose indicator goes critical: the real evaluator ends the acceptance."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from register import acceptances, roles
from register.choices import AcceptanceState, Treatment
from tests.conftest import make_user
from tests.monitoring.test_pipeline import feed

pytestmark = pytest.mark.django_db


def test_a_critical_indicator_invalidates_the_acceptance(indicator, django_capture_on_commit_callbacks):
    owner = make_user("olga", roles.RISK_OWNER)
    owner.email = "olga@example.org"
    owner.save()
    risk = indicator.risk
    risk.owner = owner
    risk.save()
    with django_capture_on_commit_callbacks():
        feed([100, 300])  # normal, then one warning: the snapshot sees it
    acceptance = acceptances.request(
        risk, owner, justification="latency is tolerable", expires_on=timezone.localdate() + timedelta(days=30)
    )
    acceptance = acceptances.approve(acceptance, make_user("rita", roles.REVIEWER))
    assert acceptance.snapshot["indicators"][0]["state"] == "warning"
    assert acceptance.snapshot["indicators"][0]["value"] == 300
    with django_capture_on_commit_callbacks():
        feed([300, 600, 600], start=2)  # warning fires, then escalates to critical
    acceptance.refresh_from_db()
    assert acceptance.state == AcceptanceState.INVALIDATED
    assert "API response time went critical" in acceptance.end_reason
    risk.refresh_from_db()
    assert risk.treatment == Treatment.UNDECIDED and risk.needs_reassessment
    assert Notification.objects.filter(key=f"acceptance:{acceptance.pk}:invalidated").count() == 1


def test_a_warning_leaves_the_acceptance_alone(indicator, django_capture_on_commit_callbacks):
    owner = make_user("olga", roles.RISK_OWNER)
    risk = indicator.risk
    risk.owner = owner
    risk.save()
    acceptance = acceptances.request(
        risk, owner, justification="x", expires_on=timezone.localdate() + timedelta(days=30)
    )
    acceptances.approve(acceptance, make_user("rita", roles.REVIEWER))
    with django_capture_on_commit_callbacks():
        feed([300, 300, 300])
    acceptance.refresh_from_db()
    assert acceptance.state == AcceptanceState.ACTIVE
