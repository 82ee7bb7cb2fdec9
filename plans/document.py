"""What a plan says, as plain data: the parser produces it, the importer and exporter consume it."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a problem is: a 1-based line of a Markdown plan, or "sheet Risks, row 7, column D (Impact)"
# in a spreadsheet; None for the plan as a whole.
Where = int | str | None


class PlanError(ValueError):
    """A plan we refuse to import. ``problems`` holds every (where, message) found."""

    def __init__(self, problems: list[tuple[Where, str]]):
        self.problems = problems
        super().__init__("\n".join(format_problem(where, msg) for where, msg in problems))


def format_problem(where: Where, message: str) -> str:
    if isinstance(where, int) and where:
        return f"line {where}: {message}"
    return f"{where}: {message}" if where else message


@dataclass
class ScaleBandSpec:
    axis: str
    level: str
    label: str
    min_value: int
    max_value: int
    description: str


@dataclass
class MitigationSpec:
    number: int
    title: str
    detail: str = ""
    language: str = ""


@dataclass
class IndicatorSpec:
    name: str
    rule_text: str = ""


@dataclass
class RiskSpec:
    number: int
    title: str
    category: str
    impact: int
    likelihood: int
    line: Where
    stated_level: str = ""
    description: str = ""
    impact_text: str = ""
    mitigations: list[MitigationSpec] = field(default_factory=list)
    indicators: list[IndicatorSpec] = field(default_factory=list)
    status: str = ""
    owner: str = ""
    components: list[str] = field(default_factory=list)
    next_review: str = ""
    # Treatment as a plan may state it (plans/treatment.py); None / "" when it does not.
    inherent: tuple[int, int] | None = None
    target: tuple[int, int] | None = None
    treatment: str = ""
    treatment_counterparty: str = ""
    treatment_rationale: str = ""
    accepted_until: str = ""  # YYYY-MM-DD: the plan asks for an acceptance until then

    @property
    def code(self) -> str:
        return f"R-{self.number}"


@dataclass
class StrategySpec:
    kind: str
    number: int
    title: str
    detail: str = ""
    language: str = ""


@dataclass
class MetricSpec:
    name: str
    category: str
    unit: str
    direction: str
    warning: float
    critical: float
    line: Where


@dataclass
class AlertRuleSpec:
    priority: str
    condition: str
    subject: str
    operator: str = ""
    threshold: float | None = None
    unit: str = ""


@dataclass
class ChecklistItemSpec:
    section: str
    text: str
    description: str = ""


@dataclass
class ReviewTemplateSpec:
    kind: str
    name: str
    items: list[ChecklistItemSpec] = field(default_factory=list)


@dataclass
class AppetiteSpec:
    category: str  # "" for the programme-wide default
    appetite: int
    tolerance: int
    basis: str = "current"


@dataclass
class Plan:
    title: str = ""
    language: str = "en"
    scales: list[ScaleBandSpec] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    risks: list[RiskSpec] = field(default_factory=list)
    strategies: list[StrategySpec] = field(default_factory=list)
    metrics: list[MetricSpec] = field(default_factory=list)
    alert_rules: list[AlertRuleSpec] = field(default_factory=list)
    reviews: list[ReviewTemplateSpec] = field(default_factory=list)
    appetite: list[AppetiteSpec] = field(default_factory=list)
    # OpenSLO v1 documents embedded in the plan as fenced blocks: (line of the fence, its text).
    openslo: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
