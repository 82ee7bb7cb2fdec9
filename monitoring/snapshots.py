"""What an acceptance's approval keeps of a risk's indicators (core.extensions.add_snapshot_part)."""

from __future__ import annotations

from monitoring.models import Indicator
from monitoring.models.indicators import indicator_live_status


def indicator_snapshot(risk) -> list[dict]:
    """Each indicator of the risk as an approval saw it: its state and last value."""

    return [
        {
            "name": indicator.name,
            "metric": indicator.metric.key if indicator.metric_id else None,
            "state": indicator_live_status(getattr(indicator, "live", None)) if indicator.metric_id else "",
            "value": indicator.metric.last_value if indicator.metric_id else None,
            "unit": indicator.metric.unit if indicator.metric_id else "",
        }
        for indicator in Indicator.objects.filter(risk_id=risk.pk).select_related("metric", "live")
    ]
