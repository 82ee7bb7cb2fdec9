"""The acceptance lifecycle: the table of moves, who may make them, expiry and reminders by the daily
sweep with a given day, extensions, and invalidation when the risk gets worse."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from notifications.models import Notification
from register import acceptances, roles
from register.choices import AcceptanceState as S
from register.choices import RiskStatus, Treatment
from register.models import Risk, RiskAcceptance
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ACTIONS = ("approve", "reject", "activate", "revoke", "expire", "invalidate", "supersede")
ALLOWED = {
    (S.REQUESTED, "approve"): S.APPROVED,
    (S.REQUESTED, "reject"): S.REJECTED,
    (S.APPROVED, "activate"): S.ACTIVE,
    (S.APPROVED, "revoke"): S.REVOKED,
    (S.APPROVED, "invalidate"): S.INVALIDATED,
    (S.APPROVED, "supersede"): S.SUPERSEDED,
    (S.ACTIVE, "expire"): S.EXPIRED,
    (S.ACTIVE, "revoke"): S.REVOKED,
    (S.ACTIVE, "invalidate"): S.INVALIDATED,
    (S.ACTIVE, "supersede"): S.SUPERSEDED,
}


@pytest.mark.parametrize(("state", "action"), list(product(S.values, ACTIONS)))
def test_every_move_of_every_state(state, action):
    if (state, action) in ALLOWED:
        assert acceptances.next_state(state, action) == ALLOWED[(state, action)]
    else:
        with pytest.raises(ValidationError):
            acceptances.next_state(state, action)


def test_ended_states_are_final():
    for state in (S.REJECTED, S.EXPIRED, S.REVOKED, S.INVALIDATED, S.SUPERSEDED):
        assert not [a for (s, a) in acceptances.TRANSITIONS if s == state]


@pytest.fixture
def people(db):
    owner = make_user("olga", roles.RISK_OWNER)
    owner.email = "olga@example.org"
    owner.save()
    return {
        "owner": owner,
        "approver": make_user("rita", roles.REVIEWER),
        # An administrator who may approve too: still not their own request.
        "admin_approver": make_user("alice", roles.ADMINISTRATOR),
        "viewer": make_user("victor", roles.VIEWER),
    }


@pytest.fixture
def risk(people):
    risk = Risk(title="Vector store outage", impact=4, likelihood=3, owner=people["owner"])
    risk.save()
    return risk


def requested(risk, people, days=60, **kwargs):
    return acceptances.request(
        risk,
        people["owner"],
        justification="cost of a second cluster exceeds the loss",
        expires_on=TODAY + timedelta(days=days),
        **kwargs,
    )


def test_request_approve_activates_and_snapshots(risk, people, django_capture_on_commit_callbacks):
    acceptance = requested(risk, people, conditions="nightly backup verified")
    assert acceptance.state == S.REQUESTED and acceptance.requested_by == people["owner"]
    approved = acceptances.approve(acceptance, people["approver"], note="ok until the migration")
    assert approved.state == S.ACTIVE
    assert (approved.decided_by, approved.accepted_score) == (people["approver"], 12)
    snapshot = approved.snapshot
    assert snapshot["scores"]["current"] == {"impact": 4, "likelihood": 3, "score": 12}
    assert snapshot["level"] == "high" and "indicators" in snapshot
    risk.refresh_from_db()
    assert (risk.treatment, risk.status) == (Treatment.ACCEPT, RiskStatus.ACCEPTED)
    assert risk.treatment_decided_by == people["approver"]


@pytest.mark.parametrize(
    ("who", "error"),
    [("owner", PermissionDenied), ("viewer", PermissionDenied)],
)
def test_only_a_different_user_with_the_permission_decides(risk, people, who, error):
    acceptance = requested(risk, people)
    with pytest.raises(error):
        acceptances.approve(acceptance, people[who])
    with pytest.raises(error):
        acceptances.reject(acceptance, people[who])
    assert RiskAcceptance.objects.get().state == S.REQUESTED


def test_an_approver_cannot_approve_their_own_request(risk, people):
    admin = people["admin_approver"]
    acceptance = acceptances.request(risk, admin, justification="x", expires_on=TODAY + timedelta(days=5))
    with pytest.raises(PermissionDenied, match="requester"):
        acceptances.approve(acceptance, admin)
    assert acceptances.approve(acceptance, people["approver"]).state == S.ACTIVE


def test_only_someone_who_may_change_the_risk_requests(risk, people):
    other_owner = make_user("otto", roles.RISK_OWNER)
    with pytest.raises(PermissionDenied):
        acceptances.request(risk, other_owner, justification="x", expires_on=TODAY + timedelta(days=5))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"justification": "  "}, "justification"),
        ({"expires_on": TODAY}, "expires_on"),
        ({"expires_on": TODAY - timedelta(days=3)}, "expires_on"),
        ({"expires_on": TODAY + timedelta(days=400)}, "expires_on"),
    ],
)
def test_bad_requests_name_the_field(risk, people, fields, field):
    args = {"justification": "ok", "expires_on": TODAY + timedelta(days=30), **fields}
    with pytest.raises(ValidationError) as info:
        acceptances.request(risk, people["owner"], **args)
    assert field in info.value.message_dict
    assert not RiskAcceptance.objects.exists()


def test_a_start_in_the_future_waits_approved_until_the_sweep(risk, people):
    acceptance = requested(risk, people, starts_on=TODAY + timedelta(days=3))
    assert acceptances.approve(acceptance, people["approver"]).state == S.APPROVED
    assert acceptances.run_due(TODAY + timedelta(days=2))["activated"] == 0
    assert acceptances.run_due(TODAY + timedelta(days=3))["activated"] == 1
    assert RiskAcceptance.objects.get().state == S.ACTIVE


def owner_messages():
    return list(Notification.objects.filter(recipient="olga@example.org").order_by("pk").values_list("key", flat=True))


def test_reminders_30_7_1_then_expiry_each_once(risk, people):
    acceptance = acceptances.approve(requested(risk, people, days=40), people["approver"])
    pk = acceptance.pk
    expires = acceptance.expires_on
    for day in (expires - timedelta(days=31), expires - timedelta(days=30), expires - timedelta(days=30)):
        acceptances.run_due(day)
    assert owner_messages() == [f"acceptance:{pk}:reminder:30"]
    # A missed day does not lose the reminder: 5 days left still hears the 7-day one, once.
    acceptances.run_due(expires - timedelta(days=5))
    acceptances.run_due(expires - timedelta(days=4))
    acceptances.run_due(expires - timedelta(days=1))
    assert owner_messages()[1:] == [f"acceptance:{pk}:reminder:7", f"acceptance:{pk}:reminder:1"]
    assert acceptances.run_due(expires)["expired"] == 1
    assert acceptances.run_due(expires)["expired"] == 0
    acceptance.refresh_from_db()
    assert acceptance.state == S.EXPIRED and "expired on" in acceptance.end_reason
    assert owner_messages()[-1] == f"acceptance:{pk}:expired"
    risk.refresh_from_db()
    # Expiry reopens treatment and asks for a review now.
    assert (risk.treatment, risk.status, risk.needs_reassessment) == (Treatment.UNDECIDED, RiskStatus.OPEN, True)
    assert "expired" in risk.review_reason


def test_an_extension_goes_back_through_approval(risk, people):
    first = acceptances.approve(requested(risk, people, days=20), people["approver"])
    extension = requested(risk, people, days=90)
    assert extension.extends == first and extension.state == S.REQUESTED
    first.refresh_from_db()
    assert first.state == S.ACTIVE  # still in force while the extension waits
    with pytest.raises(ValidationError):
        requested(risk, people, days=100)  # one request waiting at a time
    acceptances.approve(extension, people["approver"])
    first.refresh_from_db()
    extension.refresh_from_db()
    assert (first.state, extension.state) == (S.SUPERSEDED, S.ACTIVE)
    risk.refresh_from_db()
    assert risk.treatment == Treatment.ACCEPT and not risk.needs_reassessment


def test_the_saved_instance_keeps_what_its_save_caused(risk, people):
    """A re-score that ends the acceptance reopens treatment in the row; saving the same instance
    again must not put "accept" back."""
    acceptances.approve(requested(risk, people), people["approver"])
    risk.refresh_from_db()
    risk.likelihood = 5
    risk.save()
    assert (risk.treatment, risk.status, risk.needs_reassessment) == (Treatment.UNDECIDED, RiskStatus.OPEN, True)
    risk.description = "edited after"
    risk.save()
    risk.refresh_from_db()
    assert (risk.treatment, risk.needs_reassessment) == (Treatment.UNDECIDED, True)


def test_an_extension_of_a_future_acceptance_supersedes_it(risk, people):
    future = acceptances.approve(requested(risk, people, starts_on=TODAY + timedelta(days=5)), people["approver"])
    assert future.state == S.APPROVED
    extension = acceptances.approve(requested(risk, people, days=90), people["approver"])
    future.refresh_from_db()
    assert (future.state, extension.state) == (S.SUPERSEDED, S.ACTIVE)


def test_a_rescore_above_the_accepted_score_invalidates(risk, people):
    acceptance = acceptances.approve(requested(risk, people), people["approver"])
    risk.refresh_from_db()
    risk.impact = 3  # 3 × 3 = 9, below the accepted 12: still accepted
    risk.save()
    acceptance.refresh_from_db()
    assert acceptance.state == S.ACTIVE
    risk.impact, risk.likelihood = 4, 4  # 16 > 12
    risk.save()
    acceptance.refresh_from_db()
    assert acceptance.state == S.INVALIDATED and "16" in acceptance.end_reason
    assert owner_messages() == [f"acceptance:{acceptance.pk}:invalidated"]
    risk.refresh_from_db()
    assert risk.needs_reassessment and risk.treatment == Treatment.UNDECIDED


def test_revoke_by_the_owner_or_an_approver_only(risk, people):
    acceptance = acceptances.approve(requested(risk, people), people["approver"])
    with pytest.raises(PermissionDenied):
        acceptances.revoke(acceptance, people["viewer"])
    revoked = acceptances.revoke(acceptance, people["owner"], note="migration done early")
    assert revoked.state == S.REVOKED and "migration done early" in revoked.end_reason
    with pytest.raises(ValidationError):
        acceptances.revoke(revoked, people["owner"])
