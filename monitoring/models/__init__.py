from monitoring.models.alerts import Alert, AlertTransition, IndicatorState
from monitoring.models.indicators import Indicator
from monitoring.models.metrics import AlertRule, Metric
from monitoring.models.readings import Reading, ReadingRollup
from monitoring.models.slos import SLO
from monitoring.models.sources import SourceState

__all__ = [
    "Alert",
    "AlertRule",
    "AlertTransition",
    "Indicator",
    "IndicatorState",
    "Metric",
    "Reading",
    "ReadingRollup",
    "SLO",
    "SourceState",
]
