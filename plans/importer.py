"""Write a parsed :class:`Plan` into the register: atomic, idempotent, and reporting what changed.

Every row goes through ``full_clean()`` before it is saved, so the importer obeys the same rules as
the admin and the API. Rows the register has but the plan lacks are kept (people add mitigations in
the admin) and reported as warnings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from monitoring.choices import RuleKind, SLIKind
from monitoring.models import SLO, AlertRule, Indicator, Metric
from monitoring.models.indicators import event_on_shortfall
from monitoring.slos import budget as slo_budget
from monitoring.slos import openslo
from plans.document import Plan, PlanError, RiskSpec
from register import appetite
from register.choices import RiskStatus, ScoreSource, Treatment
from register.models import (
    Appetite,
    Category,
    Component,
    Mitigation,
    Programme,
    Risk,
    RiskAcceptance,
    ScaleBand,
    Strategy,
)
from reviews import evidence_bindings
from reviews.models import ReviewTemplate, ReviewTemplateItem

MAX_LISTED_CHANGES = 1000
ENTITIES = (
    "scale_bands",
    "categories",
    "risks",
    "mitigations",
    "indicators",
    "strategies",
    "metrics",
    "alert_rules",
    "slos",
    "review_templates",
    "review_items",
    "acceptances",
    "appetite",
)


@dataclass
class ImportReport:
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {"created": 0, "updated": 0, "unchanged": 0} for name in ENTITIES}
    )
    warnings: list[str] = field(default_factory=list)
    # Each row created or updated: {"entity", "action", "object", "fields": {name: [old, new]}}; the
    # first MAX_LISTED_CHANGES are listed (a preview page stays readable), the rest only counted.
    changes: list[dict] = field(default_factory=list)
    more_changes: int = 0

    def count(self, entity: str, outcome: str) -> None:
        self.counts[entity][outcome] += 1

    def record(self, change: dict) -> None:
        if len(self.changes) < MAX_LISTED_CHANGES:
            self.changes.append(change)
        else:
            self.more_changes += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "changed": self.changed,
            "counts": self.counts,
            "changes": self.changes,
            "more_changes": self.more_changes,
            "warnings": self.warnings,
        }


class _Importer:
    def __init__(self, plan: Plan, report: ImportReport, programme: Programme, *, user=None, source_name: str = ""):
        self.plan = plan
        self.programme = programme
        self.report = report
        self.user = user
        # Kept in the score history: in the register's language, like the other reasons it stores.
        self.reason = (
            gettext("plan import (%(source)s)") % {"source": source_name} if source_name else gettext("plan import")
        )
        self.line: int | None = None
        self.last_created = False  # whether the last upsert created its row

    def upsert(
        self, entity: str, model: type[models.Model], lookup: dict, values: dict, instance: models.Model | None = None
    ) -> models.Model:
        obj = instance if instance is not None else model.objects.filter(**lookup).first()
        self.last_created = obj is None
        if obj is None:
            obj = model(**lookup, **values)
            self.save(obj)
            self.report.count(entity, "created")
            self.report.record({"entity": entity, "action": "created", "object": _shown(obj), "fields": {}})
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            fields = {name: [_shown(getattr(obj, name)), _shown(values[name])] for name in changed}
            for name in changed:
                setattr(obj, name, values[name])
            self.save(obj)
            self.report.count(entity, "updated")
            self.report.record({"entity": entity, "action": "updated", "object": _shown(obj), "fields": fields})
        else:
            self.report.count(entity, "unchanged")
        return obj

    def save(self, obj: models.Model) -> None:
        try:
            obj.full_clean()
        except ValidationError as exc:
            # Report it like a parse error, at the risk's line: the transaction rolls back whole.
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise PlanError([(self.line, f"{obj._meta.verbose_name} {str(obj)[:60]!r}: {details}")]) from exc
        if isinstance(obj, Risk):
            obj.save(changed_by=self.user, change_reason=self.reason, change_source=ScoreSource.IMPORT)
        else:
            obj.save()

    def run(self) -> None:
        plan = self.plan
        self.scales()
        categories = {
            name: self.upsert("categories", Category, {"programme": self.programme, "name": name}, {"order": position})
            for position, name in enumerate(plan.categories, start=1)
        }
        metrics = {
            spec.name.casefold(): self.upsert(
                "metrics",
                Metric,
                {"programme": self.programme, "name": spec.name},
                {
                    "category": spec.category,
                    "unit": spec.unit,
                    "direction": spec.direction,
                    "warning": spec.warning,
                    "critical": spec.critical,
                },
            )
            for spec in plan.metrics
        }
        components = list(Component.objects.all())
        users = {
            u.get_username(): u
            for u in get_user_model().objects.filter(username__in=[r.owner for r in plan.risks if r.owner])
        }
        for spec in plan.risks:
            self.risk(spec, categories.get(spec.category), metrics, components, users)
        self.line = None
        self.appetite(categories)
        for position, spec in enumerate(plan.alert_rules, start=1):
            self.upsert(
                "alert_rules",
                AlertRule,
                {"programme": self.programme, "priority": spec.priority, "condition": spec.condition},
                {
                    "metric": metrics.get(spec.subject.casefold()),
                    "operator": spec.operator,
                    "threshold": spec.threshold,
                    "unit": spec.unit,
                    "order": position,
                },
            )
        for metric in metrics.values():
            self.slo(metric)
        for line, text in plan.openslo:
            self.openslo(line, text)
        for spec in plan.strategies:
            self.upsert(
                "strategies",
                Strategy,
                {"programme": self.programme, "kind": spec.kind, "number": spec.number},
                {"title": spec.title, "detail": spec.detail, "detail_language": spec.language},
            )
        for spec in plan.reviews:
            template = self.upsert(
                "review_templates",
                ReviewTemplate,
                {"programme": self.programme, "kind": spec.kind},
                {"name": spec.name},
            )
            for order, item in enumerate(spec.items, start=1):
                row = self.upsert(
                    "review_items",
                    ReviewTemplateItem,
                    {"template": template, "order": order},
                    {"section": item.section, "text": item.text, "description": item.description},
                )
                # Only a new item gets the default binding: re-imports keep what admins chose.
                if self.last_created:
                    evidence_bindings.bind(row, Metric)

    def scales(self) -> None:
        """The plan's scale. The register's first becomes the organisation's (as does every scale of
        a register of one team); a programme whose plan states other bands than the ones it inherits
        gets them as its own — bounds or words — kept to itself and the programmes under it."""
        if not self.plan.scales:
            return
        own = ScaleBand.objects.filter(programme=self.programme).exists()
        if own:
            owner = self.programme
        elif Programme.objects.count() <= 1 or not ScaleBand.objects.filter(programme__isnull=True).exists():
            owner = None
        else:
            fields = ("axis", "level", "label", "min_value", "max_value", "description")
            inherited = sorted(ScaleBand.objects.for_programme(self.programme).values_list(*fields))
            if inherited == sorted(tuple(getattr(band, f) for f in fields) for band in self.plan.scales):
                self.report.counts["scale_bands"]["unchanged"] += len(self.plan.scales)
                return
            owner = self.programme
        for band in self.plan.scales:
            self.upsert(
                "scale_bands",
                ScaleBand,
                {"programme": owner, "axis": band.axis, "level": band.level},
                {
                    "label": band.label,
                    "min_value": band.min_value,
                    "max_value": band.max_value,
                    "description": band.description,
                },
            )

    def slo(self, metric: Metric) -> None:
        """A metric the plan states as a rate of good or bad events (稼働率 > 99.5 %, エラー率 < 1 %)
        runs as an SLO on its readings, under the highest-scored risk whose indicator watches it."""
        stated = slo_budget.objective_from_bands(
            metric.name, metric.category, metric.unit, metric.direction, metric.warning
        )
        if stated is None:
            return
        objective, measures = stated
        risk = Risk.objects.filter(indicators__metric=metric).order_by("-score", "number").first()
        self.upsert(
            "slos",
            SLO,
            {"programme": self.programme, "metric": metric, "sli_kind": SLIKind.METRIC},
            {"name": f"{metric.name} SLO", "objective": objective, "metric_measures": measures, "risk": risk},
        )

    def openslo(self, line: int, text: str) -> None:
        """An OpenSLO block of the plan: its SLOs created or updated by name, as import_openslo does."""
        try:
            counts = openslo.apply(openslo.read(text), programme=self.programme)
        except openslo.OpenSLOError as exc:
            raise PlanError([(line, f"OpenSLO: {error}") for error in exc.errors]) from exc
        for outcome, n in counts.items():
            self.report.counts["slos"][outcome] += n

    def risk(self, spec: RiskSpec, category, metrics, components, users) -> None:
        self.line = spec.line
        # The programme's own risks only: another programme's R-1 is another risk.
        mine = Risk.objects.filter(programme=self.programme)
        risk = mine.filter(number=spec.number).first()
        if risk is None:
            risk = mine.filter(title=spec.title).first()
            if risk is not None:
                self.report.warnings.append(
                    f"{spec.code} {spec.title!r} matched {risk.code} by title; the register keeps {risk.code}"
                )
        values = {
            "title": spec.title,
            "category": category,
            "description": spec.description,
            "impact_text": spec.impact_text,
            "impact": spec.impact,
            "likelihood": spec.likelihood,
            "stated_level": spec.stated_level,
        }
        if spec.status:
            values["status"] = spec.status
        elif risk is None:
            values["status"] = RiskStatus.OPEN
        if spec.owner:
            if spec.owner in users:
                values["owner"] = users[spec.owner]
            else:
                self.report.warnings.append(f"{spec.code}: owner {spec.owner!r} is not a user; left unassigned")
        if spec.next_review:
            values["next_review_date"] = datetime.date.fromisoformat(spec.next_review)
        # Only what the plan states: a plan silent on treatment keeps the register's decisions.
        if spec.inherent:
            values["inherent_impact"], values["inherent_likelihood"] = spec.inherent
        if spec.target:
            values["target_impact"], values["target_likelihood"] = spec.target
        if spec.treatment:
            values["treatment"] = spec.treatment
            values["treatment_counterparty"] = spec.treatment_counterparty
            if spec.treatment_rationale:
                values["treatment_rationale"] = spec.treatment_rationale
            elif spec.treatment in (Treatment.AVOID, Treatment.TRANSFER) and not (risk and risk.treatment_rationale):
                # Avoiding or transferring needs a reason; a plan that gives none is the reason.
                values["treatment_rationale"] = self.reason
        elif spec.mitigations and (risk is None or not risk.treatment):
            # The plan lists countermeasures: mitigating is its decision (ISO 31000's "modify").
            values["treatment"] = Treatment.MITIGATE
        lookup = {"programme": self.programme, "number": spec.number} if risk is None else {}
        risk = self.upsert("risks", Risk, lookup, values, instance=risk)
        if risk.level_disagrees:
            self.report.warnings.append(
                f"{risk.code}: the plan states {risk.get_stated_level_display()} but {risk.impact} × "
                f"{risk.likelihood} = {risk.score} is {risk.get_level_display()} by the level bands"
            )
        self.link_components(risk, spec, components)
        if spec.accepted_until:
            self.acceptance(risk, spec)

        kept = set()
        for mitigation in spec.mitigations:
            self.upsert(
                "mitigations",
                Mitigation,
                {"risk": risk, "number": mitigation.number},
                {"title": mitigation.title, "detail": mitigation.detail, "detail_language": mitigation.language},
            )
            kept.add(mitigation.number)
        for extra in risk.mitigations.exclude(number__in=kept).values_list("number", flat=True):
            self.report.warnings.append(f"{risk.code}: mitigation {extra} is not in the plan; kept")

        names = set()
        for order, indicator in enumerate(spec.indicators, start=1):
            existing = Indicator.objects.filter(risk=risk, name=indicator.name).first()
            probe = Indicator(name=indicator.name, rule_text=indicator.rule_text)
            probe.apply_rule_text()
            values = {
                "order": order,
                "rule_text": indicator.rule_text,
                "rule_kind": probe.rule_kind,
                "operator": probe.operator,
                "threshold": probe.threshold,
                "unit": probe.unit,
                "rule_on_complement": probe.rule_on_complement,
            }
            metric = metrics.get(indicator.name.casefold())
            if metric is not None:
                values["metric"] = metric
                self.check_rule_fits(risk, indicator.name, probe, metric)
            self.upsert("indicators", Indicator, {"risk": risk, "name": indicator.name}, values, instance=existing)
            names.add(indicator.name)
        for extra in risk.indicators.stated().exclude(name__in=names).values_list("name", flat=True):
            self.report.warnings.append(f"{risk.code}: indicator {extra!r} is not in the plan; kept")

    def acceptance(self, risk: Risk, spec: RiskSpec) -> None:
        """A plan that states an acceptance asks for one: a request waiting for an approver, once."""
        until = datetime.date.fromisoformat(spec.accepted_until)
        if risk.acceptances.filter(expires_on=until).exists() or risk.acceptances.filter(state="requested").exists():
            self.report.count("acceptances", "unchanged")
            return
        if until <= timezone.localdate():
            self.report.warnings.append(f"{spec.code}: the acceptance until {until} has already expired; not requested")
            return
        request = RiskAcceptance(
            risk=risk,
            justification=spec.treatment_rationale or self.reason,
            expires_on=until,
            requested_by=self.user if self.user and self.user.is_authenticated else None,
            extends=risk.acceptances.filter(state__in=["approved", "active"]).first(),
        )
        self.save(request)
        self.report.count("acceptances", "created")
        self.report.record({"entity": "acceptances", "action": "created", "object": _shown(request), "fields": {}})

    def appetite(self, categories: dict) -> None:
        """A new appetite version where the plan's differs from the one in force (versions are history)."""
        in_force = Appetite.objects.filter(programme=self.programme).in_force()
        for spec in self.plan.appetite:
            category = categories.get(spec.category) if spec.category else None
            if spec.category and category is None:
                category = self.upsert("categories", Category, {"programme": self.programme, "name": spec.category}, {})
            current = in_force.get((self.programme.pk, category.pk if category else None))
            stated = (spec.appetite, spec.tolerance, spec.basis)
            if current is not None and (current.appetite, current.tolerance, current.basis) == stated:
                self.report.count("appetite", "unchanged")
                continue
            version = Appetite(
                category=category,
                appetite=spec.appetite,
                tolerance=spec.tolerance,
                basis=spec.basis,
                reason=self.reason,
                set_by=self.user if self.user and self.user.is_authenticated else None,
            )
            self.save(version)
            self.report.count("appetite", "updated" if current else "created")
            fields = {} if current is None else {"appetite": [str(current), str(version)]}
            self.report.record(
                {
                    "entity": "appetite",
                    "action": "updated" if current else "created",
                    "object": str(version),
                    "fields": fields,
                }
            )
        appetite.refresh()

    def check_rule_fits(self, risk: Risk, name: str, rule: Indicator, metric: Metric) -> None:
        """Say how an early-warning rule is read when its wording and its metric do not match."""
        if rule.rule_kind == RuleKind.EVENT and event_on_shortfall(metric):
            self.report.warnings.append(
                f"{risk.code}: {name!r} has an event rule on a rate where higher is better ({metric.name}, "
                "%): an event is any reading below 100 %"
            )
        elif rule.rule_kind == RuleKind.EVENT and metric.unit.strip() == "%":
            self.report.warnings.append(
                f"{risk.code}: {name!r} has an event rule on a percentage ({metric.name}): any reading above 0 % "
                "is an occurrence; give the rule a threshold if that is not what it means"
            )

    def link_components(self, risk: Risk, spec: RiskSpec, components: list[Component]) -> None:
        wanted = []
        for name in spec.components:
            match = next((c for c in components if c.name.casefold() == name.casefold()), None)
            if match is None:
                match = Component(name=name)
                self.save(match)
                components.append(match)
            wanted.append(match)
        text = f"{spec.title}\n{spec.description}"
        wanted += [c for c in components if c not in wanted and c.is_mentioned_in(text)]
        current = set(risk.components.values_list("pk", flat=True))
        missing = [c for c in wanted if c.pk not in current]
        if missing:
            risk.components.add(*missing)


def _shown(value) -> str | int | float | bool | None:
    """A value as the change list shows it (JSON-safe): objects by their name, dates as ISO text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)  # a risk reads "R-1 Title", a category its name


def import_plan(
    plan: Plan, *, programme: Programme | None = None, user=None, dry_run: bool = False, source_name: str = ""
) -> ImportReport:
    """Apply ``plan`` to ``programme``'s register in one transaction; on any error nothing is
    written. Dry runs roll back. Without a programme: the register's only one (made on the first
    import); with several, the caller must name one."""
    report = ImportReport(dry_run=dry_run, warnings=list(plan.warnings))
    with transaction.atomic():
        if programme is None:
            try:
                programme = Programme.objects.default()
            except Programme.Ambiguous as exc:
                raise PlanError([(None, "the register has several programmes: name the one to import into")]) from exc
        _Importer(plan, report, programme, user=user, source_name=source_name).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


def summarise(report: ImportReport) -> str:
    lines = []
    totals = defaultdict(int)
    for entity, counts in report.counts.items():
        if any(counts.values()):
            lines.append(
                f"  {entity:<17} created {counts['created']:>3}  updated {counts['updated']:>3}  "
                f"unchanged {counts['unchanged']:>3}"
            )
        for outcome, n in counts.items():
            totals[outcome] += n
    head = "Dry run, nothing written:" if report.dry_run else "Imported:"
    lines.insert(0, f"{head} {totals['created']} created, {totals['updated']} updated, {totals['unchanged']} unchanged")
    lines += [f"  warning: {w}" for w in report.warnings]
    return "\n".join(lines)
