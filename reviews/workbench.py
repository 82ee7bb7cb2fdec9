"""What the review workbench shows beside each row: an item's evidence with its charts, a risk's
figures this period, what the evidence proposes, and the progress of the review."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from core import charts, display
from reviews.models import Review


def render_evidence(evidence: dict) -> str:
    """The evidence of an item as the report shows it, with a trend chart per metric."""
    shown = {**evidence, "metrics": [{**m, "chart": charts.trend_chart_svg(m)} for m in evidence.get("metrics", [])]}
    return render_to_string("reviews/_evidence.html", {"evidence": shown})


def risk_figures(evidence: dict) -> str:
    labels = [
        ("incidents", _("incidents")),
        ("alert_episodes", _("alert episodes")),
        ("hours_warning", _("h in warning")),
        ("hours_critical", _("h in critical")),
        ("score_changes", _("score changes")),
    ]
    shown = [(evidence[key], label) for key, label in labels if evidence.get(key)]
    if not shown:
        return format_html('<span class="quiet">{}</span>', _("nothing this period"))
    return format_html_join(", ", "{} {}", shown)


def forecast_lines(evidence: dict) -> list[str]:
    """Each crossing forecast in the evidence: "Memory use > 80 %: 12/08/2026 (12/07 – 12/10)"."""

    def moment(text):
        return display.when(datetime.fromisoformat(text)) if text else "…"

    return [
        _("%(indicator)s %(rule)s: %(when)s (%(low)s – %(high)s)")
        % {
            "indicator": f["indicator"],
            "rule": f["rule"],
            "when": moment(f["crosses_at"]),
            "low": moment(f.get("low")),
            "high": moment(f.get("high")),
        }
        for f in (evidence or {}).get("forecasts", [])
    ]


def budget_lines(evidence: dict) -> list[str]:
    """Each SLO's budget in the evidence: "Availability SLO: 12 % of the budget spent this period, 60 % left"."""

    def percent(value):
        return display.number(value * 100, "%") if value is not None else _("no data")

    return [
        _("%(slo)s: %(spent)s of the budget spent this period, %(left)s left")
        % {"slo": s["slo"], "spent": percent(s.get("spent")), "left": percent(s.get("remaining"))}
        for s in (evidence or {}).get("slos", [])
    ]


def proposal(evidence: dict) -> str:
    found = (evidence or {}).get("proposal")
    if not found:
        return format_html('<span class="quiet">{}</span>', _("no change"))
    parts = []
    if found.get("likelihood"):
        parts.append(_("likelihood %(n)s") % {"n": found["likelihood"]})
    if found.get("target_likelihood"):
        parts.append(_("target %(i)s × %(l)s") % {"i": found["target_impact"], "l": found["target_likelihood"]})
    return format_html(
        "<strong>{}</strong><br><small>{}</small>", ", ".join(parts), "; ".join(found.get("reasons", []))
    )


def progress(review: Review) -> dict:
    """Ticked checklist items of all, and re-assessments whose score is to change."""
    items = list(review.items.values_list("done", flat=True))
    return {"done": sum(items), "total": len(items)}


def changes(review: Review) -> list[dict]:
    """What completing the review will do to the register: each re-assessment that moves a score."""
    rows = []
    for row in review.reassessments.select_related("risk").order_by("risk__number"):
        if not (row.changes or row.proposed_target):
            continue
        impact = row.proposed_impact or row.current_impact
        likelihood = row.proposed_likelihood or row.current_likelihood
        rows.append(
            {
                "risk": row.risk,
                "from": (row.current_impact, row.current_likelihood, row.current_impact * row.current_likelihood),
                "to": (impact, likelihood, impact * likelihood) if row.changes else None,
                "target": row.proposed_target,
                "rationale": row.rationale,
            }
        )
    return rows
