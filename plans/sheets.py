"""A plan read from tables: the sheets of a workbook (or the CSV files of a zip, or a Markdown table).

Teams keep registers in spreadsheets with their own headers, so every sheet and column is known by
several names (plans.sheet_layout), and a sheet whose name we do not know is recognised by its
columns. ``plan_from_tables`` turns the tables into the same :class:`Plan` the Markdown parser
produces (so the importer's rules, dry run and report are shared); plans.sheet_export writes the
register back out in the reader's vocabulary (round trip). Nothing here touches files (see
:mod:`plans.spreadsheets`).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from monitoring.alerting import thresholds
from plans import labels, treatment
from plans.builders import alert_rule, attach_rule, metric_from_bands
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
from plans.sheet_layout import (
    ALERT_RULES,
    APPETITE,
    AXES,
    INDICATORS,
    METRICS,
    MITIGATIONS,
    PRIORITIES,
    REVIEW_KINDS,
    REVIEWS,
    RISKS,
    SCALES,
    SHEETS,
    STRATEGIES,
    STRATEGY_KINDS,
    WORDS_OUT,
    Sheet,
    lookup,
)
from plans.tables import MAX_ROWS, Table, column_letter
from register import scoring

RISK_NUMBER_MAX = 99_999  # Risk.number's validators


_SCORE_CELL = re.compile(r"(\d+)(?:\.0+)?(?:(?:\s*[-–—:：(（]|\.\s+|\s+)\D.*)?")


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
        axis = lookup(AXES, values["axis"][0])
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
        priority = lookup(PRIORITIES, values["priority"][0])
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
        kind = lookup(STRATEGY_KINDS, values["kind"][0])
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
        kind = lookup(REVIEW_KINDS, values["kind"][0])
        if kind is None:
            self.problems.append((where, f"review {values['kind'][0]!r} is neither weekly nor monthly"))
            return
        template = next((t for t in self.plan.reviews if t.kind == kind), None)
        if template is None:
            default = WORDS_OUT["review"][self.plan.language][kind]
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
