"""The acceptance lifecycle: one table of allowed moves, and the actions the admin, API and tasks call.

::

    requested ──approve──▶ approved ──activate (start date)──▶ active ──expire (expiry date)──▶ expired
        │                     │                                  ├──revoke──▶ revoked
        └──reject──▶ rejected ├──revoke, invalidate, supersede   ├──invalidate──▶ invalidated
                                                                 └──supersede──▶ superseded (an extension)

Only a different user than the requester, holding ``register.approve_riskacceptance``, approves or
rejects. The approval stores a snapshot of the risk (scores, level and what other apps add through
``extensions.add_snapshot_part`` — monitoring adds each indicator's state and value). An acceptance
that ends while active reopens the risk's treatment, flags it "review now" and tells its owner.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import extensions
from register import notices
from register.choices import AcceptanceState as S
from register.choices import RiskStatus, Treatment
from register.models import Risk, RiskAcceptance

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REQUESTED, "approve"): S.APPROVED,
    (S.REQUESTED, "reject"): S.REJECTED,
    (S.APPROVED, "activate"): S.ACTIVE,
    (S.APPROVED, "revoke"): S.REVOKED,
    (S.ACTIVE, "expire"): S.EXPIRED,
    (S.ACTIVE, "revoke"): S.REVOKED,
    (S.ACTIVE, "invalidate"): S.INVALIDATED,
    (S.ACTIVE, "supersede"): S.SUPERSEDED,
    (S.APPROVED, "invalidate"): S.INVALIDATED,
    (S.APPROVED, "supersede"): S.SUPERSEDED,
}
# The moves that end an acceptance that was (or was about to be) in force.
ENDING = {"expire", "revoke", "invalidate"}
# Days before expiry the owner hears about it, latest first; each reminder is sent once.
REMINDER_DAYS = (30, 7, 1)


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ValidationError(
            _("An acceptance that is %(state)s cannot be %(action)s.")
            % {"state": S(state).label.lower(), "action": _ACTION_WORDS.get(action, action)}
        ) from None


_ACTION_WORDS = {
    "approve": "approved",
    "reject": "rejected",
    "activate": "activated",
    "revoke": "revoked",
    "expire": "expired",
    "invalidate": "invalidated",
    "supersede": "superseded",
}


def may_approve(user) -> bool:
    return bool(user and user.is_active and user.has_perm("register.approve_riskacceptance"))


# What a request states; the admin's form and the API's serializer take exactly these.
REQUEST_FIELDS = ("risk", "justification", "conditions", "starts_on", "expires_on")


def request_from(data: dict, user):
    """``request`` with a form's or serializer's cleaned data."""
    return request(
        data["risk"],
        user,
        justification=data["justification"],
        conditions=data.get("conditions", ""),
        starts_on=data.get("starts_on"),
        expires_on=data["expires_on"],
    )


@transaction.atomic
def request(risk, user, *, justification: str, expires_on: date, conditions: str = "", starts_on=None):
    """A new acceptance (or, while one is active, an extension of it) waiting for approval."""
    if not risk.is_editable_by(user):
        raise PermissionDenied(_("Only the risk's owner (or a register administrator) requests its acceptance."))
    pending = risk.acceptances.filter(state=S.REQUESTED)
    if pending.exists():
        raise ValidationError(_("This risk already has an acceptance waiting for approval."))
    active = risk.acceptances.filter(state__in=[S.ACTIVE, S.APPROVED]).first()
    acceptance = RiskAcceptance(
        risk=risk,
        justification=justification,
        conditions=conditions,
        starts_on=starts_on or timezone.localdate(),
        expires_on=expires_on,
        extends=active,
        requested_by=user,
    )
    acceptance.full_clean()
    acceptance.save()
    return acceptance


def _decide(acceptance, user, action: str, note: str):
    acceptance = (
        RiskAcceptance.objects.select_for_update(of=("self",)).select_related("risk__owner").get(pk=acceptance.pk)
    )
    if not may_approve(user):
        raise PermissionDenied(_("Approving or rejecting an acceptance needs the approve permission."))
    if acceptance.requested_by_id is not None and acceptance.requested_by_id == user.pk:
        raise PermissionDenied(_("The requester cannot decide their own acceptance; another approver must."))
    acceptance.state = next_state(acceptance.state, action)
    acceptance.decided_by, acceptance.decided_at, acceptance.decision_note = user, timezone.now(), note
    return acceptance


@transaction.atomic
def approve(acceptance, user, note: str = "", today: date | None = None):
    acceptance = _decide(acceptance, user, "approve", note)
    risk = acceptance.risk
    acceptance.snapshot = snapshot(risk)
    acceptance.accepted_score = risk.score
    if acceptance.extends_id:
        previous = acceptance.extends
        if previous.state in (S.ACTIVE, S.APPROVED):
            _end(previous, "supersede", _("extended by acceptance #%(pk)s") % {"pk": acceptance.pk}, reopen=False)
    acceptance.save()
    if acceptance.starts_on <= (today or timezone.localdate()):
        activate(acceptance)
    return acceptance


@transaction.atomic
def reject(acceptance, user, note: str = ""):
    acceptance = _decide(acceptance, user, "reject", note)
    acceptance.ended_at, acceptance.end_reason = timezone.now(), _("rejected")
    acceptance.save()
    return acceptance


def activate(acceptance) -> None:
    acceptance.state = next_state(acceptance.state, "activate")
    acceptance.save(update_fields=["state"])
    risk = acceptance.risk
    risk.treatment = Treatment.ACCEPT
    if not risk.treatment_rationale.strip():
        risk.treatment_rationale = acceptance.justification
    risk.status = RiskStatus.ACCEPTED
    risk.save(changed_by=acceptance.decided_by)


@transaction.atomic
def revoke(acceptance, user, note: str = ""):
    acceptance = (
        RiskAcceptance.objects.select_for_update(of=("self",)).select_related("risk__owner").get(pk=acceptance.pk)
    )
    if not (may_approve(user) or acceptance.risk.is_editable_by(user)):
        raise PermissionDenied(_("Only an approver or the risk's owner revokes an acceptance."))
    reason = _("revoked by %(user)s") % {"user": user.get_username()} + (f": {note}" if note else "")
    _end(acceptance, "revoke", reason)
    return acceptance


def _end(acceptance, action: str, reason: str, reopen: bool = True) -> None:
    """End an acceptance; one that was in force reopens the risk's treatment and tells its owner."""
    was_in_force = acceptance.state in (S.ACTIVE, S.APPROVED)
    acceptance.state = next_state(acceptance.state, action)
    acceptance.ended_at, acceptance.end_reason = timezone.now(), reason[:300]
    acceptance.save(update_fields=["state", "ended_at", "end_reason"])
    if not (was_in_force and reopen):
        return
    risk = Risk.objects.select_related("owner").get(pk=acceptance.risk_id)
    if risk.treatment == Treatment.ACCEPT:
        risk.treatment = Treatment.UNDECIDED
        if risk.status == RiskStatus.ACCEPTED:
            risk.status = RiskStatus.OPEN
        risk.save()
    cause = _("acceptance %(state)s: %(reason)s") % {"state": S(acceptance.state).label.lower(), "reason": reason}
    Risk.objects.filter(pk=risk.pk).flag_for_review(cause)
    notices.tell_owner(
        risk,
        subject="acceptance",
        pk=acceptance.pk,
        key=(acceptance.state,),
        headline=_("Acceptance ended"),
        text=_("The acceptance of %(risk)s is %(state)s (%(reason)s); its treatment is open again.")
        % {"risk": risk, "state": S(acceptance.state).label.lower(), "reason": reason},
    )


def invalidate_if_worse(risk) -> int:
    """End the acceptance in force of a risk re-scored above the score that was accepted."""
    ended = 0
    in_force = RiskAcceptance.objects.select_for_update().filter(risk_id=risk.pk, state__in=[S.ACTIVE, S.APPROVED])
    for acceptance in in_force.filter(accepted_score__lt=risk.score):
        reason = _("the current score rose to %(score)s, above the accepted %(accepted)s") % {
            "score": risk.score,
            "accepted": acceptance.accepted_score,
        }
        _end(acceptance, "invalidate", reason)
        ended += 1
    return ended


def invalidate_on_critical(reasons: dict[int, str]) -> int:
    """An indicator of each of these risks (by key) went critical, for the reason given: what was
    accepted no longer describes them. One query when nothing was accepted."""
    ended = 0
    for acceptance in RiskAcceptance.objects.select_for_update().filter(
        risk_id__in=reasons, state__in=[S.ACTIVE, S.APPROVED]
    ):
        _end(acceptance, "invalidate", reasons[acceptance.risk_id])
        ended += 1
    return ended


def snapshot(risk) -> dict:
    parts = {
        "taken_at": timezone.now().isoformat(),
        "scores": {
            "inherent": {
                "impact": risk.inherent_impact,
                "likelihood": risk.inherent_likelihood,
                "score": risk.inherent_score,
            },
            "current": {"impact": risk.impact, "likelihood": risk.likelihood, "score": risk.score},
            "target": {"impact": risk.target_impact, "likelihood": risk.target_likelihood, "score": risk.target_score},
        },
        "level": risk.level,
        "live_status": risk.live_status,
        "appetite_status": risk.appetite_status,
    }
    for contribution in extensions.snapshot_parts:
        parts[contribution.name] = contribution.value(risk)
    return parts


@transaction.atomic
def run_due(today: date | None = None) -> dict[str, int]:
    """The daily sweep: activate approved acceptances whose start came, expire those whose expiry
    came, and remind owners 30, 7 and 1 days before. Idempotent: a second run the same day does nothing."""
    today = today or timezone.localdate()
    counts = {"activated": 0, "expired": 0, "reminded": 0}
    for acceptance in RiskAcceptance.objects.select_for_update().filter(state=S.APPROVED, starts_on__lte=today):
        activate(acceptance)
        counts["activated"] += 1
    for acceptance in RiskAcceptance.objects.select_for_update().filter(state=S.ACTIVE, expires_on__lte=today):
        _end(acceptance, "expire", _("expired on %(day)s") % {"day": acceptance.expires_on.isoformat()})
        counts["expired"] += 1
    for acceptance in RiskAcceptance.objects.filter(state=S.ACTIVE, expires_on__gt=today).select_related("risk__owner"):
        left = (acceptance.expires_on - today).days
        due = [days for days in REMINDER_DAYS if left <= days]
        if not due:
            continue
        # The nearest reminder due: one created with 20 days left hears "30" once, then 7 and 1.
        bucket = min(due)
        counts["reminded"] += notices.tell_owner(
            acceptance.risk,
            subject="acceptance",
            pk=acceptance.pk,
            key=("reminder", str(bucket)),
            headline=_("Acceptance expiring"),
            text=_("The acceptance of %(risk)s expires on %(day)s (in %(left)s days).")
            % {"risk": acceptance.risk, "day": acceptance.expires_on.isoformat(), "left": left},
        )
    return counts
