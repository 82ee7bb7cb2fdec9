"""/metrics: django-prometheus's request and database metrics plus the register's own gauges.

The register gauges, each labelled with its programme's code, are computed from the database at
scrape time with eight cheap queries, so they
are correct whichever gunicorn worker answers; the request metrics use prometheus_client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (the Procfile sets it for the web process).
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from monitoring.choices import ReadingStatus
from monitoring.models import SLO, Alert, IndicatorState, Metric
from monitoring.models.alerts import OPEN_STATES
from monitoring.telemetry.access import may_read_internals
from register.choices import AcceptanceState, AppetiteStatus, RiskStatus
from register.models import Programme, Risk, RiskAcceptance

INDICATOR_VALUE = {"normal": 0, "warning": 1, "critical": 2}


class RegisterCollector:
    def collect(self):
        programmes = list(Programme.objects.order_by("code").values_list("code", flat=True))
        # Every series names its programme: R-1 is a risk of each programme, and two samples with the
        # same labels would make the whole scrape invalid.
        scores = GaugeMetricFamily(
            "riskregister_risk_score",
            "Risk score (impact × likelihood).",
            labels=["programme", "code", "level", "category"],
        )
        for programme, code, level, category, score in Risk.objects.values_list(
            "programme__code", "code", "level", "category__name", "score"
        ):
            scores.add_metric([programme, code, level, category or ""], score)
        yield scores

        states = GaugeMetricFamily(
            "riskregister_indicator_state",
            "Indicator state: 0 normal, 1 warning, 2 critical, -1 no data.",
            labels=["programme", "risk", "indicator"],
        )
        rows = IndicatorState.objects.values_list(
            "indicator__risk__programme__code",
            "indicator__risk__code",
            "indicator__name",
            "last_status",
            "phase",
            "severity",
        )
        for programme, risk, indicator, last_status, phase, severity in rows:
            status = severity if phase in ("firing", "recovering") and severity else last_status
            states.add_metric([programme, risk, indicator], INDICATOR_VALUE.get(status, -1))
        yield states

        alerts = GaugeMetricFamily(
            "riskregister_open_alerts", "Open (pending, firing, recovering) alerts.", labels=["programme", "priority"]
        )
        counts = {
            (programme, priority): n
            for programme, priority, n in Alert.objects.filter(state__in=OPEN_STATES)
            .annotate(owner=Coalesce("metric__programme__code", "slo__programme__code"))
            .values_list("owner", "priority")
            .annotate(n=Count("id"))
            .order_by()
        }
        for programme in programmes:
            for priority in ("immediate", "watch"):
                alerts.add_metric([programme, priority], counts.get((programme, priority), 0))
        yield alerts

        up = GaugeMetricFamily(
            "riskregister_source_up", "1 if the metric's last collection gave a value.", labels=["programme", "metric"]
        )
        for programme, key, status in Metric.objects.filter(enabled=True).values_list(
            "programme__code", "key", "last_status"
        ):
            up.add_metric([programme, key], 0 if status in ("", ReadingStatus.NO_DATA, ReadingStatus.ERROR) else 1)
        yield up

        appetite = GaugeMetricFamily(
            "riskregister_risks_by_appetite",
            "Open risks by where they sit against their appetite (status '' when none is set).",
            labels=["programme", "status"],
        )
        by_status = {
            (programme, status): n
            for programme, status, n in Risk.objects.exclude(status=RiskStatus.CLOSED)
            .values_list("programme__code", "appetite_status")
            .annotate(n=Count("id"))
            .order_by()
        }
        for programme in programmes:
            for status in AppetiteStatus.values:
                appetite.add_metric([programme, status], by_status.get((programme, status), 0))
        yield appetite
        yield GaugeMetricFamily(
            "riskregister_risks_outside_appetite",
            "Open risks outside appetite (the whole organisation; by programme: riskregister_risks_by_appetite).",
            value=sum(n for (_programme, status), n in by_status.items() if status == AppetiteStatus.OUTSIDE),
        )

        expiring = GaugeMetricFamily(
            "riskregister_acceptances_expiring",
            "Active risk acceptances expiring within the window (days).",
            labels=["within_days"],
        )
        today = timezone.localdate()
        ends = list(
            RiskAcceptance.objects.filter(
                state=AcceptanceState.ACTIVE, expires_on__lte=today + timedelta(days=30)
            ).values_list("expires_on", flat=True)
        )
        for days in (7, 30):
            expiring.add_metric([str(days)], sum(1 for end in ends if (end - today).days <= days))
        yield expiring

        remaining = GaugeMetricFamily(
            "riskregister_slo_budget_remaining",
            "Fraction of the SLO's error budget not yet spent over its window (negative once overspent).",
            labels=["programme", "slo", "risk"],
        )
        burn = GaugeMetricFamily(
            "riskregister_slo_burn_rate",
            "How many times faster than allowed the SLO's error budget burns over the window.",
            labels=["slo", "window"],
        )
        # An SLO without data has no sample (rather than a made-up 0): absent() can alert on it.
        for programme, key, risk, left, rates in SLO.objects.filter(enabled=True).values_list(
            "programme__code", "key", "risk__code", "budget_remaining", "burn_rates"
        ):
            if left is not None:
                remaining.add_metric([programme, key, risk or ""], left)
            for window, rate in (rates or {}).items():
                if rate is not None:
                    burn.add_metric([key, window], rate)
        yield remaining
        yield burn


def _process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics(request):
    if not may_read_internals(request):
        response = HttpResponse("/metrics needs Authorization: Bearer <METRICS_TOKEN> or a staff login.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    register = CollectorRegistry()
    register.register(RegisterCollector())
    body = generate_latest(_process_registry()) + generate_latest(register)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
