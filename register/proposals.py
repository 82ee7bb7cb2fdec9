"""Proposals from evidence: what a risk's own record says its likelihood and target should be.

Pure rules over figures the reviews app gathers (it reads monitoring and incidents). A proposal is a
suggestion with its arithmetic, shown to a reviewer and applied only by one, in a review — never
automatically. The rules, each documented in docs/register.md:

*Likelihood.* Each kind of evidence over the window implies at least a likelihood (the tables
below, on counts scaled to 90 days); the proposal is the highest implied, when it is above today's.
A risk watched for (nearly) the whole window with no incident, no alert episode and no hour in
warning or critical may come down one step. Otherwise: no change. So more evidence never proposes a
lower likelihood, and no evidence proposes no change.

*Target.* Done mitigations whose indicators improved (mean over the 14 days after vs before): a
median improvement of 20 % proposes a target one likelihood step below today's, 50 % two steps
(never below 1, never above today's target).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from register import scoring

REFERENCE_DAYS = 90
# (threshold per 90 days, implied likelihood), highest threshold first.
INCIDENT_FLOORS = ((6, 5), (3, 4), (1, 3))
EPISODE_FLOORS = ((10, 4), (5, 3), (2, 2))
CRITICAL_HOUR_FLOORS = ((168, 5), (24, 4), (1, 3))
WARNING_HOUR_FLOORS = ((336, 4), (72, 3), (24, 2))
QUIET_COVERAGE = 0.9
TARGET_STEPS = ((50.0, 2), (20.0, 1))


@dataclass(frozen=True)
class MitigationEffect:
    title: str
    improvement_pct: float  # positive: the indicators got better after it was done


@dataclass(frozen=True)
class Evidence:
    window_days: int = REFERENCE_DAYS
    incidents: int = 0
    alert_episodes: int = 0
    hours_warning: float = 0.0
    hours_critical: float = 0.0
    # Days of the window during which the risk had a monitored indicator with readings.
    monitored_days: float = 0.0
    effects: tuple[MitigationEffect, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return (
            not (
                self.incidents
                or self.alert_episodes
                or self.hours_warning
                or self.hours_critical
                or self.monitored_days
            )
            and not self.effects
        )


def _floor(value: float, table) -> int:
    for threshold, likelihood in table:
        if value >= threshold:
            return likelihood
    return 0


def _per_reference(value: float, window_days: int) -> float:
    return value * REFERENCE_DAYS / max(window_days, 1)


def propose_likelihood(likelihood: int, evidence: Evidence) -> tuple[int | None, list[str]]:
    """(proposed likelihood or None for no change, the reasons)."""
    days = evidence.window_days
    implied: list[tuple[int, str]] = []
    for value, table, words in (
        (evidence.incidents, INCIDENT_FLOORS, "{n} incident(s) in {d} days"),
        (evidence.alert_episodes, EPISODE_FLOORS, "{n} alert episode(s) in {d} days"),
        (evidence.hours_critical, CRITICAL_HOUR_FLOORS, "{n:g} h critical in {d} days"),
        (evidence.hours_warning, WARNING_HOUR_FLOORS, "{n:g} h in warning in {d} days"),
    ):
        level = _floor(_per_reference(value, days), table)
        if level:
            implied.append((level, words.format(n=value, d=days)))
    top = max((level for level, _ in implied), default=0)
    if top > likelihood:
        reasons = [text for level, text in implied]
        return top, [" and ".join(reasons) + f" → likelihood {top}"]
    quiet = not (evidence.incidents or evidence.alert_episodes or evidence.hours_warning or evidence.hours_critical)
    if quiet and evidence.monitored_days >= QUIET_COVERAGE * days and likelihood > scoring.SCALE_MIN:
        return likelihood - 1, [
            f"watched {evidence.monitored_days:.0f} of {days} days with no incident, alert or breach"
            f" → likelihood {likelihood - 1}"
        ]
    return None, []


def propose_target(
    impact: int, likelihood: int, target: tuple[int | None, int | None], evidence: Evidence
) -> tuple[tuple[int, int] | None, list[str]]:
    """(proposed target (impact, likelihood) or None, the reasons)."""
    if not evidence.effects:
        return None, []
    improvement = median(e.improvement_pct for e in evidence.effects)
    steps = next((n for threshold, n in TARGET_STEPS if improvement >= threshold), 0)
    if not steps:
        return None, []
    proposed = (impact, max(scoring.SCALE_MIN, likelihood - steps))
    current_target = target if None not in target else None
    if current_target is not None and current_target[0] * current_target[1] <= proposed[0] * proposed[1]:
        return None, []
    names = ", ".join(f"{e.title} ({e.improvement_pct:+.0f} %)" for e in evidence.effects)
    return proposed, [
        f"done mitigations improved their indicators by a median {improvement:.0f} % ({names})"
        f" → target {proposed[0]} × {proposed[1]} = {proposed[0] * proposed[1]}"
    ]


def propose(risk, evidence: Evidence) -> dict | None:
    """The proposal shown with a risk, or None when the evidence proposes no change."""
    likelihood, reasons = propose_likelihood(risk.likelihood, evidence)
    target, target_reasons = propose_target(
        risk.impact, likelihood or risk.likelihood, (risk.target_impact, risk.target_likelihood), evidence
    )
    if likelihood is None and target is None:
        return None
    return {
        "likelihood": likelihood,
        "score": risk.impact * likelihood if likelihood else None,
        "target_impact": target[0] if target else None,
        "target_likelihood": target[1] if target else None,
        "reasons": reasons + target_reasons,
        "window_days": evidence.window_days,
    }
