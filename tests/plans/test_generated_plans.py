"""Plans written by other teams: hypothesis writes whole Markdown plans in varied layouts and the
import must yield exactly the facts it wrote, then export → import must give the same register.

Varied: heading levels and numbering styles (``#### 1.``, ``### R-1:``, ``## リスク1``, ``Risk 3 –``),
label synonyms in both languages, bold or plain labels, half- and full-width colons, the score as
one product or as two fields, mitigations as fenced code, numbered lists or bullets, early-warning
rules in symbols or words (ja/en), metric tables with their columns in any order under any header
synonym, and units drawn from a broad set (``/min``, ``件/日``, ``GB``, ``回/週``, none …). The
round trip goes through Markdown or an .xlsx workbook, in Japanese or English.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.models import Indicator, Metric
from plans import labels
from plans.exporter import export_markdown
from plans.files import read_plan
from plans.importer import import_plan
from plans.parser import parse_plan
from plans.sheet_export import tables_from_register
from plans.spreadsheets import write_xlsx
from register.models import Category, Risk, ScaleBand, Strategy
from tests.plans.test_import import snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.once]

# Words chosen to be nothing the grammar reads as structure: no comparison words (is, over, above …),
# no failure/success words (they flip a percentage rule), no hiragana (a Japanese subject ends at が/は).
EN_WORDS = [
    "cache", "queue", "token", "vendor", "ledger", "search", "backup", "quota", "billing", "shard",
    "replica", "cluster", "gateway", "payment", "export", "session", "batch", "render", "audit", "mobile",
]  # fmt: skip
JA_WORDS = [
    "認証",
    "決済",
    "検索",
    "配信",
    "在庫",
    "帳票",
    "夜間",
    "集計",
    "通知",
    "外部",
    "連携",
    "基盤",
    "キュー",
    "トークン",
]
UNITS = [
    "ms",
    "s",
    "min",
    "h",
    "%",
    "req/s",
    "/min",
    "/h",
    "件/日",
    "回/週",
    "GB",
    "MB/s",
    "件",
    "回",
    "人日",
    "pt",
    "",
]
FENCE_LANGUAGES = ["python", "bash", "yaml", ""]


@dataclass
class GenIndicator:
    name: str
    rule: tuple[str, float, str] | None = None  # (operator, threshold, unit)


@dataclass
class GenRisk:
    number: int
    title: str
    category: str
    impact: int
    likelihood: int
    description: str
    mitigations: list[tuple[str, str]]  # (title, code detail or "")
    indicators: list[GenIndicator]


@dataclass
class GenMetric:
    name: str
    category: str
    unit: str
    direction: str
    warning: float
    critical: float


@dataclass
class GenPlan:
    language: str
    risks: list[GenRisk] = field(default_factory=list)
    metrics: list[GenMetric] = field(default_factory=list)
    text: str = ""


def phrase(draw, language: str, low: int = 1, high: int = 3) -> str:
    words = EN_WORDS if language == "en" else JA_WORDS + EN_WORDS[:4]
    picked = draw(st.lists(st.sampled_from(words), min_size=low, max_size=high))
    joiner = " " if language == "en" else draw(st.sampled_from(["", " "]))
    return joiner.join(picked) if joiner else "".join(picked)


def unique_phrases(draw, language: str, count: int, taken: set[str]) -> list[str]:
    out = []
    while len(out) < count:
        text = phrase(draw, language) + (f" {len(taken) + 1}" if draw(st.booleans()) else "")
        if text.casefold() not in taken and text.strip():
            taken.add(text.casefold())
            out.append(text)
    return out


def number_text(draw, value: float) -> str:
    if value >= 1000 and value == int(value) and draw(st.booleans()):
        return f"{int(value):,}"
    return f"{value:g}"


@st.composite
def plans(draw) -> GenPlan:
    language = draw(st.sampled_from(["ja", "en"]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    plan = GenPlan(language)
    taken: set[str] = set()
    numbers = draw(st.lists(st.integers(1, 99_999), min_size=1, max_size=5, unique=True))
    use_categories = draw(st.booleans())
    categories = unique_phrases(draw, language, 2, taken) if use_categories else [""]
    categories = [f"{c} {'領域' if language == 'ja' else 'area'}" if c else "" for c in categories]
    titles = unique_phrases(draw, language, len(numbers), taken)
    names = unique_phrases(draw, language, 5, taken)
    for number, title in zip(numbers, titles, strict=True):
        mitigations = [
            (phrase(draw, language), f"run step{k + 1}" if draw(st.booleans()) else "")
            for k in range(draw(st.integers(0, 3)))
        ]
        own = rnd.sample(names, draw(st.integers(0, 2)))
        indicators = []
        for name in own:
            rule = None
            if draw(st.booleans()):
                value = draw(st.sampled_from([5, 12, 80, 300, 1500, 2.5, 99.5]))
                rule = (draw(st.sampled_from([">", "<"])), float(value), draw(st.sampled_from(UNITS)))
            indicators.append(GenIndicator(name, rule))
        plan.risks.append(
            GenRisk(
                number=number,
                title=title,
                category=draw(st.sampled_from(categories)),
                impact=draw(st.integers(1, 5)),
                likelihood=draw(st.integers(1, 5)),
                description=phrase(draw, language, 0, 4),
                mitigations=mitigations,
                indicators=indicators,
            )
        )
    for name in rnd.sample(names, draw(st.integers(0, 4))):
        low = draw(st.sampled_from([1, 5, 50, 200, 1000, 2.5]))
        high = low * draw(st.sampled_from([2, 3, 10]))
        direction = draw(st.sampled_from(["higher_is_worse", "lower_is_worse"]))
        warning, critical = (low, high) if direction == "higher_is_worse" else (high, low)
        plan.metrics.append(
            GenMetric(name, phrase(draw, language, 0, 1), draw(st.sampled_from(UNITS)), direction, warning, critical)
        )
    plan.text = write(draw, plan)
    return plan


# -- writing the Markdown ------------------------------------------------------------------------
def pick_label(draw, key: str, language: str) -> str:
    return draw(st.sampled_from(labels.FIELDS[key][language]))


def field_line(draw, label: str, value: str) -> str:
    colon = draw(st.sampled_from([":", "："]))
    style = draw(st.sampled_from(["bold", "bold-inside", "plain"]))
    if style == "bold":
        return f"- **{label}**{colon} {value}".rstrip()
    if style == "bold-inside":
        return f"- **{label}{colon}** {value}".rstrip()
    return f"- {label}{colon} {value}".rstrip()


def risk_heading(draw, risk: GenRisk, language: str) -> str:
    styles = [f"{risk.number}. {risk.title}", f"R-{risk.number}: {risk.title}", f"{risk.number}) {risk.title}"]
    styles += (
        [f"リスク{risk.number}：{risk.title}", f"リスク{risk.number} {risk.title}"]
        if language == "ja"
        else [f"Risk {risk.number}: {risk.title}", f"Risk {risk.number} – {risk.title}"]
    )
    return draw(st.sampled_from(styles))


def rule_text(draw, name: str, rule: tuple[str, float, str], language: str) -> str:
    op, value, unit = rule
    number = number_text(draw, value)
    space = draw(st.sampled_from(["", " "])) if unit and not unit.startswith("/") else ""
    forms = [f"{name} {op} {number}{space}{unit}".rstrip()]
    if language == "ja" and not name.isascii():
        forms.append(f"{name}が{number}{unit}を{'超えた' if op == '>' else '下回った'}場合にアラート")
    if language == "en":
        verb = "exceeds" if op == ">" else "drops below"
        forms.append(f"Alert when {name} {verb} {number}{space}{unit}".rstrip())
    return draw(st.sampled_from(forms))


def mitigation_lines(draw, risk: GenRisk) -> list[str]:
    mitigations = risk.mitigations
    layout = draw(st.sampled_from(["fence", "numbered", "bullets"]))
    if layout != "fence":
        risk.mitigations = [(title, "") for title, _ in mitigations]  # only code blocks carry code
    if layout == "fence":
        language = draw(st.sampled_from(FENCE_LANGUAGES))
        body = []
        for number, (title, detail) in enumerate(mitigations, start=1):
            body += [f"  # {number}. {title}", *([f"  {detail}"] if detail else []), "  "]
        return ["  ```" + language, *body[:-1], "  ```"]
    if layout == "numbered":
        return [f"  {n}. {title}" for n, (title, _) in enumerate(mitigations, start=1)]
    return [f"  - {title}" for title, _ in mitigations]


def write(draw, plan: GenPlan) -> str:
    lang = plan.language
    risks_level = draw(st.integers(2, 3))
    out = [f"# {'リスク管理計画' if lang == 'ja' else 'Risk Management Plan'} {phrase(draw, lang)}", ""]
    out += [f"{'#' * risks_level} {draw(st.sampled_from(labels.HEADINGS['risks'][lang]))}", ""]
    order = sorted(plan.risks, key=lambda r: r.category)
    current = None
    for risk in order:
        if risk.category != current:
            current = risk.category
            if current:
                out += [f"{'#' * (risks_level + 1)} {current}", ""]
        level = risks_level + (2 if risk.category else 1)
        out += [f"{'#' * level} {risk_heading(draw, risk, lang)}"]
        product = risk.impact * risk.likelihood
        if draw(st.booleans()):
            sign = draw(st.sampled_from(["×", "x", "*"]))
            out.append(
                field_line(draw, pick_label(draw, "score", lang), f"{risk.impact} {sign} {risk.likelihood} = {product}")
            )
        else:
            impact_label = draw(
                st.sampled_from(["影響度"] if lang == "ja" else ["Impact Score", "Impact Rating", "Impact"])
            )
            out.append(field_line(draw, impact_label, str(risk.impact)))
            out.append(field_line(draw, pick_label(draw, "likelihood", lang), str(risk.likelihood)))
        if risk.description:
            out.append(field_line(draw, pick_label(draw, "description", lang), risk.description))
        if risk.mitigations:
            out.append(field_line(draw, pick_label(draw, "mitigations", lang), ""))
            out += mitigation_lines(draw, risk)
        if risk.indicators:
            separator = draw(st.sampled_from(["、", ", ", "; "] if lang == "ja" else [", ", "; "]))
            out.append(
                field_line(draw, pick_label(draw, "indicators", lang), separator.join(i.name for i in risk.indicators))
            )
        for indicator in risk.indicators:
            if indicator.rule:
                out.append(
                    field_line(
                        draw,
                        pick_label(draw, "early_warning", lang),
                        rule_text(draw, indicator.name, indicator.rule, lang),
                    )
                )
        out.append("")
    if plan.metrics:
        out += [f"## {draw(st.sampled_from(labels.HEADINGS['dashboard'][lang]))}", ""]
        if draw(st.booleans()):
            out += [f"### {draw(st.sampled_from(labels.HEADINGS['metrics'][lang]))}", ""]
        columns = draw(st.permutations(["category", "name", "normal", "warning", "critical"]))
        headers = {
            key: draw(st.sampled_from([w for w in labels.TABLE_COLUMNS[key] if (lang == "ja") != w.isascii()]))
            for key in columns
        }
        out += ["| " + " | ".join(headers[k] for k in columns) + " |", "|" + "---|" * len(columns)]
        for metric in plan.metrics:
            out.append("| " + " | ".join(band_cells(draw, metric)[k] for k in columns) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def band_cells(draw, metric: GenMetric) -> dict[str, str]:
    u = metric.unit
    space = draw(st.sampled_from(["", " "])) if u and not u.startswith("/") else ""
    low, high = sorted((metric.warning, metric.critical))
    dash = draw(st.sampled_from(["-", "–", "〜", "～", " to "]))
    middle = f"{number_text(draw, low)}{dash}{number_text(draw, high)}{space}{u}"
    w, c = number_text(draw, metric.warning), number_text(draw, metric.critical)
    if metric.direction == "higher_is_worse":
        normal, critical = f"< {w}{space}{u}", f"> {c}{space}{u}"
    else:
        normal, critical = f"> {w}{space}{u}", f"< {c}{space}{u}"
    return {"category": metric.category, "name": metric.name, "normal": normal, "warning": middle, "critical": critical}


# -- the properties --------------------------------------------------------------------------------
def imported_facts() -> dict:
    return {
        "risks": sorted(
            (r.number, r.title, r.category.name if r.category else "", r.impact, r.likelihood, r.description)
            for r in Risk.objects.select_related("category")
        ),
        "mitigations": sorted(
            (m.risk.number, m.number, m.title, m.detail)
            for r in Risk.objects.prefetch_related("mitigations")
            for m in r.mitigations.all()
        ),
        "indicators": sorted(
            (i.risk.number, i.order, i.name, i.operator, i.threshold, i.unit, i.metric.name if i.metric else None)
            for i in Indicator.objects.select_related("risk", "metric")
        ),
        "metrics": sorted(
            (m.name, m.category, m.unit, m.direction, m.warning, m.critical) for m in Metric.objects.all()
        ),
    }


def expected_facts(plan: GenPlan) -> dict:
    metric_names = {m.name.casefold(): m.name for m in plan.metrics}
    return {
        "risks": sorted((r.number, r.title, r.category, r.impact, r.likelihood, r.description) for r in plan.risks),
        "mitigations": sorted(
            (r.number, n, title, detail) for r in plan.risks for n, (title, detail) in enumerate(r.mitigations, start=1)
        ),
        "indicators": sorted(
            (
                r.number,
                order,
                i.name,
                i.rule[0] if i.rule else "",
                i.rule[1] if i.rule else None,
                i.rule[2] if i.rule else "",
                metric_names.get(i.name.casefold()),
            )
            for r in plan.risks
            for order, i in enumerate(r.indicators, start=1)
        ),
        "metrics": sorted((m.name, m.category, m.unit, m.direction, m.warning, m.critical) for m in plan.metrics),
    }


def empty_register() -> None:
    for model in (Risk, Category, Strategy, Metric, ScaleBand):
        model.objects.all().delete()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(plan=plans(), export_language=st.sampled_from(["ja", "en"]), export_format=st.sampled_from(["md", "xlsx"]))
def test_a_generated_plan_imports_exactly_what_it_says_and_round_trips(db, plan, export_language, export_format):
    with transaction.atomic():
        empty_register()
        report = import_plan(parse_plan(plan.text))
        assert report.warnings == [], plan.text
        assert imported_facts() == expected_facts(plan), plan.text
        before = snapshot()
        if export_format == "md":
            exported = export_markdown(export_language)
            again = parse_plan(exported)
        else:
            exported = tables_from_register(export_language)
            again = read_plan("register.xlsx", write_xlsx(exported))
        empty_register()
        import_plan(again)
        assert snapshot() == before, exported
        transaction.set_rollback(True)
