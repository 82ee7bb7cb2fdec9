"""Write the register back out: as a plan in the seed's Markdown format, or as JSON.

The Markdown export is what ``import_plan`` reads, so export → import into an empty database gives
the same register (round trip). Labels come from :mod:`plans.labels`.
"""

from __future__ import annotations

import re

from django.db.models import Prefetch

from monitoring.models import AlertRule, Indicator, Metric
from plans import labels, treatment
from register.choices import RiskStatus
from register.models import Appetite, Category, Mitigation, Programme, Risk, ScaleBand, Strategy
from reviews.models import ReviewTemplate

_SLASH_COMMENT = {
    "javascript",
    "js",
    "typescript",
    "ts",
    "java",
    "go",
    "c",
    "cpp",
    "c++",
    "rust",
    "kotlin",
    "swift",
    "csharp",
    "cs",
    "scala",
    "php",
}
_DASH_COMMENT = {"sql", "lua", "haskell"}
_WORDS = {
    "ja": {
        "formula": "**リスクスコア = 影響度 × 発生確率**",
        "description": "説明",
        "score": "スコア",
        "category": "カテゴリ",
        "metric": "指標",
        "normal": "正常範囲",
        "warning": "警告閾値",
        "critical": "危険閾値",
        "impact": "影響度",
        "likelihood": "発生確率",
        "sep": "、",
        "uncategorised": "未分類",
    },
    "en": {
        "formula": "**Risk Score = Impact × Probability**",
        "description": "Description",
        "score": "Score",
        "category": "Category",
        "metric": "Metric",
        "normal": "Normal Range",
        "warning": "Warning Threshold",
        "critical": "Critical Threshold",
        "impact": "Impact",
        "likelihood": "Probability",
        "sep": ", ",
        "uncategorised": "Uncategorised",
    },
}


def _comment(language: str) -> str:
    language = language.lower()
    if language in _SLASH_COMMENT:
        return "//"
    if language in _DASH_COMMENT:
        return "--"
    return "#"


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=0)
    return "`" * max(3, longest + 1)


def _indent(text: str, prefix: str) -> str:
    # Whitespace-only lines keep their spaces: snippets are verbatim, blank-looking lines included.
    return "\n".join(prefix + line if line else "" for line in text.split("\n"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MarkdownExporter:
    def __init__(self, language: str = "ja", programme: Programme | None = None):
        if language not in _WORDS:
            raise ValueError(f"language must be one of {sorted(_WORDS)}")
        # One programme's register (the register's only one when none is named).
        self.programme = programme or Programme.objects.default()
        self.lang = language
        self.words = _WORDS[language]
        self.out: list[str] = []

    def h(self, level: int, text: str) -> None:
        self.out += [f"{'#' * level} {text}", ""]

    def field(self, key: str, value: str) -> None:
        self.out.append(f"- **{labels.label(key, self.lang)}**: {value}".rstrip())

    def render(self, title: str = "") -> str:
        self.h(1, title or labels.heading("title", self.lang))
        self.scales()
        self.risks()
        self.appetite()
        self.strategies()
        self.dashboard()
        self.reviews()
        return "\n".join(self.out).rstrip("\n") + "\n"

    def scales(self) -> None:
        bands = list(ScaleBand.objects.for_programme(self.programme))
        if not bands:
            return
        self.h(2, labels.heading("matrix", self.lang))
        self.h(3, labels.heading("criteria", self.lang))
        for axis in ("impact", "likelihood"):
            rows = [b for b in bands if b.axis == axis]
            if not rows:
                continue
            self.out += [
                f"| {self.words[axis]} | {self.words['description']} | {self.words['score']} |",
                "|---|---|---|",
            ]
            for band in rows:
                span = str(band.min_value) if band.min_value == band.max_value else f"{band.min_value}-{band.max_value}"
                self.out.append(f"| {_cell(band.label)} | {_cell(band.description)} | {span} |")
            self.out.append("")
        self.out += [self.words["formula"], ""]

    def risks(self) -> None:
        risks = list(
            Risk.objects.filter(programme=self.programme)
            .select_related("category", "owner")
            .prefetch_related("components", "mitigations", Prefetch("indicators", queryset=Indicator.objects.stated()))
            .order_by("category__order", "category__name", "number")
        )
        if not risks:
            return
        self.h(2, labels.heading("risks", self.lang))
        uncategorised = [r for r in risks if r.category_id is None]
        for risk in uncategorised:
            self.risk(risk)
        shown = Category.objects.filter(risks__programme=self.programme).distinct().order_by("order", "name")
        for category in shown:
            self.h(3, category.name)
            for risk in risks:
                if risk.category_id == category.pk:
                    self.risk(risk)

    def risk(self, risk: Risk) -> None:
        self.h(4, f"{risk.number}. {risk.title}")
        level = labels.LEVEL_TEXT[self.lang][risk.level]
        self.field("score", f"{risk.impact} × {risk.likelihood} = {risk.score} ({level})")
        if risk.description:
            self.field("description", risk.description)
        if risk.impact_text:
            self.field("impact_text", risk.impact_text)
        mitigations: list[Mitigation] = list(risk.mitigations.all())
        if mitigations:
            self.field("mitigations", "")
            self.mitigation_blocks(mitigations)
        indicators: list[Indicator] = list(risk.indicators.all())
        if indicators:
            self.field("indicators", self.words["sep"].join(i.name for i in indicators))
        for indicator in indicators:
            if indicator.rule_text:
                self.field("early_warning", indicator.rule_text)
        if risk.status != RiskStatus.OPEN:
            self.field("status", labels.STATUS_TEXT[self.lang][risk.status])
        if risk.owner_id:
            self.field("owner", risk.owner.get_username())
        components = [c.name for c in risk.components.all()]
        if components:
            self.field("components", self.words["sep"].join(components))
        if risk.next_review_date:
            self.field("next_review", risk.next_review_date.isoformat())
        if risk.inherent_score is not None and risk.inherent_score != risk.score:
            self.field("inherent_score", f"{risk.inherent_impact} × {risk.inherent_likelihood} = {risk.inherent_score}")
        if risk.target_score is not None:
            self.field("target_score", f"{risk.target_impact} × {risk.target_likelihood} = {risk.target_score}")
        if risk.treatment:
            word = treatment.TREATMENT_WORDS[risk.treatment][self.lang][0]
            party = f" ({risk.treatment_counterparty})" if risk.treatment_counterparty else ""
            self.field("treatment", word + party)
            if risk.treatment_rationale:
                self.field("treatment_rationale", " ".join(risk.treatment_rationale.split()))
        self.out.append("")

    def mitigation_blocks(self, mitigations: list[Mitigation]) -> None:
        # Consecutive items in the same snippet language share one code block, as in the seed plan.
        groups: list[list[Mitigation]] = []
        for item in mitigations:
            if groups and groups[-1][0].detail_language == item.detail_language:
                groups[-1].append(item)
            else:
                groups.append([item])
        for group in groups:
            language = group[0].detail_language
            comment = _comment(language)
            body = "\n\n".join(
                f"{comment} {item.number}. {item.title}" + (f"\n{item.detail}" if item.detail else "") for item in group
            )
            fence = _fence(body)
            self.out.append(_indent(f"{fence}{language}\n{body}\n{fence}", "  "))

    def appetite(self) -> None:
        versions = sorted(
            Appetite.objects.filter(programme=self.programme).in_force().values(),
            key=lambda v: (v.category_id is not None, v.category.order if v.category_id else 0, str(v)),
        )
        if not versions:
            return
        self.h(2, labels.heading("appetite", self.lang))
        for version in versions:
            scope = version.category.name if version.category_id else treatment.PROGRAMME_TEXT[self.lang]
            basis = f" ({treatment.TARGET_TEXT[self.lang]})" if version.basis == "target" else ""
            self.out.append(f"- {scope}: {version.appetite} / {version.tolerance}{basis}")
        self.out.append("")

    def strategies(self) -> None:
        strategies = list(Strategy.objects.filter(programme=self.programme))
        if not strategies:
            return
        self.h(2, labels.heading("strategies", self.lang))
        for kind in ("preventive", "reactive"):
            rows = [s for s in strategies if s.kind == kind]
            if not rows:
                continue
            self.h(3, labels.heading(kind, self.lang))
            for strategy in rows:
                self.h(4, f"{strategy.number}. {strategy.title}")
                if strategy.detail and strategy.detail_language:
                    fence = _fence(strategy.detail)
                    self.out += [f"{fence}{strategy.detail_language}", strategy.detail, fence, ""]
                elif strategy.detail:
                    self.out += [strategy.detail, ""]

    def dashboard(self) -> None:
        metrics = list(Metric.objects.filter(programme=self.programme).order_by("pk"))
        rules = list(AlertRule.objects.filter(programme=self.programme))
        if not metrics and not rules:
            return
        self.h(2, labels.heading("dashboard", self.lang))
        if metrics:
            self.h(3, labels.heading("metrics", self.lang))
            w = self.words
            self.out += [
                f"| {w['category']} | {w['metric']} | {w['normal']} | {w['warning']} | {w['critical']} |",
                "|---|---|---|---|---|",
            ]
            for metric in metrics:
                bands = metric.band_texts()
                self.out.append(
                    f"| {_cell(metric.category)} | {_cell(metric.name)} | {bands['normal']} | "
                    f"{bands['warning']} | {bands['critical']} |"
                )
            self.out.append("")
        if rules:
            self.h(3, labels.heading("alerts", self.lang))
            for priority in ("immediate", "watch"):
                group = [r for r in rules if r.priority == priority]
                if group:
                    self.h(4, labels.heading(priority, self.lang))
                    self.out += [f"- {r.condition}" for r in group] + [""]

    def reviews(self) -> None:
        templates = {
            t.kind: t for t in ReviewTemplate.objects.filter(programme=self.programme).prefetch_related("items")
        }
        if not templates:
            return
        self.h(2, labels.heading("improvement", self.lang))
        weekly = templates.get("weekly")
        if weekly:
            self.h(3, labels.heading("weekly", self.lang))
            lines = [f"# {weekly.name}", ""]
            section = None
            for item in weekly.items.all():
                if item.section != section:
                    if section is not None:
                        lines.append("")
                    section = item.section
                    if section:
                        lines += [f"## {section}"]
                lines.append(f"- [ ] {item.text}")
            self.out += ["```markdown", *lines, "```", ""]
        monthly = templates.get("monthly")
        if monthly:
            self.h(3, labels.heading("monthly", self.lang))
            for position, item in enumerate(monthly.items.all(), start=1):
                description = f": {item.description}" if item.description else ""
                self.out.append(f"{position}. **{item.text}**{description}")
            self.out.append("")


def export_markdown(language: str = "ja", title: str = "", programme: Programme | None = None) -> str:
    return MarkdownExporter(language, programme).render(title)


def export_json(programme: Programme | None = None) -> dict:
    """Everything the register holds about the plan, for scripts and integrations: one programme's
    risks (the register's only one when none is named)."""
    programme = programme or Programme.objects.default()
    risks = (
        Risk.objects.filter(programme=programme)
        .select_related("category", "owner")
        .prefetch_related("components", "mitigations", "indicators__metric", "score_changes")
    )
    return {
        "programme": {"code": programme.code, "name": programme.name},
        "scales": list(
            ScaleBand.objects.for_programme(programme).values(
                "axis", "level", "label", "min_value", "max_value", "description"
            )
        ),
        "categories": list(Category.objects.filter(programme=programme).values("name", "order")),
        "risks": [
            {
                "code": r.code,
                "number": r.number,
                "title": r.title,
                "category": r.category.name if r.category else None,
                "description": r.description,
                "impact_text": r.impact_text,
                "impact": r.impact,
                "likelihood": r.likelihood,
                "score": r.score,
                "level": r.level,
                "status": r.status,
                "owner": r.owner.get_username() if r.owner else None,
                "components": [c.name for c in r.components.all()],
                "next_review_date": r.next_review_date.isoformat() if r.next_review_date else None,
                "mitigations": [
                    {
                        "number": m.number,
                        "title": m.title,
                        "kind": m.kind,
                        "status": m.status,
                        "detail": m.detail,
                        "detail_language": m.detail_language,
                        "due_date": m.due_date.isoformat() if m.due_date else None,
                    }
                    for m in r.mitigations.all()
                ],
                "indicators": [
                    {
                        "name": i.name,
                        "metric": i.metric.key if i.metric else None,
                        "rule_text": i.rule_text,
                        "rule_kind": i.rule_kind,
                        "operator": i.operator,
                        "threshold": i.threshold,
                        "unit": i.unit,
                    }
                    for i in r.indicators.all()
                ],
                "inherent_impact": r.inherent_impact,
                "inherent_likelihood": r.inherent_likelihood,
                "inherent_score": r.inherent_score,
                "target_impact": r.target_impact,
                "target_likelihood": r.target_likelihood,
                "target_score": r.target_score,
                "treatment": r.treatment,
                "treatment_counterparty": r.treatment_counterparty,
                "treatment_rationale": r.treatment_rationale,
                "appetite_status": r.appetite_status,
                "score_history": [
                    {
                        "assessment": c.assessment,
                        "changed_at": c.changed_at.isoformat(),
                        "old_impact": c.old_impact,
                        "old_likelihood": c.old_likelihood,
                        "new_impact": c.new_impact,
                        "new_likelihood": c.new_likelihood,
                        "reason": c.reason,
                        "source": c.source,
                    }
                    for c in r.score_changes.all()
                ],
            }
            for r in risks
        ],
        "strategies": list(
            Strategy.objects.filter(programme=programme).values("kind", "number", "title", "detail", "detail_language")
        ),
        "appetite": [
            {
                "category": v.category.name if v.category_id else None,
                "appetite": v.appetite,
                "tolerance": v.tolerance,
                "basis": v.basis,
                "reason": v.reason,
                "set_at": v.set_at.isoformat(),
            }
            for v in Appetite.objects.filter(programme=programme).select_related("category").order_by("set_at", "pk")
        ],
        "metrics": [
            {
                "key": m.key,
                "name": m.name,
                "category": m.category,
                "unit": m.unit,
                "direction": m.direction,
                "warning": m.warning,
                "critical": m.critical,
                "bands": m.band_texts(),
            }
            for m in Metric.objects.filter(programme=programme).order_by("pk")
        ],
        "alert_rules": list(
            AlertRule.objects.filter(programme=programme).values(
                "priority", "condition", "operator", "threshold", "unit"
            )
        ),
        "review_templates": [
            {
                "kind": t.kind,
                "name": t.name,
                "items": [{"section": i.section, "text": i.text, "description": i.description} for i in t.items.all()],
            }
            for t in ReviewTemplate.objects.filter(programme=programme).prefetch_related("items")
        ],
    }
