from riskregister.models.indicators import Indicator
from riskregister.models.mitigations import Mitigation, Strategy
from riskregister.models.reviews import (
    MitigationEvaluation,
    Reassessment,
    ReportSubscription,
    Review,
    ReviewAction,
    ReviewItem,
    ReviewReport,
    ReviewTemplate,
    ReviewTemplateItem,
)
from riskregister.models.risks import Risk, RiskLink, ScoreChange
from riskregister.models.scales import LevelBand, ScaleBand
from riskregister.models.taxonomy import Category, Component

__all__ = [
    "Category",
    "Component",
    "Indicator",
    "LevelBand",
    "Mitigation",
    "MitigationEvaluation",
    "Reassessment",
    "ReportSubscription",
    "Review",
    "ReviewAction",
    "ReviewItem",
    "ReviewReport",
    "ReviewTemplate",
    "ReviewTemplateItem",
    "Risk",
    "RiskLink",
    "ScaleBand",
    "ScoreChange",
    "Strategy",
]
