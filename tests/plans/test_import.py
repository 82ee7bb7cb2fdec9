import json

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import AlertRule, Indicator, Metric
from plans.document import PlanError
from plans.exporter import export_markdown
from plans.files import read_plan_file
from plans.importer import import_plan
from plans.parser import parse_plan
from register.models import Category, Mitigation, Risk, ScaleBand, ScoreChange, Strategy
from reviews.models import ReviewTemplate, ReviewTemplateItem
from tests.conftest import SEED_EN, SEED_JA

pytestmark = pytest.mark.django_db


def register_counts():
    return {
        "categories": Category.objects.count(),
        "risks": Risk.objects.count(),
        "mitigations": Mitigation.objects.count(),
        "strategies": Strategy.objects.count(),
        "indicators": Indicator.objects.count(),
        "rules": Indicator.objects.exclude(rule_kind="").count(),
        "threshold_rules": sorted((i.threshold, i.unit) for i in Indicator.objects.filter(rule_kind="threshold")),
        "event_rules": Indicator.objects.filter(rule_kind="event").count(),
        "metrics": Metric.objects.count(),
        "immediate": AlertRule.objects.filter(priority="immediate").count(),
        "watch": AlertRule.objects.filter(priority="watch").count(),
        "weekly_items": ReviewTemplateItem.objects.filter(template__kind="weekly").count(),
        "monthly_items": ReviewTemplateItem.objects.filter(template__kind="monthly").count(),
        "scale_bands": ScaleBand.objects.count(),
    }


def snapshot():
    """The register's plan-level content, comparable across databases."""
    return {
        "risks": [
            (
                r.code,
                r.title,
                r.category.name if r.category else "",
                r.description,
                r.impact_text,
                r.impact,
                r.likelihood,
                r.score,
                r.level,
                r.status,
                sorted(c.name for c in r.components.all()),
            )
            for r in Risk.objects.order_by("number")
        ],
        "mitigations": list(
            Mitigation.objects.order_by("risk__number", "number").values_list(
                "risk__code", "number", "title", "detail", "detail_language"
            )
        ),
        "indicators": list(
            Indicator.objects.order_by("risk__number", "order").values_list(
                "risk__code", "name", "metric__name", "rule_text", "rule_kind", "operator", "threshold", "unit"
            )
        ),
        "strategies": list(Strategy.objects.values_list("kind", "number", "title", "detail", "detail_language")),
        "metrics": list(
            Metric.objects.order_by("name").values_list(
                "name", "key", "category", "unit", "direction", "warning", "critical"
            )
        ),
        "alerts": list(
            AlertRule.objects.values_list("priority", "condition", "metric__name", "operator", "threshold", "unit")
        ),
        "templates": list(ReviewTemplate.objects.values_list("kind", "name")),
        "items": list(
            ReviewTemplateItem.objects.values_list("template__kind", "order", "section", "text", "description")
        ),
        "scales": list(
            ScaleBand.objects.values_list("axis", "level", "label", "min_value", "max_value", "description")
        ),
    }


EXPECTED = {
    "categories": 3,
    "risks": 7,
    "mitigations": 21,
    "strategies": 6,
    "indicators": 14,
    "rules": 7,
    "threshold_rules": [(5.0, "%"), (10.0, "%"), (20.0, "%"), (24.0, "h"), (80.0, "%"), (400.0, "ms")],
    "event_rules": 1,
    "metrics": 8,
    "immediate": 4,
    "watch": 4,
    "weekly_items": 12,
    "monthly_items": 4,
    "scale_bands": 6,
}


@pytest.mark.parametrize("path", [SEED_JA, SEED_EN], ids=["ja", "en"])
def test_importing_a_seed_plan_builds_the_register(path):
    report = import_plan(read_plan_file(path))
    assert register_counts() == EXPECTED
    assert report.counts["risks"] == {"created": 7, "updated": 0, "unchanged": 0}
    assert report.warnings == []
    scores = list(Risk.objects.order_by("number").values_list("impact", "likelihood", "score", "level", "stated_level"))
    assert scores == [
        (4, 3, 12, "high", "high"),
        (5, 2, 10, "high", "high"),
        (3, 4, 12, "high", "high"),
        (4, 3, 12, "high", "high"),
        (5, 2, 10, "high", "high"),
        (3, 3, 9, "medium", "medium"),
        (2, 4, 8, "medium", "medium"),
    ]
    # Each new risk starts its score history with the imported score.
    assert ScoreChange.objects.filter(source="import", old_impact__isnull=True).count() == 7


def test_indicators_link_to_dashboard_metrics_of_the_same_name(seeded):
    linked = dict(Indicator.objects.filter(metric__isnull=False).values_list("name", "metric__name"))
    assert linked == {
        "API応答時間": "API応答時間",
        "メモリ使用率": "メモリ使用率",
        "接続プール使用率": "接続プール使用率",
    }
    rule = AlertRule.objects.get(condition="メモリ使用率 > 80%")
    assert (rule.metric.name, rule.operator, rule.threshold, rule.unit) == ("メモリ使用率", ">", 80, "%")


def test_components_are_tagged_from_the_risk_text(seeded):
    names = sorted(Risk.objects.get(code="R-2").components.values_list("name", flat=True))
    assert {"Neo4j", "ChromaDB", "Redis"} <= set(names)


def test_reimporting_the_same_plan_changes_nothing(seeded):
    before = snapshot()
    history = ScoreChange.objects.count()
    report = import_plan(read_plan_file(SEED_JA))
    assert not report.changed
    assert all(c["created"] == 0 and c["updated"] == 0 for c in report.counts.values())
    assert snapshot() == before
    assert ScoreChange.objects.count() == history


def test_an_edited_plan_updates_in_place_and_records_the_rescore(seeded):
    source = SEED_JA.read_text(encoding="utf-8")
    source = source.replace("2 × 4 = 8 (中リスク)", "3 × 4 = 12 (高リスク)")
    source = source.replace("# 1. 定期的なレビュー会議", "# 1. 毎週のレビュー会議")
    ids = dict(Risk.objects.values_list("code", "pk"))
    report = import_plan(parse_plan(source), source_name="v2.md")
    assert report.counts["risks"] == {"created": 0, "updated": 1, "unchanged": 6}
    assert report.counts["mitigations"]["updated"] == 1
    risk = Risk.objects.get(code="R-7")
    assert risk.pk == ids["R-7"]
    assert (risk.impact, risk.likelihood, risk.score, risk.level) == (3, 4, 12, "high")
    change = risk.score_changes.first()
    assert (change.old_impact, change.old_likelihood, change.new_impact, change.new_likelihood) == (2, 4, 3, 4)
    assert (change.source, change.reason) == ("import", "plan import (v2.md)")
    assert risk.mitigations.get(number=1).title == "毎週のレビュー会議"


def test_a_stated_level_that_disagrees_is_a_warning(db):
    source = SEED_JA.read_text(encoding="utf-8").replace("3 × 3 = 9 (中リスク)", "3 × 3 = 9 (高リスク)")
    report = import_plan(parse_plan(source))
    assert any(w.startswith("R-6:") and "9" in w for w in report.warnings)
    assert Risk.objects.get(code="R-6").level == "medium"


def test_a_failure_midway_writes_nothing(db, monkeypatch):
    """Atomicity: the fifth risk fails at the database, the first four must not stay behind."""
    plan = read_plan_file(SEED_JA)
    plan.risks[4].title = "x" * 300  # longer than Risk.title allows: full_clean fails on this row
    with pytest.raises(PlanError, match="title") as info:
        import_plan(plan)
    assert info.value.problems[0][0] == plan.risks[4].line
    assert register_counts()["risks"] == 0
    assert Metric.objects.count() == 0 and Category.objects.count() == 0


def test_a_broken_risk_in_the_middle_of_a_file_leaves_the_database_unchanged(seeded, tmp_path):
    before = snapshot()
    source = SEED_JA.read_text(encoding="utf-8").replace("3 × 4 = 12 (高リスク)", "3 × 7 = 21 (高リスク)")
    source = source.replace("API応答時間遅延", "API応答時間の遅延")  # a change that must not land
    path = tmp_path / "broken.md"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_plan", str(path))
    assert "likelihood 7 is outside 1–5" in str(info.value)
    assert f"line {source.splitlines().index('- **リスクスコア**: 3 × 7 = 21 (高リスク)') + 1}" in str(info.value)
    assert snapshot() == before


def test_dry_run_reports_but_writes_nothing(db, capsys):
    call_command("import_plan", str(SEED_EN), "--dry-run", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True
    assert report["counts"]["risks"]["created"] == 7
    assert Risk.objects.count() == 0 and Metric.objects.count() == 0


def test_json_summary_of_a_real_import(db, capsys):
    call_command("import_plan", str(SEED_JA), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["mitigations"] == {"created": 21, "updated": 0, "unchanged": 0}
    assert report["counts"]["indicators"]["created"] == 14
    assert report["warnings"] == []


def test_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_plan", "/nonexistent/plan.md")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_export_then_import_into_an_empty_register_round_trips(seeded, language):
    before = snapshot()
    exported = export_markdown(language)
    # Empty the register (as a fresh database would be) and import what we exported.
    for model in (Risk, Category, Strategy, Metric, AlertRule, ReviewTemplate, ScaleBand):
        model.objects.all().delete()
    report = import_plan(parse_plan(exported))
    assert report.warnings == []
    after = snapshot()
    if language == "en":
        # The monthly template is named by its heading, and headings are written in the export's language.
        assert after["templates"] == [("monthly", "Monthly Risk Review"), ("weekly", "週次リスク評価チェックリスト")]
        after["templates"] = before["templates"]
    assert after == before
    # ...and exporting again gives the same document.
    assert export_markdown(language) == exported


def test_export_json_has_every_risk_with_children(seeded, capsys):
    call_command("export_plan", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in data["risks"]] == [f"R-{n}" for n in range(1, 8)]
    assert sum(len(r["mitigations"]) for r in data["risks"]) == 21
    assert data["metrics"][0]["bands"] == {"normal": "< 200ms", "warning": "200-500ms", "critical": "> 500ms"}


@pytest.mark.parametrize(
    ("row", "unit", "direction", "warning", "critical"),
    [
        ("| Delivery | Deploys | > 50/min | 20-50/min | < 20/min |", "/min", "lower_is_worse", 50, 20),
        ("| Delivery | Deploys | < 100/min | 100-300/min | > 300/min |", "/min", "higher_is_worse", 100, 300),
        ("| 品質 | Deploys | ５件/日未満 | ５〜１０件/日 | １０件/日超 |", "件/日", "higher_is_worse", 5, 10),
        ("| Ops | Deploys | ≦ 1,000 GB | 1,000-2,000 GB | ≧ 2,000 GB |", "GB", "higher_is_worse", 1000, 2000),
    ],
)
def test_a_plan_with_bands_in_any_unit_imports_them(db, api_as, viewer, row, unit, direction, warning, critical):
    text = SEED_EN.read_text().replace(
        "| Performance | Throughput | > 500 req/s | 200-500 req/s | < 200 req/s |", row.replace("Deploys", "Throughput")
    )
    report = import_plan(parse_plan(text), source_name="other team")
    assert not [w for w in report.warnings if "Throughput" in w]
    metric = Metric.objects.get(name="Throughput")
    assert (metric.unit, metric.direction, metric.warning, metric.critical) == (unit, direction, warning, critical)
    shown = api_as(viewer).get(f"/api/v1/metrics/{metric.key}/").json()
    assert shown["unit"] == unit and unit in json.dumps(shown["bands"], ensure_ascii=False)
