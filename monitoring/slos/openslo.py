"""Read OpenSLO v1 documents (https://github.com/OpenSLO/OpenSLO) into the register's SLOs.

Supported: ``SLO`` with a rolling ``timeWindow``, ``budgetingMethod: Occurrences`` and one objective;
``SLI`` (inline or by ``indicatorRef``) with a ``ratioMetric`` whose sources are Prometheus queries;
``AlertPolicy`` (inline or by name) whose conditions are ``AlertCondition`` of kind ``burnrate``;
``DataSource`` of type Prometheus (its URL); ``Service`` is read and ignored. An alert condition's
``lookbackWindow`` is the long window and ``alertAfter`` the short one (as Nobl9 writes the workbook's
1h/5m pair); without ``alertAfter`` the short window is a twelfth of the long, as the workbook advises.
Everything else is refused with the document and the field that was not understood.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

from monitoring.choices import Priority
from monitoring.slos import budget

API_VERSION = "openslo/v1"
RISK_ANNOTATION = "riskregister.io/risk"
SEVERITIES = {
    "page": Priority.IMMEDIATE,
    "critical": Priority.IMMEDIATE,
    "immediate": Priority.IMMEDIATE,
    "ticket": Priority.WATCH,
    "warning": Priority.WATCH,
    "watch": Priority.WATCH,
}


class OpenSLOError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class SLOSpec:
    key: str
    name: str
    description: str = ""
    objective: float = 0.0
    window_days: int = 30
    good_query: str = ""
    bad_query: str = ""
    total_query: str = ""
    prometheus_url: str = ""
    risk: str = ""
    alert_windows: list[dict] = field(default_factory=budget.default_windows)


class _Reader:
    def __init__(self, documents: list):
        self.errors: list[str] = []
        self.by_kind: dict[str, dict[str, dict]] = {}
        self.order: list[tuple[str, dict]] = []
        for n, doc in enumerate(documents, start=1):
            self._index(n, doc)

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def _index(self, n: int, doc) -> None:
        where = f"document {n}"
        if doc is None:
            return
        if not isinstance(doc, dict):
            self.error(where, "is not a mapping")
            return
        kind, version = doc.get("kind"), doc.get("apiVersion")
        name = (doc.get("metadata") or {}).get("name") if isinstance(doc.get("metadata"), dict) else None
        where = f"document {n} ({kind or '?'} {name or '?'})"
        if version != API_VERSION:
            self.error(where, f"apiVersion must be {API_VERSION!r}, not {version!r}")
            return
        if not isinstance(kind, str) or kind not in {
            "SLO",
            "SLI",
            "AlertPolicy",
            "AlertCondition",
            "DataSource",
            "Service",
        }:
            self.error(where, f"kind {kind!r} is not supported (SLO, SLI, AlertPolicy, AlertCondition, DataSource)")
            return
        if not isinstance(name, str) or not name.strip():
            self.error(where, "metadata.name is required")
            return
        if not isinstance(doc.get("spec"), dict):
            self.error(where, "spec is required")
            return
        if name in self.by_kind.setdefault(kind, {}):
            self.error(where, f"a second {kind} named {name!r}")
            return
        self.by_kind[kind][name] = doc
        self.order.append((where, doc))

    def named(self, kind: str, name, where: str) -> dict | None:
        found = self.by_kind.get(kind, {}).get(name) if isinstance(name, str) else None
        if found is None:
            self.error(where, f"refers to {kind} {name!r}, which this file does not define")
        return found

    def query(self, source, where: str) -> tuple[str, str]:
        """(query, url) of a ratioMetric's good/bad/total part."""
        metric_source = source.get("metricSource") if isinstance(source, dict) else None
        if not isinstance(metric_source, dict):
            self.error(where, "needs metricSource")
            return "", ""
        url = ""
        ref = metric_source.get("metricSourceRef")
        kind = metric_source.get("type")
        if ref is not None:
            data_source = self.named("DataSource", ref, where)
            if data_source is None:
                return "", ""
            kind = kind or data_source["spec"].get("type")
            url = str(_dict(data_source["spec"].get("connectionDetails")).get("url") or "")
        if str(kind).lower() != "prometheus":
            self.error(where, f"metricSource type {kind!r} is not supported (Prometheus only)")
            return "", ""
        spec = metric_source.get("spec") or {}
        query = spec.get("query") or spec.get("promql") if isinstance(spec, dict) else None
        if not isinstance(query, str) or not query.strip():
            self.error(where, "metricSource.spec.query (PromQL) is required")
            return "", ""
        return query.strip(), url

    def indicator(self, spec: SLOSpec, slo_spec: dict, where: str) -> None:
        inline, ref = slo_spec.get("indicator"), slo_spec.get("indicatorRef")
        if (inline is None) == (ref is None):
            self.error(where, "give exactly one of spec.indicator and spec.indicatorRef")
            return
        sli = inline if inline is not None else self.named("SLI", ref, where)
        if sli is None:
            return
        sli_spec = sli.get("spec") if isinstance(sli, dict) else None
        if not isinstance(sli_spec, dict):
            self.error(where, "the SLI needs a spec")
            return
        ratio = sli_spec.get("ratioMetric")
        if not isinstance(ratio, dict):
            other = next((k for k in ("thresholdMetric", "rawMetric") if k in sli_spec), "no ratioMetric")
            self.error(where, f"SLI {other}: only ratioMetric (good or bad over total events) is supported")
            return
        if ratio.get("rawType") is not None or "raw" in ratio:
            self.error(where, "ratioMetric.raw is not supported: give good or bad, and total")
            return
        if ("good" in ratio) == ("bad" in ratio):
            self.error(where, "ratioMetric needs exactly one of good and bad")
            return
        part = "good" if "good" in ratio else "bad"
        query, url = self.query(ratio[part], f"{where} ratioMetric.{part}")
        total, total_url = self.query(ratio.get("total"), f"{where} ratioMetric.total")
        if url and total_url and url != total_url:
            self.error(where, "good/bad and total must come from the same Prometheus")
        setattr(spec, f"{part}_query", query)
        spec.total_query, spec.prometheus_url = total, url or total_url

    def window(self, spec: SLOSpec, slo_spec: dict, where: str) -> None:
        windows = slo_spec.get("timeWindow")
        if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
            self.error(where, "timeWindow must hold exactly one window")
            return
        window = windows[0]
        if window.get("isRolling") is not True or "calendar" in window:
            self.error(where, "only rolling windows are supported (isRolling: true)")
            return
        try:
            seconds = budget.parse_duration(window.get("duration", ""))
        except ValueError as exc:
            self.error(where, f"timeWindow.duration: {exc}")
            return
        if seconds % 86400 or not 1 <= seconds // 86400 <= 366:
            self.error(where, "timeWindow.duration must be whole days, 1 to 366 (e.g. 28d or 4w)")
            return
        spec.window_days = seconds // 86400

    def objective(self, spec: SLOSpec, slo_spec: dict, where: str) -> None:
        method = slo_spec.get("budgetingMethod")
        if method != "Occurrences":
            self.error(where, f"budgetingMethod {method!r} is not supported (Occurrences only)")
        objectives = slo_spec.get("objectives")
        if not isinstance(objectives, list) or len(objectives) != 1 or not isinstance(objectives[0], dict):
            self.error(where, "give exactly one objective (one SLO per objective)")
            return
        objective = objectives[0]
        if "target" in objective:
            target = objective["target"]
            value = target * 100 if _number(target) else None
        else:
            value = objective.get("targetPercent") if _number(objective.get("targetPercent")) else None
        if value is None or not 0 < value < 100:
            self.error(where, "the objective needs target (0 < t < 1) or targetPercent (0 < p < 100)")
            return
        spec.objective = round(value, 9)

    def alerts(self, spec: SLOSpec, slo_spec: dict, where: str) -> None:
        policies = slo_spec.get("alertPolicies")
        if policies is None:
            return  # the workbook's table
        if not isinstance(policies, list):
            self.error(where, "alertPolicies must be a list")
            return
        rows = []
        for policy in policies:
            if isinstance(policy, str):
                policy = self.named("AlertPolicy", policy, where)
            elif isinstance(policy, dict) and "alertPolicyRef" in policy:
                policy = self.named("AlertPolicy", policy["alertPolicyRef"], where)
            if policy is None:
                continue
            conditions = _dict(_dict(policy).get("spec")).get("conditions")
            if not isinstance(conditions, list) or not conditions:
                self.error(where, "an alert policy needs conditions")
                continue
            for condition in conditions:
                if isinstance(condition, dict) and "conditionRef" in condition:
                    condition = self.named("AlertCondition", condition["conditionRef"], where)
                if condition is not None:
                    row = self.condition(condition, where)
                    if row is not None:
                        rows.append(row)
        if rows:
            spec.alert_windows = rows

    def condition(self, condition, where: str) -> dict | None:
        spec = condition.get("spec") if isinstance(condition, dict) else None
        name = _dict(_dict(condition).get("metadata")).get("name", "?")
        where = f"{where} alert condition {name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("condition"), dict):
            self.error(where, "needs spec.condition")
            return None
        rule = spec["condition"]
        if rule.get("kind") != "burnrate":
            self.error(where, f"condition kind {rule.get('kind')!r} is not supported (burnrate only)")
            return None
        if rule.get("op", "gte") not in ("gt", "gte"):
            self.error(where, f"op {rule.get('op')!r} is not supported for a burn rate (gt or gte)")
            return None
        priority = SEVERITIES.get(str(spec.get("severity", "")).lower())
        if priority is None:
            self.error(where, f"severity {spec.get('severity')!r}: use page or ticket")
            return None
        try:
            long = budget.parse_duration(rule.get("lookbackWindow", ""))
            short = budget.parse_duration(rule["alertAfter"]) if rule.get("alertAfter") else max(long // 12, 60)
            return budget.BurnWindow.from_dict(
                {
                    "long": budget.format_duration(long),
                    "short": budget.format_duration(short),
                    "factor": rule.get("threshold"),
                    "priority": priority,
                }
            ).as_dict()
        except ValueError as exc:
            self.error(where, str(exc))
            return None

    def slos(self, default_risk: str) -> list[SLOSpec]:
        specs = []
        for where, doc in self.order:
            if doc.get("kind") != "SLO":
                continue
            metadata, slo_spec = doc["metadata"], doc["spec"]
            annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
            spec = SLOSpec(
                key=metadata["name"],
                name=str(metadata.get("displayName") or metadata["name"]),
                description=str(slo_spec.get("description") or ""),
                risk=str(annotations.get(RISK_ANNOTATION) or default_risk),
            )
            self.indicator(spec, slo_spec, where)
            self.window(spec, slo_spec, where)
            self.objective(spec, slo_spec, where)
            self.alerts(spec, slo_spec, where)
            if spec.alert_windows and any(
                budget.parse_duration(r["long"]) > spec.window_days * 86400 for r in spec.alert_windows
            ):
                self.error(where, "an alert's lookbackWindow is longer than the SLO's window")
            specs.append(spec)
        if not specs and not self.errors:
            self.errors.append("the file holds no SLO")
        return specs


def _dict(value) -> dict:
    """The value if it is a mapping, else an empty one (a file may hold anything anywhere)."""
    return value if isinstance(value, dict) else {}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read(text: str, default_risk: str = "") -> list[SLOSpec]:
    """The SLOs in an OpenSLO file; OpenSLOError lists every problem found."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise OpenSLOError([f"not YAML: {exc}"]) from None
    reader = _Reader(documents)
    specs = reader.slos(default_risk)
    if reader.errors:
        raise OpenSLOError(reader.errors)
    return specs


def apply(specs: Iterable[SLOSpec], programme=None) -> dict[str, int]:
    """Create or update the SLOs (by key), all or none; each checked by the model's own rules.

    With a programme, its risks are the ones named and its SLOs the ones updated; a key another
    programme already holds gets this programme's code in front (keys are the organisation's)."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.text import slugify

    from monitoring.choices import SLIKind
    from monitoring.models import SLO
    from register.models import Risk

    counts = {"created": 0, "updated": 0}
    errors: list[str] = []
    risks = Risk.objects.filter(programme=programme) if programme is not None else Risk.objects.all()
    mine = SLO.objects.filter(programme=programme) if programme is not None else SLO.objects.all()
    with transaction.atomic():
        for spec in specs:
            risk = None
            if spec.risk:
                found = list(risks.filter(code=spec.risk)[:2])
                if len(found) != 1:
                    errors.append(
                        f"SLO {spec.key}: no risk {spec.risk!r}"
                        if not found
                        else f"SLO {spec.key}: {spec.risk!r} names risks in several programmes"
                    )
                    continue
                risk = found[0]
            prefixed = (
                slugify(f"{programme.code}-{spec.key}", allow_unicode=True) if programme is not None else spec.key
            )
            slo = mine.filter(key__in=[spec.key, prefixed]).first()
            if slo is None:
                taken = SLO.objects.filter(key=spec.key).exists()
                slo = SLO(key=prefixed if taken else spec.key, programme=programme)
            created = slo.pk is None
            for name in ("name", "description", "objective", "window_days", "good_query", "bad_query", "total_query"):
                setattr(slo, name, getattr(spec, name))
            slo.prometheus_url, slo.alert_windows, slo.risk = spec.prometheus_url, spec.alert_windows, risk
            slo.sli_kind, slo.metric = SLIKind.PROMETHEUS, None
            try:
                slo.full_clean()
            except ValidationError as exc:
                errors += [f"SLO {spec.key}: {f}: {' '.join(m)}" for f, m in exc.message_dict.items()]
                continue
            slo.save()
            counts["created" if created else "updated"] += 1
        if errors:
            raise OpenSLOError(errors)  # inside the transaction: nothing written
    return counts
