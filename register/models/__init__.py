"""The register's models: scales and level bands, categories and components, risks with their score
history and links, mitigations and strategies, acceptances and appetite."""

from register.models.acceptances import RiskAcceptance
from register.models.appetite import Appetite
from register.models.mitigations import Mitigation, Strategy
from register.models.risks import Risk, RiskLink, ScoreChange
from register.models.scales import LevelBand, ScaleBand
from register.models.taxonomy import Category, Component

__all__ = [
    "Appetite",
    "Category",
    "Component",
    "LevelBand",
    "Mitigation",
    "Risk",
    "RiskAcceptance",
    "RiskLink",
    "ScaleBand",
    "ScoreChange",
    "Strategy",
]
