"""The register's models: programmes and memberships, scales and level bands, categories and
components, risks with their score history and links, mitigations and strategies, acceptances and
appetite."""

from register.models.acceptances import RiskAcceptance
from register.models.appetite import Appetite
from register.models.mitigations import Mitigation, Strategy
from register.models.programmes import InProgramme, Membership, Programme
from register.models.risks import Risk, RiskLink, ScoreChange
from register.models.scales import LevelBand, ScaleBand
from register.models.taxonomy import Category, Component

__all__ = [
    "Appetite",
    "Category",
    "Component",
    "InProgramme",
    "LevelBand",
    "Membership",
    "Mitigation",
    "Programme",
    "Risk",
    "RiskAcceptance",
    "RiskLink",
    "ScaleBand",
    "ScoreChange",
    "Strategy",
]
