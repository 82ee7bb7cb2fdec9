"""Evidence-based proposals: the rules as properties, and the evidence gathered from real rows."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from incidents.models import Incident
from register.models import Risk
from register.proposals import Evidence, MitigationEffect, propose, propose_likelihood
from reviews import proposals as gathered

counts = st.integers(0, 40)
hours = st.floats(0, 2000, allow_nan=False)
evidence = st.builds(
    Evidence,
    window_days=st.sampled_from([30, 90, 180]),
    incidents=counts,
    alert_episodes=counts,
    hours_warning=hours,
    hours_critical=hours,
    monitored_days=st.floats(0, 180, allow_nan=False),
)


@given(st.integers(1, 5), evidence, counts, counts, hours, hours)
def test_more_evidence_never_proposes_a_lower_likelihood(likelihood, base, incidents, episodes, warning, critical):
    more = Evidence(
        window_days=base.window_days,
        incidents=base.incidents + incidents,
        alert_episodes=base.alert_episodes + episodes,
        hours_warning=base.hours_warning + warning,
        hours_critical=base.hours_critical + critical,
        monitored_days=base.monitored_days,
    )
    before, _ = propose_likelihood(likelihood, base)
    after, _ = propose_likelihood(likelihood, more)
    assert (after or likelihood) >= (before or likelihood)


@given(st.integers(1, 5), evidence)
def test_a_proposal_stays_on_the_scale_and_says_why(likelihood, found):
    proposed, reasons = propose_likelihood(likelihood, found)
    assert proposed is None or (1 <= proposed <= 5 and proposed != likelihood and reasons)


@given(st.integers(1, 5), st.integers(1, 5))
def test_no_evidence_proposes_no_change(impact, likelihood):
    risk = SimpleNamespace(impact=impact, likelihood=likelihood, target_impact=None, target_likelihood=None)
    assert Evidence().is_empty
    assert propose(risk, Evidence()) is None


@pytest.mark.parametrize(
    ("found", "likelihood", "expected"),
    [
        (Evidence(incidents=3, hours_critical=41), 3, 4),
        (Evidence(incidents=1), 2, 3),
        (Evidence(incidents=1), 4, None),  # evidence below today's likelihood changes nothing
        (Evidence(hours_critical=200), 2, 5),
        (Evidence(alert_episodes=5), 1, 3),
        (Evidence(window_days=30, incidents=1), 2, 4),  # 1 in 30 days is 3 per 90 days
        (Evidence(monitored_days=88), 3, 2),  # watched the whole window, quiet: one step down
        (Evidence(monitored_days=40), 3, None),  # watched too briefly to say
        (Evidence(monitored_days=90), 1, None),  # never below 1
    ],
)
def test_likelihood_rules(found, likelihood, expected):
    proposed, reasons = propose_likelihood(likelihood, found)
    assert proposed == expected
    if expected:
        assert reasons[0].endswith(f"likelihood {expected}")


def test_the_arithmetic_is_shown():
    _, reasons = propose_likelihood(3, Evidence(incidents=3, hours_critical=41))
    assert reasons == ["3 incident(s) in 90 days and 41 h critical in 90 days → likelihood 4"]


@pytest.mark.parametrize(
    ("effects", "target", "expected"),
    [
        ((MitigationEffect("pooling", 35.0),), (None, None), (4, 2)),
        ((MitigationEffect("pooling", 60.0), MitigationEffect("cache", 55.0)), (None, None), (4, 1)),
        ((MitigationEffect("pooling", 5.0),), (None, None), None),  # too small to move the target
        ((MitigationEffect("pooling", -30.0),), (None, None), None),  # it got worse
        ((MitigationEffect("pooling", 35.0),), (4, 1), None),  # the target is already lower
    ],
)
def test_target_from_measured_mitigations(effects, target, expected):
    risk = SimpleNamespace(impact=4, likelihood=3, target_impact=target[0], target_likelihood=target[1])
    proposal = propose(risk, Evidence(effects=effects))
    if expected is None:
        assert proposal is None
    else:
        assert (proposal["target_impact"], proposal["target_likelihood"]) == expected
        assert proposal["likelihood"] is None and "median" in proposal["reasons"][0]


@pytest.mark.django_db
def test_gathered_from_linked_incidents():
    risk = Risk(title="Graph database down", impact=4, likelihood=2)
    risk.save()
    quiet = Risk(title="Quiet risk", impact=2, likelihood=2)
    quiet.save()
    now = timezone.now()
    for days_ago in (3, 20, 60, 200):  # the last one is outside the 90-day window
        incident = Incident.objects.create(title=f"outage {days_ago}", detected_at=now - timedelta(days=days_ago))
        incident.risks.add(risk)
    proposals = gathered.proposals_for([risk, quiet])
    assert proposals[quiet.pk] is None
    proposal = proposals[risk.pk]
    assert proposal["likelihood"] == 4 and proposal["score"] == 16
    assert proposal["reasons"] == ["3 incident(s) in 90 days → likelihood 4"]
