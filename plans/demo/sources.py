"""Bind the demo plan's metrics to the register's own live signals (the register watching itself),
and give the demo the rest of its chain: a notification channel, risk links for the cascade page.
Only `make run`'s bootstrap calls this, on a register it has just filled."""

from __future__ import annotations

from django.conf import settings

DEMO_SOURCES = {
    # /health/ answers from the web process and the database alone: it measures the API, not the
    # stores (which /health/detailed waits on, up to its timeout, while they start).
    "API response time": ("http", {"measure": "latency_ms", "timeout_ms": 5000, "url": "{site}/health/"}),
    "Connection success rate": ("service", {"service": "graph", "measure": "up_percent"}),
    "Connection latency": ("service", {"service": "graph", "measure": "latency_ms"}),
    "Memory utilization": ("host", {"measure": "memory_percent"}),
}
INTERVAL_SECONDS = 15
DEMO_PROGRAMME = "P2"  # the demo plan's programme in `make run`'s organisation (plans/demo/organisation.py)
# (cause, effect, why): the plan's risks make each other more likely.
DEMO_LINKS = [
    ("R-2", "R-1", "a store that refuses connections stalls the requests that need it"),
    ("R-3", "R-1", "a worker short of memory answers slowly"),
    ("R-3", "R-2", "an exhausted worker drops its store connections"),
]
DEMO_CHANNEL = {"name": "demo e-mail (var/mail)", "kind": "email", "target": "ops@localhost"}


def bind_demo_sources() -> list[str]:
    from monitoring.models import Metric

    bound = []
    for name, (source, config) in DEMO_SOURCES.items():
        metric = Metric.objects.filter(name=name, programme__code=DEMO_PROGRAMME).first() or (
            Metric.objects.filter(name=name).first()
        )
        if metric is None:
            continue
        metric.source = source
        metric.source_config = {
            k: v.format(site=settings.SITE_URL.rstrip("/")) if isinstance(v, str) else v for k, v in config.items()
        }
        metric.interval_seconds = INTERVAL_SECONDS
        metric.full_clean()
        metric.save()
        bound.append(f"{metric.key} ← {source}")
    return bound


def add_demo_chain() -> list[str]:
    """A channel every alert reaches (e-mails land under var/mail), the plan's causes, and the
    plan's immediate-response alerts firing on their first breach (a demo that waits for two
    failed probes shows a crash the supervisor heals in ten seconds as nothing at all)."""
    from monitoring.choices import Priority
    from monitoring.models import AlertRule, Indicator, IndicatorState
    from notifications.models import Channel
    from register.models import Risk, RiskLink

    done = []
    immediate = AlertRule.objects.filter(priority=Priority.IMMEDIATE, metric__isnull=False).values("metric_id")
    for indicator in Indicator.objects.filter(metric_id__in=immediate).select_related("risk"):
        state, _ = IndicatorState.objects.get_or_create(indicator=indicator)
        if state.for_count != 1:
            state.for_count = 1
            state.save(update_fields=["for_count"])
            done.append(f"{indicator.risk.code} {indicator.name}: fires on the first breach (an immediate plan alert)")
    channel, created = Channel.objects.get_or_create(
        name=DEMO_CHANNEL["name"],
        defaults={"kind": DEMO_CHANNEL["kind"], "target": DEMO_CHANNEL["target"], "immediate": True, "watch": True},
    )
    if created:
        done.append(f"notifications → {channel.target} (files under {settings.EMAIL_FILE_PATH})")
    codes = {c for link in DEMO_LINKS for c in link[:2]}
    # The demo plan's own risks: in the demo they are P2's (a register of one plan has only them).
    own = Risk.objects.filter(programme__code=DEMO_PROGRAMME, code__in=codes)
    risks = {r.code: r for r in (own if own.exists() else Risk.objects.filter(code__in=codes))}
    for cause, effect, note in DEMO_LINKS:
        if cause in risks and effect in risks:
            _, made = RiskLink.objects.get_or_create(cause=risks[cause], effect=risks[effect], defaults={"note": note})
            if made:
                done.append(f"{cause} causes {effect}")
    return done
