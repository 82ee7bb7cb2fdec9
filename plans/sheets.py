"""A plan as tables: the sheets of a workbook (or the CSV files of a zip) and their columns.

Teams keep registers in spreadsheets with their own headers, so every sheet and column is known by
several names in Japanese and English ("Risk ID", "No.", "リスクID"; "Probability", "発生確率"), and a
sheet whose name we do not know is recognised by its columns. ``plan_from_tables`` turns the tables
into the same :class:`Plan` the Markdown parser produces (so the importer's rules, dry run and
report are shared); ``tables_from_register`` writes the register back out with the first name of
each column in the chosen language, which is what the reader expects (round trip).
Nothing here touches files (see :mod:`plans.spreadsheets`).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from monitoring import thresholds
from plans import labels, treatment
from plans.document import (
    ChecklistItemSpec,
    IndicatorSpec,
    MitigationSpec,
    Plan,
    PlanError,
    ReviewTemplateSpec,
    RiskSpec,
    ScaleBandSpec,
    StrategySpec,
    Where,
)
from plans.parser import alert_rule, attach_rule, metric_from_bands
from register import scoring

# A register with more rows than this is not a plan someone typed; refusing early bounds the work
# (and the memory) an upload can cost.
MAX_ROWS = 20_000
RISK_NUMBER_MAX = 99_999  # Risk.number's validators


@dataclass(frozen=True)
class Sheet:
    key: str
    names: dict[str, list[str]]  # language -> sheet names, the one we write first
    columns: dict[str, dict[str, list[str]]]  # column key -> language -> headers, the one we write first
    required: tuple[str, ...]

    def title(self, language: str) -> str:
        return self.names[language][0]

    def header(self, column: str, language: str) -> str:
        return self.columns[column][language][0]

    def column_for(self, header: str) -> str | None:
        for wanted in _variants(header):
            for key, names in self.columns.items():
                if any(_key(n) == wanted for ns in names.values() for n in ns):
                    return key
        return None

    def is_named(self, name: str) -> bool:
        wanted = set(_variants(name))
        return any(_key(n) in wanted for ns in self.names.values() for n in ns)


def _key(text: str) -> str:
    """Headers compare without case, spacing, punctuation or full-width forms ("Risk-ID" = "risk id")."""
    return re.sub(r"[\s_\-.:：#()（）/・]+", "", labels.normalise(unicodedata.normalize("NFKC", text)))


_SCORE_CELL = re.compile(r"(\d+)(?:\.0+)?(?:(?:\s*[-–—:：(（]|\.\s+|\s+)\D.*)?")


def _variants(header: str) -> list[str]:
    """What a header may mean, most literal first: "Likelihood (1-5)" is Likelihood, "Owner / 担当者"
    is Owner or 担当者 — registers qualify and translate their headers in place."""
    text = unicodedata.normalize("NFKC", header)
    plain = re.sub(r"\s*[(\[].*?[)\]]\s*$", "", text)
    plain = re.sub(r"\s+\d+\s*[-–~〜]\s*\d+\s*$", "", plain)  # "Probability 1-5": the scale, not the name
    parts = [p for p in re.split(r"\s*[/|]\s*", plain) if p.strip()] if re.search(r"\s[/|]\s|[/|]", plain) else []
    return list(dict.fromkeys(_key(v) for v in [text, plain, *parts] if _key(v)))


_RISK_REF = {"ja": ["リスクID", "リスク番号", "リスク"], "en": ["Risk ID", "Risk", "Risk No", "Risk Code"]}
_NUMBER = {"ja": ["番号", "No"], "en": ["No", "Number", "#", "ID"]}
_TITLE = {"ja": ["タイトル", "名称", "件名"], "en": ["Title", "Name"]}
_DETAIL = {"ja": ["詳細", "コード"], "en": ["Detail", "Details", "Code", "Snippet"]}
_LANGUAGE = {"ja": ["言語"], "en": ["Language", "Snippet Language"]}
_DESCRIPTION = {"ja": ["説明", "概要"], "en": ["Description", "Summary"]}

RISKS = Sheet(
    "risks",
    {"ja": ["リスク", "リスク一覧", "リスク登録簿"], "en": ["Risks", "Risk Register", "Register"]},
    {
        "code": {"ja": ["リスクID", "番号", "リスク番号"], "en": ["Risk ID", "ID", "Code", "No", "Number", "Ref", "#"]},
        "title": {
            "ja": ["タイトル", "リスク", "リスク名", "件名"],
            "en": ["Title", "Risk", "Risk Title", "Name", "Risk Name"],
        },
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類"], "en": ["Category", "Risk Category"]},
        "impact": {"ja": ["影響度"], "en": ["Impact", "Severity", "Impact Score", "Consequence Score"]},
        "likelihood": {"ja": ["発生確率", "発生可能性"], "en": ["Likelihood", "Probability", "Likelihood Score"]},
        "score": {"ja": ["スコア", "リスクスコア"], "en": ["Score", "Risk Score"]},
        "level": {"ja": ["レベル", "リスクレベル"], "en": ["Level", "Risk Level", "Rating", "Risk Rating"]},
        "description": _DESCRIPTION,
        "impact_text": {"ja": ["影響", "影響内容"], "en": ["Impact Description", "Consequence", "Consequences"]},
        "status": {"ja": ["ステータス", "状態"], "en": ["Status"]},
        "owner": {"ja": ["担当者", "オーナー", "責任者"], "en": ["Owner", "Risk Owner", "Assignee"]},
        "components": {"ja": ["コンポーネント", "対象システム"], "en": ["Components", "Affected Systems"]},
        "next_review": {"ja": ["次回レビュー", "次回見直し"], "en": ["Next Review", "Next Review Date", "Review Date"]},
        # A one-sheet register often keeps these in a cell each: one mitigation a line, indicators
        # separated by commas; the Mitigations and Indicators sheets add to them.
        "mitigations": {
            "ja": ["対策", "軽減策", "緩和策"],
            "en": ["Mitigations", "Mitigation", "Countermeasures", "Controls"],
        },
        "indicators": {"ja": ["監視指標", "指標"], "en": ["Indicators", "KRIs", "KRI", "Monitoring Metrics"]},
        "early_warning": {"ja": ["早期警告", "早期警戒"], "en": ["Early Warning", "Early Warning Rule", "Trigger"]},
        # Treatment (plans/treatment.py): an assessment in one cell ("5 × 4") or in two columns.
        "inherent": {"ja": ["固有リスク", "固有リスクスコア"], "en": ["Inherent Risk", "Inherent Score", "Inherent"]},
        "inherent_impact": {"ja": ["固有影響度"], "en": ["Inherent Impact"]},
        "inherent_likelihood": {"ja": ["固有発生確率"], "en": ["Inherent Likelihood"]},
        "target": {
            "ja": ["目標リスク", "残存リスク", "目標スコア"],
            "en": ["Target Risk", "Target Score", "Residual Risk", "Residual Score", "Target"],
        },
        "target_impact": {"ja": ["目標影響度"], "en": ["Target Impact", "Residual Impact"]},
        "target_likelihood": {"ja": ["目標発生確率"], "en": ["Target Likelihood", "Residual Likelihood"]},
        "treatment": {"ja": ["対応方針", "リスク対応"], "en": ["Treatment", "Risk Treatment", "Risk Response"]},
        "counterparty": {"ja": ["移転先"], "en": ["Counterparty", "Transferred To"]},
        "treatment_rationale": {"ja": ["対応理由"], "en": ["Treatment Rationale", "Rationale"]},
        "accepted_until": {"ja": ["受容期限"], "en": ["Accepted Until", "Acceptance Expiry"]},
    },
    required=("title", "impact", "likelihood"),
)
APPETITE = Sheet(
    "appetite",
    {"ja": ["リスク許容度", "リスク選好"], "en": ["Appetite", "Risk Appetite", "Risk Tolerance"]},
    {
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類", "範囲"], "en": ["Category", "Scope"]},
        "appetite": {"ja": ["許容度", "リスク選好", "選好"], "en": ["Appetite", "Risk Appetite"]},
        "tolerance": {"ja": ["許容範囲", "許容限度"], "en": ["Tolerance", "Risk Tolerance"]},
        "basis": {"ja": ["評価対象", "基準"], "en": ["Basis", "Measured On"]},
    },
    required=("category", "appetite"),
)
MITIGATIONS = Sheet(
    "mitigations",
    {"ja": ["対策", "軽減策"], "en": ["Mitigations", "Countermeasures", "Controls"]},
    {
        "risk": _RISK_REF,
        "number": _NUMBER,
        "title": {
            "ja": ["対策", "タイトル", "名称"],
            "en": ["Mitigation", "Title", "Countermeasure", "Control", "Name"],
        },
        "detail": _DETAIL,
        "language": _LANGUAGE,
    },
    required=("risk", "title"),
)
INDICATORS = Sheet(
    "indicators",
    {"ja": ["監視指標", "指標"], "en": ["Indicators", "KRIs", "Key Risk Indicators"]},
    {
        "risk": _RISK_REF,
        "name": {"ja": ["指標", "監視指標", "指標名"], "en": ["Indicator", "KRI", "Name", "Metric"]},
        "early_warning": {
            "ja": ["早期警告", "早期警戒", "ルール"],
            "en": ["Early Warning", "Rule", "Trigger", "Threshold"],
        },
    },
    required=("risk", "name"),
)
METRICS = Sheet(
    "metrics",
    {"ja": ["ダッシュボード", "主要監視指標", "メトリクス"], "en": ["Metrics", "Dashboard", "Key Monitoring Metrics"]},
    {
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類"], "en": ["Category"]},
        "name": {"ja": ["指標", "指標名", "メトリクス"], "en": ["Metric", "Name", "Indicator"]},
        "normal": {"ja": ["正常範囲", "正常"], "en": ["Normal Range", "Normal"]},
        "warning": {"ja": ["警告閾値", "警告"], "en": ["Warning Threshold", "Warning"]},
        "critical": {"ja": ["危険閾値", "危険", "緊急"], "en": ["Critical Threshold", "Critical"]},
    },
    required=("name", "normal", "warning", "critical"),
)
SCALES = Sheet(
    "scales",
    {"ja": ["評価基準", "リスク評価基準"], "en": ["Scales", "Criteria", "Assessment Criteria"]},
    {
        "axis": {"ja": ["軸"], "en": ["Axis"]},
        "label": {"ja": ["レベル", "ラベル"], "en": ["Level", "Label"]},
        "min": {"ja": ["最小"], "en": ["Min", "From"]},
        "max": {"ja": ["最大"], "en": ["Max", "To"]},
        "description": _DESCRIPTION,
    },
    required=("axis", "label", "min"),
)
ALERT_RULES = Sheet(
    "alert_rules",
    {"ja": ["アラート設定", "アラート"], "en": ["Alert Rules", "Alerts", "Alert Configuration"]},
    {
        "priority": {"ja": ["優先度", "種別"], "en": ["Priority", "Kind"]},
        "condition": {"ja": ["条件", "アラート"], "en": ["Condition", "Alert", "Rule"]},
    },
    required=("priority", "condition"),
)
STRATEGIES = Sheet(
    "strategies",
    {"ja": ["軽減戦略", "リスク軽減戦略"], "en": ["Strategies", "Mitigation Strategies"]},
    {
        "kind": {"ja": ["種別", "区分"], "en": ["Kind", "Type"]},
        "number": _NUMBER,
        "title": _TITLE,
        "detail": _DETAIL,
        "language": _LANGUAGE,
    },
    required=("kind", "title"),
)
REVIEWS = Sheet(
    "reviews",
    {"ja": ["レビュー", "チェックリスト"], "en": ["Reviews", "Checklist", "Review Checklist"]},
    {
        "kind": {"ja": ["種別", "レビュー"], "en": ["Review", "Kind"]},
        "template": {"ja": ["テンプレート名", "名称"], "en": ["Template", "Template Name"]},
        "section": {"ja": ["セクション", "区分"], "en": ["Section"]},
        "item": {"ja": ["項目", "チェック項目", "手順"], "en": ["Item", "Step", "Check"]},
        "description": _DESCRIPTION,
    },
    required=("kind", "item"),
)
SHEETS = (RISKS, MITIGATIONS, INDICATORS, METRICS, SCALES, ALERT_RULES, STRATEGIES, REVIEWS, APPETITE)

_AXES = {"impact": ["impact", "severity", "影響度", "影響"], "likelihood": ["likelihood", "probability", "発生確率"]}
_PRIORITIES = {
    "immediate": ["immediate", "page", "critical", "即座対応", "即時", "緊急"],
    "watch": ["watch", "ticket", "warning", "monitor", "監視", "要監視"],
}
_STRATEGY_KINDS = {
    "preventive": ["preventive", "prevention", "予防", "予防的対策"],
    "reactive": ["reactive", "response", "対応", "対応的対策", "事後"],
}
_REVIEW_KINDS = {"weekly": ["weekly", "週次"], "monthly": ["monthly", "月次"]}
_WORDS_OUT = {
    "axis": {
        "ja": {"impact": "影響度", "likelihood": "発生確率"},
        "en": {"impact": "Impact", "likelihood": "Likelihood"},
    },
    "priority": {"ja": {"immediate": "即座対応", "watch": "監視"}, "en": {"immediate": "Immediate", "watch": "Watch"}},
    "kind": {
        "ja": {"preventive": "予防", "reactive": "対応"},
        "en": {"preventive": "Preventive", "reactive": "Reactive"},
    },
    "review": {"ja": {"weekly": "週次", "monthly": "月次"}, "en": {"weekly": "Weekly", "monthly": "Monthly"}},
}


@dataclass
class Table:
    """One sheet's cells as text, with its rows' numbers as the spreadsheet shows them (1-based)."""

    name: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # A table inside a Markdown plan: its rows are the document's lines, and problems say "line N".
    markdown: bool = False


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Reader:
    """Reads recognised tables into a Plan, collecting every problem before refusing."""

    def __init__(self, tables: list[Table]):
        self.tables = tables
        self.plan = Plan()
        self.problems: list[tuple[Where, str]] = []

    def where(self, table: Table, row: int, header: list[str] | None = None, col: int | None = None) -> str:
        text = f"line {row}" if table.markdown else f"sheet {table.name!r}, row {row}"
        if col is not None:
            name = header[col] if header and col < len(header) else ""
            text += f", column {column_letter(col)}" + (f" ({name})" if name else "")
        return text

    def records(self, table: Table, sheet: Sheet):
        """(where, {column: (text, col index)}) for each non-empty row under the header."""
        header_row, header = table.rows[0]
        columns: dict[str, int] = {}
        for index, text in enumerate(header):
            if not text.strip():
                continue
            key = sheet.column_for(text)
            if key is None:
                self.plan.warnings.append(f"{self.where(table, header_row, header, index)}: unknown column ignored")
            elif key in columns:
                self.problems.append((self.where(table, header_row, header, index), f"a second column for {key}"))
            else:
                columns[key] = index
        missing = [key for key in sheet.required if key not in columns]
        if missing:
            expected = "; ".join(
                f"{k}: {', '.join(n for ns in sheet.columns[k].values() for n in ns)}" for k in missing
            )
            self.problems.append((f"sheet {table.name!r}, row {header_row}", f"no column for {expected}"))
            return
        for number, cells in table.rows[1:]:
            if not any(c.strip() for c in cells):
                continue
            values = {key: ((cells[i] if i < len(cells) else "").strip(), i) for key, i in columns.items()}
            yield number, header, values

    def read(self) -> Plan:
        matched = self.match_sheets()
        if RISKS.key not in matched:
            self.problems.append(
                (
                    None,
                    "no risks sheet: expected a sheet named Risks / リスク, "
                    "or one with Title, Impact and Likelihood columns",
                )
            )
            raise PlanError(self.problems)
        readers = {
            SCALES.key: self.scale,
            RISKS.key: self.risk,
            MITIGATIONS.key: self.mitigation,
            INDICATORS.key: self.indicator,
            METRICS.key: self.metric,
            ALERT_RULES.key: self.alert_rule,
            STRATEGIES.key: self.strategy,
            REVIEWS.key: self.review_item,
            APPETITE.key: self.appetite,
        }
        self.plan.language = (
            "ja" if any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t.name) for t in self.tables) else "en"
        )
        for sheet in SHEETS:  # risks before the sheets that refer to them
            table = matched.get(sheet.key)
            if table is None:
                continue
            for row, header, values in self.records(table, sheet):
                readers[sheet.key](table, row, header, values)
        self.check_whole()
        if self.problems:
            raise PlanError(self.problems)
        return self.plan

    def match_sheets(self) -> dict[str, Table]:
        matched: dict[str, Table] = {}
        unnamed = []
        for table in self.tables:
            if not table.rows:
                continue
            if len(table.rows) > MAX_ROWS:
                self.problems.append((f"sheet {table.name!r}", f"more than {MAX_ROWS:,} rows"))
                raise PlanError(self.problems)
            sheet = next((s for s in SHEETS if s.is_named(table.name)), None)
            if sheet is None or sheet.key in matched:
                unnamed.append(table)
            else:
                matched[sheet.key] = table
        # "Sheet1" or "export.csv": the sheet whose required columns its header holds.
        for table in unnamed:
            for sheet in SHEETS:
                header = {sheet.column_for(h) for h in table.rows[0][1]}
                if sheet.key not in matched and set(sheet.required) <= header:
                    matched[sheet.key] = table
                    break
            else:
                self.plan.warnings.append(f"sheet {table.name!r} is not a sheet of a plan; ignored")
        return matched

    # -- one reader per sheet -------------------------------------------------------------------
    def number(self, text: str, where: str, what: str, *, maximum: int = RISK_NUMBER_MAX) -> int | None:
        match = re.fullmatch(r"(?:[A-Za-z]+\s*[-_ ]?\s*)?0*(\d{1,9})(?:\.0+)?", text.strip())
        if not match or not 1 <= int(match[1]) <= maximum:
            self.problems.append((where, f"{what} {text!r} is not a number from 1 to {maximum:,}"))
            return None
        return int(match[1])

    def score_part(self, values, key: str, table, row, header) -> int | None:
        text, col = values[key]
        where = self.where(table, row, header, col)
        if not text:
            self.problems.append((where, f"{key} is empty (a number from {scoring.SCALE_MIN} to {scoring.SCALE_MAX})"))
            return None
        # "4", "4.0" (Excel), "４", or the number with its scale's word: "4 - Major", "4 (High)", "4: major".
        match = re.fullmatch(_SCORE_CELL, unicodedata.normalize("NFKC", text))
        if not match or not scoring.in_scale(int(match[1])):
            self.problems.append(
                (where, f"{key} {text!r} is not a number from {scoring.SCALE_MIN} to {scoring.SCALE_MAX}")
            )
            return None
        return int(match[1])

    def risk_by_reference(self, text: str, where: str) -> RiskSpec | None:
        number = self.number(text, where, "risk") if re.search(r"\d", text) else None
        risk = next((r for r in self.plan.risks if r.number == number), None) if number else None
        if risk is None:
            risk = next((r for r in self.plan.risks if r.title.casefold() == text.casefold()), None)
        if risk is None and not any(w == where for w, _ in self.problems):
            self.problems.append((where, f"no risk {text!r} on the risks sheet"))
        return risk

    def risk(self, table, row, header, values) -> None:
        def text(key: str) -> str:
            return values[key][0] if key in values else ""

        where = self.where(table, row)
        if "code" in values:
            number = self.number(text("code"), self.where(table, row, header, values["code"][1]), "risk ID")
        else:
            number = len(self.plan.risks) + 1
            if number == 1:
                self.plan.warnings.append(f"sheet {table.name!r}: no Risk ID column; risks are numbered by row")
        title = text("title")
        if not title:
            self.problems.append((self.where(table, row, header, values["title"][1]), "the risk has no title"))
        impact = self.score_part(values, "impact", table, row, header)
        likelihood = self.score_part(values, "likelihood", table, row, header)
        if None in (number, impact, likelihood) or not title:
            return
        if (
            text("score")
            and re.fullmatch(r"\d+(?:\.0+)?", text("score"))
            and int(float(text("score"))) != impact * likelihood
        ):
            self.problems.append(
                (
                    self.where(table, row, header, values["score"][1]),
                    f"{impact} × {likelihood} is {impact * likelihood}, not {text('score')}",
                )
            )
            return
        spec = RiskSpec(
            number=number,
            title=title,
            category=text("category"),
            impact=impact,
            likelihood=likelihood,
            line=where,
            description=text("description"),
            impact_text=text("impact_text"),
            owner=text("owner"),
        )
        if text("level"):
            spec.stated_level = labels.level_from_words(text("level")) or ""
            if not spec.stated_level:
                self.plan.warnings.append(f"{where}: R-{number}: unknown level {text('level')!r} ignored")
        if text("status"):
            spec.status = labels.status_from_words(text("status")) or ""
            if not spec.status:
                self.problems.append(
                    (self.where(table, row, header, values["status"][1]), f"unknown status {text('status')!r}")
                )
        if text("components"):
            spec.components = _split_list(text("components"))
        if text("next_review"):
            spec.next_review = text("next_review")[:10]
            if not _is_date(spec.next_review):
                self.problems.append(
                    (
                        self.where(table, row, header, values["next_review"][1]),
                        f"{text('next_review')!r} is not a YYYY-MM-DD date",
                    )
                )
        for position, line in enumerate(m for m in text("mitigations").splitlines() if m.strip()):
            title_text = re.sub(r"^\s*(?:\d+\s*[.)．]|[-*・•])\s*", "", line).strip()
            spec.mitigations.append(MitigationSpec(position + 1, title_text[:200]))
        spec.indicators = [IndicatorSpec(name) for name in dict.fromkeys(_split_list(text("indicators")))]
        for rule in (r.strip() for r in text("early_warning").splitlines() if r.strip()):
            attach_rule(spec, rule, where, self.plan.warnings)
        self.treatment(spec, table, row, header, values)
        if any(r.number == number for r in self.plan.risks):
            self.problems.append(
                (self.where(table, row, header, values.get("code", ("", 0))[1]), f"risk number {number} is used twice")
            )
            return
        self.plan.risks.append(spec)
        if spec.category and spec.category not in self.plan.categories:
            self.plan.categories.append(spec.category)

    def treatment(self, spec: RiskSpec, table, row, header, values) -> None:
        def cell(key: str) -> tuple[str, str]:
            text, col = values.get(key, ("", None))
            return text, self.where(table, row, header, col) if col is not None else self.where(table, row)

        for name in ("inherent", "target"):
            pair_text, pair_where = cell(name)
            impact_text, impact_where = cell(f"{name}_impact")
            likelihood_text, likelihood_where = cell(f"{name}_likelihood")
            if impact_text or likelihood_text:
                if not (impact_text and likelihood_text):
                    # At the cell that is filled in: the other may not even have a column.
                    where = impact_where if impact_text else likelihood_where
                    self.problems.append((where, f"the {name} score needs both impact and likelihood"))
                    continue
                text, where = f"{impact_text} × {likelihood_text}", impact_where
            elif pair_text and treatment.looks_like_pair(pair_text):
                text, where = pair_text, pair_where
            else:
                if pair_text:
                    # A "Target" column of "99.9 %" is some other target, not an assessment.
                    self.plan.warnings.append(f"{pair_where}: {name} {pair_text!r} is not a score; ignored")
                continue
            try:
                setattr(spec, name, treatment.parse_pair(text, f"{name} score"))
            except ValueError as exc:
                self.problems.append((where, str(exc)))
        text, where = cell("treatment")
        if text:
            try:
                stated = treatment.parse_treatment(text)
            except ValueError as exc:
                self.problems.append((where, str(exc)))
            else:
                spec.treatment, spec.treatment_counterparty, spec.treatment_rationale = (
                    stated.treatment,
                    stated.counterparty,
                    stated.rationale,
                )
        if cell("counterparty")[0]:
            spec.treatment_counterparty = cell("counterparty")[0]
        if cell("treatment_rationale")[0]:
            spec.treatment_rationale = cell("treatment_rationale")[0]
        text, where = cell("accepted_until")
        if text:
            try:
                spec.accepted_until = treatment.parse_date(text, "acceptance expiry")
            except ValueError as exc:
                self.problems.append((where, str(exc)))

    def appetite(self, table, row, header, values) -> None:
        scope, col = values["category"]
        where = self.where(table, row, header, col)
        appetite_text = values["appetite"][0]
        tolerance_text = values.get("tolerance", ("", None))[0]
        basis = values.get("basis", ("", None))[0]
        value = f"{appetite_text} / {tolerance_text or appetite_text}" + (f" ({basis})" if basis else "")
        problem = treatment.add_appetite(self.plan, scope or "programme", value)
        if problem:
            self.problems.append((where, problem))

    def mitigation(self, table, row, header, values) -> None:
        risk = self.risk_by_reference(values["risk"][0], self.where(table, row, header, values["risk"][1]))
        if risk is None:
            return
        if "number" in values and values["number"][0]:
            number = self.number(
                values["number"][0],
                self.where(table, row, header, values["number"][1]),
                "mitigation number",
                maximum=32_767,
            )
        else:
            number = max((m.number for m in risk.mitigations), default=0) + 1
        if number is None:
            return
        if any(m.number == number for m in risk.mitigations):
            self.problems.append((self.where(table, row), f"{risk.code}: mitigation {number} is listed twice"))
            return
        title = values["title"][0][:200] or "—"
        detail = values.get("detail", ("", 0))[0]
        risk.mitigations.append(MitigationSpec(number, title, detail, values.get("language", ("", 0))[0]))

    def indicator(self, table, row, header, values) -> None:
        risk = self.risk_by_reference(values["risk"][0], self.where(table, row, header, values["risk"][1]))
        if risk is None:
            return
        name = values["name"][0]
        rule = values.get("early_warning", ("", 0))[0]
        existing = next((i for i in risk.indicators if i.name == name), None)
        if existing is None:
            existing = IndicatorSpec(name)
            risk.indicators.append(existing)
        if rule:
            # The row says which indicator the rule is for: no matching by name as in a field list.
            if thresholds.parse_rule(rule).kind == "manual":
                self.plan.warnings.append(
                    f"{self.where(table, row)}: {risk.code}: early warning {rule!r} has no readable threshold; "
                    "kept as text"
                )
            existing.rule_text = rule

    def metric(self, table, row, header, values) -> None:
        where = self.where(table, row)
        name = values["name"][0]
        try:
            spec = metric_from_bands(
                name, values["normal"][0], values["warning"][0], values["critical"][0], where, self.plan.warnings
            )
        except thresholds.ThresholdError as exc:
            self.problems.append((where, f"metric {name!r}: {exc}"))
            return
        spec.category = values.get("category", ("", 0))[0]
        if any(m.name == name for m in self.plan.metrics):
            self.problems.append((where, f"metric {name!r} is listed twice"))
            return
        self.plan.metrics.append(spec)

    def scale(self, table, row, header, values) -> None:
        where = self.where(table, row)
        axis = _lookup(_AXES, values["axis"][0])
        level = labels.level_from_words(values["label"][0])
        low = self.number(values["min"][0], where, "min", maximum=scoring.SCALE_MAX)
        high = (
            self.number(values["max"][0], where, "max", maximum=scoring.SCALE_MAX)
            if values.get("max", ("", 0))[0]
            else low
        )
        if axis is None:
            self.problems.append((where, f"axis {values['axis'][0]!r} is neither impact nor likelihood"))
        if level is None:
            self.problems.append((where, f"level {values['label'][0]!r} is not low, medium or high"))
        if None in (axis, level, low, high):
            return
        if low > high:
            self.problems.append((where, f"{low}-{high} runs backwards"))
            return
        self.plan.scales.append(
            ScaleBandSpec(axis, level, values["label"][0], low, high, values.get("description", ("", 0))[0])
        )

    def alert_rule(self, table, row, header, values) -> None:
        where = self.where(table, row)
        priority = _lookup(_PRIORITIES, values["priority"][0])
        text = values["condition"][0]
        if priority is None:
            self.problems.append((where, f"priority {values['priority'][0]!r} is neither immediate nor watch"))
            return
        try:
            self.plan.alert_rules.append(alert_rule(priority, text))
        except thresholds.ThresholdError as exc:
            self.problems.append((where, f"alert rule {text!r}: {exc}"))

    def strategy(self, table, row, header, values) -> None:
        where = self.where(table, row)
        kind = _lookup(_STRATEGY_KINDS, values["kind"][0])
        if kind is None:
            self.problems.append((where, f"kind {values['kind'][0]!r} is neither preventive nor reactive"))
            return
        given = values.get("number", ("", 0))[0]
        number = self.number(given, where, "number", maximum=32_767) if given else None
        if number is None:
            number = sum(1 for s in self.plan.strategies if s.kind == kind) + 1
        self.plan.strategies.append(
            StrategySpec(
                kind, number, values["title"][0], values.get("detail", ("", 0))[0], values.get("language", ("", 0))[0]
            )
        )

    def review_item(self, table, row, header, values) -> None:
        where = self.where(table, row)
        kind = _lookup(_REVIEW_KINDS, values["kind"][0])
        if kind is None:
            self.problems.append((where, f"review {values['kind'][0]!r} is neither weekly nor monthly"))
            return
        template = next((t for t in self.plan.reviews if t.kind == kind), None)
        if template is None:
            default = _WORDS_OUT["review"][self.plan.language][kind]
            template = ReviewTemplateSpec(kind, values.get("template", ("", 0))[0] or default)
            self.plan.reviews.append(template)
        template.items.append(
            ChecklistItemSpec(
                values.get("section", ("", 0))[0], values["item"][0], values.get("description", ("", 0))[0]
            )
        )

    def check_whole(self) -> None:
        if not self.plan.risks and not self.problems:
            self.problems.append((None, "the risks sheet has no risks"))
        for risk in self.plan.risks:
            numbers = [m.number for m in risk.mitigations]
            if len(numbers) != len(set(numbers)):
                self.problems.append((risk.line, f"{risk.code}: mitigation numbers repeat: {numbers}"))
        covered: dict[str, list[int]] = {}
        for band in self.plan.scales:
            covered.setdefault(band.axis, []).extend(range(band.min_value, band.max_value + 1))
        for axis, values in covered.items():
            if sorted(values) != list(range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1)):
                self.problems.append(
                    (
                        None,
                        f"the {axis} scale must cover {scoring.SCALE_MIN}–{scoring.SCALE_MAX} exactly once, "
                        f"covers {sorted(values)}",
                    )
                )


def _lookup(table: dict[str, list[str]], text: str) -> str | None:
    for wanted in _variants(text):
        for key, words in table.items():
            if any(_key(w) == wanted for w in words):
                return key
    return None


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s*[、,，;；／\n]\s*", text) if part.strip()]


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def plan_from_tables(tables: list[Table]) -> Plan:
    return _Reader(tables).read()


def is_risk_table(header: list[str]) -> bool:
    return set(RISKS.required) <= {RISKS.column_for(h) for h in header}


def risks_from_table(table: Table) -> tuple[list[RiskSpec], list[str], list[tuple[Where, str]]]:
    """The risks of one table (a Markdown plan's risk table), with its warnings and problems."""
    reader = _Reader([table])
    for row, header, values in reader.records(table, RISKS):
        reader.risk(table, row, header, values)
    return reader.plan.risks, reader.plan.warnings, reader.problems


# -- writing ------------------------------------------------------------------------------------
def tables_from_register(language: str = "en") -> list[tuple[str, list[str], list[list]]]:
    """The register as (sheet name, headers, rows) in the reader's vocabulary, risks first."""
    from django.db.models import Prefetch

    from monitoring.models import AlertRule, Indicator, Metric
    from register.models import Risk, ScaleBand, Strategy
    from reviews.models import ReviewTemplate

    def table(sheet: Sheet, keys: list[str], rows) -> tuple[str, list[str], list[list]]:
        return sheet.title(language), [sheet.header(k, language) for k in keys], [list(row) for row in rows]

    words = {key: table_words[language] for key, table_words in _WORDS_OUT.items()}
    level_text = labels.LEVEL_TEXT[language]
    status_text = labels.STATUS_TEXT[language]
    sep = "、" if language == "ja" else ", "
    risks = list(
        Risk.objects.select_related("category", "owner")
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

    from register.models import Appetite

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
                for m in Metric.objects.order_by("pk")
                for bands in [m.band_texts()]
            ),
        ),
        table(
            SCALES,
            ["axis", "label", "min", "max", "description"],
            (
                (words["axis"][b.axis], b.label, b.min_value, b.max_value, b.description)
                for b in ScaleBand.objects.all()
            ),
        ),
        table(
            ALERT_RULES,
            ["priority", "condition"],
            ((words["priority"][a.priority], a.condition) for a in AlertRule.objects.all()),
        ),
        table(
            STRATEGIES,
            ["kind", "number", "title", "detail", "language"],
            ((words["kind"][s.kind], s.number, s.title, s.detail, s.detail_language) for s in Strategy.objects.all()),
        ),
        table(
            REVIEWS,
            ["kind", "template", "section", "item", "description"],
            (
                (words["review"][t.kind], t.name, i.section, i.text, i.description)
                for t in ReviewTemplate.objects.prefetch_related("items").order_by("kind")
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
                for v in Appetite.objects.in_force().values()
            ),
        ),
    ]
