"""A plan's specs built from its words, the same whether they come from Markdown or from a sheet:
an early-warning rule given to its indicator, an alert rule from its condition, a metric from its
three bands. The Markdown parser (plans.parser) and the sheet reader (plans.sheets) both use them."""

from __future__ import annotations

import difflib

from monitoring.alerting import thresholds
from plans.document import AlertRuleSpec, IndicatorSpec, MetricSpec, RiskSpec, Where, format_problem


def attach_rule(risk: RiskSpec, text: str, where: Where, warnings: list[str]) -> None:
    """Give an early-warning rule to the risk's indicator it names (the closest name), or a new one."""
    rule = thresholds.parse_rule(text)
    if rule.kind == "manual":
        warnings.append(
            format_problem(where, f"{risk.code}: early warning {text!r} has no readable threshold; kept as text")
        )
    free = [ind for ind in risk.indicators if not ind.rule_text]
    if not free:
        free = [IndicatorSpec(rule.subject or text)]
        risk.indicators.extend(free)
    subject = rule.subject.casefold()
    ratios = [difflib.SequenceMatcher(None, subject, ind.name.casefold()).ratio() for ind in free]
    # Ties go to the first indicator listed, which is how plans order them (main one first).
    free[ratios.index(max(ratios))].rule_text = text


def alert_rule(priority: str, text: str) -> AlertRuleSpec:
    """An alert rule from its condition ("システム稼働率 < 99%"); ThresholdError if it cannot be read."""
    subject, threshold = thresholds.parse_condition(text)
    spec = AlertRuleSpec(priority, text, subject)
    if threshold:
        spec.operator, spec.threshold, spec.unit = threshold.operator, threshold.value, threshold.unit
    return spec


def metric_from_bands(
    name: str, normal: str, warning: str, critical: str, where: Where, warnings: list[str]
) -> MetricSpec:
    """A dashboard metric from its three band texts ("< 200ms | 200-500ms | > 500ms").

    Raises ThresholdError for bands that have no number, point the same way, overlap or mix units.
    """
    low_end, middle, high_end = (thresholds.parse_bound(t) for t in (normal, warning, critical))
    if not isinstance(low_end, thresholds.Threshold) or not isinstance(high_end, thresholds.Threshold):
        raise thresholds.ThresholdError("normal and critical bands must be bounds such as '< 200ms' / '> 500ms'")
    if low_end.operator in {"<", "<="} and high_end.operator in {">", ">="}:
        direction = "higher_is_worse"
        ok = low_end.value < high_end.value
    elif low_end.operator in {">", ">="} and high_end.operator in {"<", "<="}:
        direction = "lower_is_worse"
        ok = low_end.value > high_end.value
    else:
        raise thresholds.ThresholdError(f"normal {normal!r} and critical {critical!r} point the same way")
    if not ok:
        raise thresholds.ThresholdError(f"normal {normal!r} and critical {critical!r} overlap")
    units = {u for u in (low_end.unit, high_end.unit, getattr(middle, "unit", "")) if u}
    if len(units) > 1:
        raise thresholds.ThresholdError(f"bands use different units: {', '.join(sorted(units))}")
    if isinstance(middle, thresholds.Range):
        edges = sorted((low_end.value, high_end.value))
        if [middle.low, middle.high] != edges:
            warnings.append(
                format_problem(
                    where,
                    f"metric {name!r}: warning band {warning!r} does not "
                    f"join the normal and critical bands; using {edges[0]:g}-{edges[1]:g}",
                )
            )
    return MetricSpec(
        name=name,
        category="",
        unit=units.pop() if units else "",
        direction=direction,
        warning=low_end.value,
        critical=high_end.value,
        line=where or 0,
    )
