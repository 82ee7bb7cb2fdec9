"""The register written out as tables, with the first name of each sheet and column in the chosen
language — what the sheet reader (plans.sheets) expects, so an export imports back unchanged."""

from __future__ import annotations

from django.db.models import Prefetch

from monitoring.models import AlertRule, Indicator, Metric
from plans import labels, treatment
from plans.sheet_layout import (
    ALERT_RULES,
    APPETITE,
    INDICATORS,
    METRICS,
    MITIGATIONS,
    REVIEWS,
    RISKS,
    SCALES,
    STRATEGIES,
    WORDS_OUT,
    Sheet,
)
from register.models import Appetite, Programme, Risk, ScaleBand, Strategy
from reviews.models import ReviewTemplate


def tables_from_register(
    language: str = "en", programme: Programme | None = None
) -> list[tuple[str, list[str], list[list]]]:
    """One programme's register (the register's only one when none is named) as (sheet name,
    headers, rows) in the reader's vocabulary, risks first. A register with no programme yet gives
    the empty workbook to start from."""
    if programme is None and Programme.objects.exists():
        programme = Programme.objects.default()

    def table(sheet: Sheet, keys: list[str], rows) -> tuple[str, list[str], list[list]]:
        return sheet.title(language), [sheet.header(k, language) for k in keys], [list(row) for row in rows]

    words = {key: table_words[language] for key, table_words in WORDS_OUT.items()}
    level_text = labels.LEVEL_TEXT[language]
    status_text = labels.STATUS_TEXT[language]
    sep = "、" if language == "ja" else ", "
    risks = list(
        Risk.objects.filter(programme=programme)
        .select_related("category", "owner")
        .prefetch_related("components", "mitigations", Prefetch("indicators", queryset=Indicator.objects.stated()))
        .order_by("number")
    )
    risk_columns = (
        "code title category impact likelihood score level description impact_text status owner components"
        " next_review inherent target treatment counterparty treatment_rationale"
    )

    def pair(impact, likelihood) -> str:
        return "" if impact is None else f"{impact} × {likelihood}"

    def treatment_word(risk) -> str:
        return treatment.TREATMENT_WORDS[risk.treatment][language][0] if risk.treatment else ""

    return [
        table(
            RISKS,
            risk_columns.split(),
            (
                (
                    r.code,
                    r.title,
                    r.category.name if r.category else "",
                    r.impact,
                    r.likelihood,
                    r.score,
                    level_text[r.level],
                    r.description,
                    r.impact_text,
                    status_text[r.status],
                    r.owner.get_username() if r.owner else "",
                    sep.join(c.name for c in r.components.all()),
                    r.next_review_date.isoformat() if r.next_review_date else "",
                    pair(r.inherent_impact, r.inherent_likelihood),
                    pair(r.target_impact, r.target_likelihood),
                    treatment_word(r),
                    r.treatment_counterparty,
                    r.treatment_rationale,
                )
                for r in risks
            ),
        ),
        table(
            MITIGATIONS,
            ["risk", "number", "title", "detail", "language"],
            ((r.code, m.number, m.title, m.detail, m.detail_language) for r in risks for m in r.mitigations.all()),
        ),
        table(
            INDICATORS,
            ["risk", "name", "early_warning"],
            ((r.code, i.name, i.rule_text) for r in risks for i in r.indicators.all()),
        ),
        table(
            METRICS,
            ["category", "name", "normal", "warning", "critical"],
            (
                (m.category, m.name, bands["normal"], bands["warning"], bands["critical"])
                for m in Metric.objects.filter(programme=programme).order_by("pk")
                for bands in [m.band_texts()]
            ),
        ),
        table(
            SCALES,
            ["axis", "label", "min", "max", "description"],
            (
                (words["axis"][b.axis], b.label, b.min_value, b.max_value, b.description)
                for b in ScaleBand.objects.for_programme(programme)
            ),
        ),
        table(
            ALERT_RULES,
            ["priority", "condition"],
            ((words["priority"][a.priority], a.condition) for a in AlertRule.objects.filter(programme=programme)),
        ),
        table(
            STRATEGIES,
            ["kind", "number", "title", "detail", "language"],
            (
                (words["kind"][s.kind], s.number, s.title, s.detail, s.detail_language)
                for s in Strategy.objects.filter(programme=programme)
            ),
        ),
        table(
            REVIEWS,
            ["kind", "template", "section", "item", "description"],
            (
                (words["review"][t.kind], t.name, i.section, i.text, i.description)
                for t in ReviewTemplate.objects.filter(programme=programme).prefetch_related("items").order_by("kind")
                for i in t.items.all()
            ),
        ),
        table(
            APPETITE,
            ["category", "appetite", "tolerance", "basis"],
            (
                (
                    v.category.name if v.category_id else treatment.PROGRAMME_TEXT[language],
                    v.appetite,
                    v.tolerance,
                    treatment.TARGET_TEXT[language] if v.basis == "target" else "",
                )
                for v in Appetite.objects.filter(programme=programme).in_force().values()
            ),
        ),
    ]
