from django import template
from django.utils.safestring import mark_safe

from reviews import workbench

register = template.Library()


@register.filter
def evidence_html(evidence):
    return mark_safe(workbench.render_evidence(evidence or {}))  # rendered by a template, escaped there


@register.filter
def risk_figures(evidence):
    return workbench.risk_figures(evidence or {})


@register.filter
def proposal(evidence):
    return workbench.proposal(evidence or {})


@register.filter
def forecast_lines(evidence):
    return workbench.forecast_lines(evidence or {})


@register.filter
def budget_lines(evidence):
    return workbench.budget_lines(evidence or {})
