"""Read a risk management plan written in Markdown (Japanese or English) into a :class:`Plan`.

The document is parsed with markdown-it-py into a tree and then walked by headings: we recognise a
part by what it is (a numbered heading followed by a field list with a score is a risk; a table whose
columns are normal / warning / critical is the metrics dashboard), not by its position, so plans from
other teams with other heading levels, labels or lists-instead-of-code still import.
Nothing here touches the database.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from monitoring.alerting import thresholds
from plans import labels, treatment
from plans.builders import alert_rule, attach_rule, metric_from_bands
from plans.document import (
    ChecklistItemSpec,
    IndicatorSpec,
    MetricSpec,
    MitigationSpec,
    Plan,
    PlanError,
    ReviewTemplateSpec,
    RiskSpec,
    ScaleBandSpec,
    StrategySpec,
)
from plans.sheets import is_risk_table, risks_from_table
from plans.tables import Table
from register import scoring

# "1. Title", "R-1: Title", "Risk 3 – Title", "リスク1：タイトル", "リスク2 タイトル": with a word before the
# number a space may separate the title; without one, a separator must (so "2026 roadmap" is no risk).
_NUMBERED = re.compile(
    r"^\s*(?:(?P<prefix>R|Risk|リスク)\s*[-‐#№]?\s*)?(?P<n>\d+)"
    r"(?:\s*[.)．:：]|\s+[-–—]|(?(prefix)\s|(?!)))\s*(?P<title>.+?)\s*$",
    re.IGNORECASE,
)
# "4 × 3 = 12 (高リスク)", "4x3", and with the axes named: "Impact 4 × Likelihood 3", "影響度4 × 発生確率3".
_SCORE = re.compile(
    r"(?P<i>\d+)\s*[×xX*✕・]\s*(?:[^\W\d_]+\s*[:：]?\s*)?(?P<l>\d+)(?:\s*[=＝]\s*(?P<s>\d+))?"
    r"\s*(?:[(（](?P<level>[^)）]*)[)）])?"
)
_PLAIN_SCORE = re.compile(r"^(?P<s>\d+)\s*(?:[(（](?P<level>[^)）]*)[)）])?$")
_LABELLED = re.compile(
    r"^\*\*(?P<label>[^*]+?)\s*[:：]?\s*\*\*\s*[:：]?\s*(?P<value>.*)$|"
    r"^(?P<plain>[^:：*]{1,40}?)\s*[:：]\s*(?P<pvalue>.*)$",
    re.S,
)
_ITEM_HEADER = re.compile(r"^\s*(?:#+|//+|--+|;+)\s*(?P<n>\d+)\s*[.)]\s*(?P<title>.+?)\s*$")
_TASK = re.compile(r"^\[[ xX]\]\s*")
_LIST_SPLIT = re.compile(r"\s*[、,，;；／]\s*")
# Text decoded with the wrong codec: UTF-8 read as Latin-1/cp1252 ("ãƒªã‚¹ã‚¯") or Shift-JIS read
# as UTF-8 ("繝ｪ繧ｹ繧ｯ"), and the replacement character a lossy decode leaves behind.
_MOJIBAKE = re.compile(
    "\ufffd|[ÃÂãâåæçèéï][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|[縺繧繝螟譁蜿邨][\uff61-\uff9f]"
)


@dataclass
class Section:
    level: int
    title: str
    line: int
    nodes: list[SyntaxTreeNode] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    parent: Section | None = None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def _line(node: SyntaxTreeNode) -> int | None:
    return node.map[0] + 1 if node.map else None


def _inline_text(node: SyntaxTreeNode) -> str:
    """The raw inline Markdown of a paragraph/heading/cell (keeps **bold** so labels can be found)."""
    for child in node.children:
        if child.type == "inline":
            return child.content.strip()
    return node.content.strip() if node.type == "inline" else ""


def _plain(text: str) -> str:
    return re.sub(r"\*\*|__|`", "", text).strip()


class PlanParser:
    def __init__(self, source: str, *, name: str = "plan"):
        self.source = source
        self.lines = source.splitlines()
        self.name = name
        self.problems: list[tuple[int | None, str]] = []
        self.plan = Plan()

    # -- entry point ---------------------------------------------------------------------------
    def parse(self) -> Plan:
        self._check_encoding()
        if self.problems:
            raise PlanError(self.problems)
        md = MarkdownIt("commonmark").enable("table")
        tokens = md.parse(self.source)
        self._openslo(tokens)
        root = self._sections(SyntaxTreeNode(tokens))
        self.plan.language = "ja" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", self.source) else "en"
        h1 = next((s for s in root.children if s.level == 1), None)
        self.plan.title = labels.clean_heading(h1.title) if h1 else ""

        strategies = [s for s in root.walk() if labels.heading_is(s.title, "strategies")]
        in_strategies = {id(s) for top in strategies for s in top.walk()}
        for section in root.walk():
            if id(section) in in_strategies:
                continue
            self._tables(section)
            if labels.heading_is(section.title, "alerts"):
                self._alert_rules(section)
            elif labels.heading_is(section.title, "weekly"):
                self._weekly(section)
            elif labels.heading_is(section.title, "monthly"):
                self._monthly(section)
            elif labels.heading_is(section.title, "appetite"):
                self._appetite(section)
            elif self._is_risk(section):
                self._risk(section)
        for top in strategies:
            self._strategies(top)
        self._check_whole()
        if self.problems:
            raise PlanError(self.problems)
        return self.plan

    # -- structure -----------------------------------------------------------------------------
    def _check_encoding(self) -> None:
        for number, text in enumerate(self.lines, start=1):
            if _MOJIBAKE.search(text):
                self.problems.append((number, "text looks mis-decoded (mojibake); save the plan as UTF-8"))
                return

    def _sections(self, tree: SyntaxTreeNode) -> Section:
        root = Section(0, "", 0)
        current = root
        for node in tree.children:
            if node.type == "heading":
                level = int(node.tag[1])
                while current.level >= level:
                    current = current.parent
                section = Section(level, _inline_text(node), _line(node) or 0, parent=current)
                current.children.append(section)
                current = section
            else:
                current.nodes.append(node)
        return root

    def _is_risk(self, section: Section) -> bool:
        if not _NUMBERED.match(labels.clean_heading(section.title)):
            return False
        fields = self._fields(section)
        if any(labels.field_for(label) in {"score", "likelihood", "impact_score"} for label, *_ in fields):
            return True
        under_risks = any(labels.heading_is(a.title, "risks") for a in section.ancestors())
        if under_risks:
            # A numbered heading under the risks part is meant to be a risk: say what is missing
            # rather than dropping it silently.
            self.problems.append(
                (
                    section.line,
                    f"risk {section.title!r} has no risk score (expected a field such as '**Risk Score**: 4 × 3 = 12')",
                )
            )
        return False

    def _fields(self, section: Section) -> list[tuple[str, str, SyntaxTreeNode]]:
        """(label, value, list item) for every "**Label**: value" item of the section's first field list."""
        found = []
        for node in section.nodes:
            if node.type not in {"bullet_list", "ordered_list"}:
                continue
            for item in node.children:
                if not item.children or item.children[0].type != "paragraph":
                    continue
                match = _LABELLED.match(_inline_text(item.children[0]))
                if match:
                    label = match["label"] or match["plain"]
                    value = match["value"] if match["label"] else match["pvalue"]
                    found.append((label.strip(), value.strip(), item))
            if found:
                break
        return found

    # -- risks ---------------------------------------------------------------------------------
    def _category(self, section: Section) -> str:
        for ancestor in section.ancestors():
            if ancestor.level <= 1 or labels.heading_is(ancestor.title, "risks"):
                return ""
            return labels.clean_heading(ancestor.title)
        return ""

    def _risk(self, section: Section) -> None:
        heading = _NUMBERED.match(labels.clean_heading(section.title))
        number, title = int(heading["n"]), heading["title"]
        values: dict[str, tuple[str, SyntaxTreeNode]] = {}
        rules: list[tuple[str, SyntaxTreeNode]] = []
        for label, value, item in self._fields(section):
            key = labels.field_for(label)
            if key == "impact_text" and re.fullmatch(r"\d+", _plain(value)):
                key = "impact_score"  # "Impact: 4" is the score, "Impact: outage" the description
            if key is None:
                self.plan.warnings.append(f"line {_line(item)}: R-{number}: unknown field {label!r} ignored")
                continue
            if key == "early_warning":
                rules.append((value, item))
            values[key] = (value, item)

        impact, likelihood, stated = self._score(number, section, values)
        if impact is None:
            return
        risk = RiskSpec(
            number=number,
            title=title,
            category=self._category(section),
            impact=impact,
            likelihood=likelihood,
            stated_level=stated,
            line=section.line,
            description=_plain(values.get("description", ("", None))[0]),
            impact_text=_plain(values.get("impact_text", ("", None))[0]),
        )
        if "mitigations" in values:
            risk.mitigations = self._mitigations(*values["mitigations"])
        if "indicators" in values:
            names = [_plain(n) for n in _LIST_SPLIT.split(values["indicators"][0]) if _plain(n)]
            risk.indicators = [IndicatorSpec(name) for name in dict.fromkeys(names)]
        numbers = [m.number for m in risk.mitigations]
        if len(numbers) != len(set(numbers)):
            self.problems.append((_line(values["mitigations"][1]), f"R-{number}: mitigation numbers repeat: {numbers}"))
        for text, item in rules:
            self._attach_rule(risk, _plain(text), _line(item))
        if "status" in values:
            status = labels.status_from_words(_plain(values["status"][0]))
            if status is None:
                self.problems.append(
                    (_line(values["status"][1]), f"R-{number}: unknown status {values['status'][0]!r}")
                )
            risk.status = status or ""
        risk.owner = _plain(values.get("owner", ("", None))[0])
        if "components" in values:
            risk.components = [_plain(c) for c in _LIST_SPLIT.split(values["components"][0]) if _plain(c)]
        if "next_review" in values:
            risk.next_review = _plain(values["next_review"][0])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", risk.next_review):
                self.problems.append(
                    (
                        _line(values["next_review"][1]),
                        f"R-{number}: next review {risk.next_review!r} is not a YYYY-MM-DD date",
                    )
                )
        self._treatment(risk, values)
        if any(r.number == number for r in self.plan.risks):
            self.problems.append((section.line, f"risk number {number} is used twice"))
        self.plan.risks.append(risk)
        if risk.category and risk.category not in self.plan.categories:
            self.plan.categories.append(risk.category)

    def _treatment(self, risk: RiskSpec, values) -> None:
        """Inherent and target scores, the treatment decision and an acceptance's expiry, when stated."""
        where = f"R-{risk.number}"
        for key, attr, what in (
            ("inherent_score", "inherent", "inherent score"),
            ("target_score", "target", "target score"),
        ):
            if key not in values:
                continue
            raw, item = values[key]
            if not treatment.looks_like_pair(_plain(raw)):
                # "Target: faster recovery" or "Target: < 200 ms" says something, but not a score.
                self.plan.warnings.append(f"line {_line(item)}: {where}: {what} {raw!r} is not a score; ignored")
                continue
            try:
                setattr(risk, attr, treatment.parse_pair(_plain(raw), what))
            except ValueError as exc:
                self.problems.append((_line(item), f"{where}: {exc}"))
        if "treatment" in values:
            raw, item = values["treatment"]
            try:
                stated = treatment.parse_treatment(_plain(raw))
            except ValueError as exc:
                self.problems.append((_line(item), f"{where}: {exc}"))
            else:
                risk.treatment = stated.treatment
                risk.treatment_counterparty = stated.counterparty
                risk.treatment_rationale = stated.rationale
        if "treatment_rationale" in values:
            risk.treatment_rationale = _plain(values["treatment_rationale"][0])
        if "acceptance" in values:
            raw, item = values["acceptance"]
            try:
                risk.accepted_until = treatment.parse_date(_plain(raw), "acceptance")
            except ValueError as exc:
                self.problems.append((_line(item), f"{where}: {exc}"))

    def _appetite(self, section: Section) -> None:
        """ "- 技術的リスク: 8 / 12" items (or a | Category | Appetite | Tolerance | table) under the heading."""
        entries: list[tuple[int | None, str, str]] = []
        for line, text in self._list_texts(section):
            scope, sep, value = re.split(r"([:：])", text, maxsplit=1) if re.search(r"[:：]", text) else (text, "", "")
            if not sep:
                self.problems.append((line, f"appetite {text!r}: expected 'category: appetite / tolerance'"))
                continue
            entries.append((line, scope.replace("*", "").strip(), value))
        for node in section.nodes:
            if node.type != "table":
                continue
            rows = self._rows(node)
            header = [labels.normalise(h) for h in rows[0][1]] if rows else []
            if len(header) < 2:
                continue
            for line, cells in rows[1:]:
                entries.append((line, cells[0], " / ".join(cells[1:3])))
        for line, scope, value in entries:
            problem = treatment.add_appetite(self.plan, scope, value)
            if problem:
                self.problems.append((line, problem))

    def _score(self, number: int, section: Section, values) -> tuple[int | None, int | None, str]:
        where = f"R-{number}"
        impact = likelihood = None
        stated = ""
        line = section.line
        if "score" in values:
            raw, item = values["score"]
            line = _line(item)
            text = _plain(raw)
            match = _SCORE.search(text)
            if match:
                impact, likelihood = int(match["i"]), int(match["l"])
                product = match["s"]
                level_text = match["level"]
            else:
                plain = _PLAIN_SCORE.match(text)
                if not plain:
                    self.problems.append(
                        (
                            line,
                            f"{where}: cannot read the risk score {text!r} "
                            "(expected 'impact × likelihood = score', e.g. '4 × 3 = 12')",
                        )
                    )
                    return None, None, ""
                product, level_text = plain["s"], plain["level"]
            if level_text:
                stated = labels.level_from_words(level_text) or ""
                if not stated:
                    self.plan.warnings.append(f"line {line}: {where}: unknown level {level_text!r} ignored")
        else:
            product = None
        for key in ("impact_score", "likelihood"):
            if key in values:
                raw, item = values[key]
                # "4", "4/5", "High (4)", "4 - Likely": the one whole number the value states.
                digits = re.search(r"\d+", _plain(raw))
                if not digits or re.search(r"\d[.,]\d", _plain(raw)):
                    self.problems.append(
                        (_line(item), f"{where}: {key.replace('_score', '')} {raw!r} is not a whole number")
                    )
                    return None, None, ""
                if key == "impact_score":
                    impact = int(digits[0])
                else:
                    likelihood = int(digits[0])
        if impact is None or likelihood is None:
            self.problems.append(
                (line, f"{where}: missing impact or likelihood; write the score as 'impact × likelihood = score'")
            )
            return None, None, ""
        bad = [
            f"{name} {value} is outside 1–5"
            for name, value in (("impact", impact), ("likelihood", likelihood))
            if not scoring.in_scale(value)
        ]
        if bad:
            self.problems.append((line, f"{where}: " + "; ".join(bad)))
            return None, None, ""
        if product is not None and int(product) != impact * likelihood:
            self.problems.append((line, f"{where}: {impact} × {likelihood} is {impact * likelihood}, not {product}"))
            return None, None, ""
        return impact, likelihood, stated

    def _mitigations(self, value: str, item: SyntaxTreeNode) -> list[MitigationSpec]:
        found: list[MitigationSpec] = []
        for child in item.children[1:]:
            if child.type == "fence":
                found.extend(self._split_snippet(child.content, child.info.strip(), start=len(found) + 1))
            elif child.type in {"bullet_list", "ordered_list"}:
                for sub in child.children:
                    found.append(self._item_mitigation(sub, len(found) + 1))
        if not found and _plain(value):
            found.append(MitigationSpec(1, _plain(value)[:200], ""))
        return found

    def _split_snippet(self, content: str, language: str, start: int = 1) -> list[MitigationSpec]:
        """Split a code block at "# 1. Title" comment lines; each part keeps its code verbatim."""
        items: list[MitigationSpec] = []
        current: MitigationSpec | None = None
        body: list[str] = []

        def close() -> None:
            if current is not None:
                current.detail = "\n".join(body).strip("\n")
                items.append(current)

        lines = content.rstrip("\n").split("\n")
        if not any(_ITEM_HEADER.match(line) for line in lines):
            first = next((line for line in lines if line.strip()), "")
            title = re.sub(r"^\s*(?:#+|//+|--+)\s*", "", first).strip() or "—"
            return [MitigationSpec(start, title[:200], "\n".join(lines).strip("\n"), language)]
        for line in lines:
            header = _ITEM_HEADER.match(line)
            if header:
                close()
                current = MitigationSpec(int(header["n"]), header["title"][:200], "", language)
                body = []
            elif current is not None:
                body.append(line)
            elif line.strip():
                # Code before the first numbered header belongs to no item: keep it with the first.
                body.append(line)
        close()
        return items

    def _item_mitigation(self, item: SyntaxTreeNode, number: int) -> MitigationSpec:
        first = _plain(_inline_text(item.children[0])) if item.children else ""
        title, _, rest = first.partition(":") if ":" in first else first.partition("：")
        detail_parts = [rest.strip()] if rest.strip() else []
        language = ""
        for child in item.children[1:]:
            if child.type == "fence":
                detail_parts.append(child.content.strip("\n"))
                language = language or child.info.strip()
            elif child.map:
                detail_parts.append(textwrap.dedent("\n".join(self.lines[child.map[0] : child.map[1]])).strip("\n"))
        return MitigationSpec(number, title.strip()[:200] or "—", "\n\n".join(detail_parts), language)

    def _attach_rule(self, risk: RiskSpec, text: str, line: int | None) -> None:
        attach_rule(risk, text, line, self.plan.warnings)

    # -- tables: scales and metrics ------------------------------------------------------------
    def _tables(self, section: Section) -> None:
        for node in section.nodes:
            if node.type != "table":
                continue
            rows = self._rows(node)
            if not rows:
                continue
            header = rows[0][1]
            axis = labels.axis_for(header[0]) if header else None
            columns = [labels.column_for(h) for h in header]
            if {"normal", "warning", "critical"} <= set(columns) and "name" in columns:
                self._metric_rows(rows, columns)
            elif axis:
                self._scale_rows(rows, axis, columns)
            else:
                self._risk_table(section, rows)

    def _risk_table(self, section: Section, rows) -> None:
        """A table of risks (| ID | Risk | Impact | Likelihood | Mitigations |), read as a spreadsheet's
        Risks sheet is; a cell's lines are separated by <br>. Without a category column, a risk's
        category is the heading the table sits under (as for a risk written as a heading)."""
        if not is_risk_table(rows[0][1]):
            return
        cells = [(line or 0, [re.sub(r"\s*<br\s*/?>\s*", "\n", c, flags=re.I) for c in row]) for line, row in rows]
        risks, warnings, problems = risks_from_table(Table("risks", cells, markdown=True))
        self.plan.warnings += warnings
        self.problems += problems
        heading = self._table_category(section)
        for risk in risks:
            risk.category = risk.category or heading
            if any(r.number == risk.number for r in self.plan.risks):
                self.problems.append((risk.line, f"risk number {risk.number} is used twice"))
                continue
            self.plan.risks.append(risk)
            if risk.category and risk.category not in self.plan.categories:
                self.plan.categories.append(risk.category)

    def _table_category(self, section: Section) -> str:
        if section.level <= 1 or labels.heading_is(section.title, "risks"):
            return ""
        under_risks = any(labels.heading_is(a.title, "risks") for a in section.ancestors())
        return labels.clean_heading(section.title) if under_risks else ""

    def _rows(self, table: SyntaxTreeNode) -> list[tuple[int | None, list[str]]]:
        rows = []
        for part in table.children:
            for tr in part.children:
                rows.append((_line(tr), [_plain(_inline_text(cell)) for cell in tr.children]))
        return rows

    def _scale_rows(self, rows, axis: str, columns: list[str | None]) -> None:
        score_col = columns.index("score") if "score" in columns else len(columns) - 1
        desc_col = columns.index("description") if "description" in columns else 1
        for line, cells in rows[1:]:
            level = labels.level_from_words(cells[0])
            bounds = re.fullmatch(r"(\d+)\s*(?:[-–~〜]\s*(\d+))?", cells[score_col].strip()) if cells else None
            if not level or not bounds:
                self.problems.append(
                    (
                        line,
                        f"cannot read scale row {' | '.join(cells)!r} "
                        "(expected a level such as 低/Low and a score such as 1-2)",
                    )
                )
                continue
            low, high = int(bounds[1]), int(bounds[2] or bounds[1])
            if not (scoring.in_scale(low) and scoring.in_scale(high)) or low > high:
                self.problems.append((line, f"scale row {cells[0]!r}: {low}-{high} is not within 1–5"))
                continue
            description = cells[desc_col] if desc_col < len(cells) and desc_col != score_col else ""
            self.plan.scales.append(ScaleBandSpec(axis, level, cells[0], low, high, description))

    def _metric_rows(self, rows, columns: list[str | None]) -> None:
        col = {key: columns.index(key) for key in ("name", "normal", "warning", "critical")}
        category_col = columns.index("category") if "category" in columns else None
        for line, cells in rows[1:]:
            if len(cells) < len(columns):
                self.problems.append((line, "metrics table row has fewer cells than the header"))
                continue
            name = cells[col["name"]]
            try:
                spec = self._metric(name, cells[col["normal"]], cells[col["warning"]], cells[col["critical"]], line)
            except thresholds.ThresholdError as exc:
                self.problems.append((line, f"metric {name!r}: {exc}"))
                continue
            spec.category = cells[category_col] if category_col is not None else ""
            if any(m.name == name for m in self.plan.metrics):
                self.problems.append((line, f"metric {name!r} is listed twice"))
            self.plan.metrics.append(spec)

    def _metric(self, name: str, normal: str, warning: str, critical: str, line: int | None) -> MetricSpec:
        return metric_from_bands(name, normal, warning, critical, line, self.plan.warnings)

    # -- alert rules and review templates ------------------------------------------------------
    def _list_texts(self, section: Section) -> list[tuple[int | None, str]]:
        texts = []
        for node in section.nodes:
            if node.type in {"bullet_list", "ordered_list"}:
                for item in node.children:
                    if item.children and item.children[0].type == "paragraph":
                        texts.append((_line(item), _plain(_inline_text(item.children[0]))))
        return texts

    def _alert_rules(self, section: Section) -> None:
        for child in section.children:
            priority = self._group_kind(child, ("immediate", "watch"), "alert group")
            if priority is None:
                continue
            for line, text in self._list_texts(child):
                try:
                    self.plan.alert_rules.append(alert_rule(priority, text))
                except thresholds.ThresholdError as exc:
                    self.problems.append((line, f"alert rule {text!r}: {exc}"))

    def _openslo(self, tokens) -> None:
        """Fenced blocks holding OpenSLO v1 documents (checked here, so a preview shows their errors)."""
        from monitoring.slos import openslo

        for token in tokens:
            if token.type != "fence" or openslo.API_VERSION not in token.content:
                continue
            line = token.map[0] + 1 if token.map else None
            try:
                openslo.read(token.content)
            except openslo.OpenSLOError as exc:
                self.problems.extend((line, f"OpenSLO: {error}") for error in exc.errors)
                continue
            self.plan.openslo.append((line or 0, token.content))

    def _weekly(self, section: Section) -> None:
        template = ReviewTemplateSpec("weekly", labels.clean_heading(section.title))
        for node in section.nodes:
            if node.type == "fence" and node.info.strip().lower() in {"markdown", "md", ""}:
                inner = PlanParser(node.content, name=self.name)
                tree = inner._sections(SyntaxTreeNode(MarkdownIt("commonmark").parse(node.content)))
                self._checklist(tree, template)
        if not template.items:
            self._checklist(section, template)
        if not template.items:
            self.problems.append((section.line, "the weekly review has no checklist items"))
        self.plan.reviews.append(template)

    def _checklist(self, tree: Section, template: ReviewTemplateSpec) -> None:
        for section in tree.walk():
            if section.level == 1 and section.title:
                template.name = labels.clean_heading(section.title)
            heading = labels.clean_heading(section.title) if section is not tree else ""
            for _line_no, text in self._list_texts(section):
                template.items.append(ChecklistItemSpec(heading, _TASK.sub("", text).strip()))

    def _monthly(self, section: Section) -> None:
        template = ReviewTemplateSpec("monthly", labels.clean_heading(section.title))
        for node in section.nodes:
            if node.type not in {"ordered_list", "bullet_list"}:
                continue
            for item in node.children:
                match = _LABELLED.match(_inline_text(item.children[0])) if item.children else None
                if match:
                    title = match["label"] or match["plain"]
                    description = match["value"] if match["label"] else match["pvalue"]
                    template.items.append(ChecklistItemSpec("", _plain(title), _plain(description)))
                elif item.children:
                    template.items.append(ChecklistItemSpec("", _plain(_inline_text(item.children[0]))))
        if not template.items:
            self.problems.append((section.line, "the monthly review has no steps"))
        self.plan.reviews.append(template)

    # -- programme-wide strategies -------------------------------------------------------------
    def _strategies(self, top: Section) -> None:
        for group in top.children:
            kind = self._group_kind(group, ("preventive", "reactive"), "strategy group")
            if kind is None:
                continue
            for position, item in enumerate(group.children, start=1):
                heading = _NUMBERED.match(labels.clean_heading(item.title))
                number, title = (
                    (int(heading["n"]), heading["title"]) if heading else (position, labels.clean_heading(item.title))
                )
                fences = [n for n in item.nodes if n.type == "fence"]
                if fences:
                    detail = "\n\n".join(f.content.strip("\n") for f in fences)
                    language = fences[0].info.strip()
                else:
                    spans = [n.map for n in item.nodes if n.map]
                    detail = "\n".join(self.lines[spans[0][0] : spans[-1][1]]).strip("\n") if spans else ""
                    language = ""
                self.plan.strategies.append(StrategySpec(kind, number, title, detail, language))

    def _group_kind(self, section: Section, kinds: tuple[str, ...], what: str) -> str | None:
        """Which of ``kinds`` a sub-heading names (e.g. immediate / watch); warn and skip otherwise."""
        kind = next((k for k in kinds if labels.heading_is(section.title, k)), None)
        if kind is None:
            self.plan.warnings.append(
                f"line {section.line}: {what} {section.title!r} is neither {' nor '.join(kinds)}; ignored"
            )
        return kind

    # -- whole-document checks -----------------------------------------------------------------
    def _check_whole(self) -> None:
        if not self.plan.risks and not any(p for p in self.problems):
            self.problems.append(
                (
                    None,
                    "no risks found: expected numbered risk headings (e.g. '#### 1. Title') "
                    "each followed by a field list with a risk score",
                )
            )
        axes = {}
        for band in self.plan.scales:
            axes.setdefault(band.axis, []).append(band)
        for axis, bands in axes.items():
            covered = sorted(v for b in bands for v in range(b.min_value, b.max_value + 1))
            if covered != list(range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1)):
                self.problems.append(
                    (
                        None,
                        f"the {axis} scale must cover {scoring.SCALE_MIN}–{scoring.SCALE_MAX} exactly once, "
                        f"covers {covered}",
                    )
                )


def parse_plan(source: str, *, name: str = "plan") -> Plan:
    return PlanParser(source, name=name).parse()
