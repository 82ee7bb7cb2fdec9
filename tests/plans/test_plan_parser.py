"""The parser alone: no database. Counts come from the issue; variants stand for other teams' plans."""

import pytest

from plans.document import PlanError
from plans.files import read_plan_file
from plans.parser import parse_plan
from tests.conftest import SEED_EN, SEED_JA


def summary(plan):
    return {
        "categories": len(plan.categories),
        "risks": [(r.number, r.impact, r.likelihood, r.impact * r.likelihood, r.stated_level) for r in plan.risks],
        "mitigations": sum(len(r.mitigations) for r in plan.risks),
        "strategies": sorted((s.kind, s.number) for s in plan.strategies),
        "indicators": sum(len(r.indicators) for r in plan.risks),
        "rules": sorted(i.rule_text != "" for r in plan.risks for i in r.indicators).count(True),
        "metrics": [(m.direction, m.warning, m.critical, m.unit) for m in plan.metrics],
        "alerts": sorted(a.priority for a in plan.alert_rules),
        "weekly": [len(t.items) for t in plan.reviews if t.kind == "weekly"],
        "monthly": [len(t.items) for t in plan.reviews if t.kind == "monthly"],
        "scales": [(s.axis, s.level, s.min_value, s.max_value) for s in plan.scales],
    }


@pytest.mark.parametrize("path", [SEED_JA, SEED_EN], ids=["ja", "en"])
def test_seed_plan_counts(path):
    plan = read_plan_file(path)
    s = summary(plan)
    assert s["categories"] == 3
    assert s["risks"] == [
        (1, 4, 3, 12, "high"),
        (2, 5, 2, 10, "high"),
        (3, 3, 4, 12, "high"),
        (4, 4, 3, 12, "high"),
        (5, 5, 2, 10, "high"),
        (6, 3, 3, 9, "medium"),
        (7, 2, 4, 8, "medium"),
    ]
    assert s["mitigations"] == 21
    assert len(s["strategies"]) == 6
    assert s["indicators"] == 14
    assert s["rules"] == 7
    assert len(s["metrics"]) == 8
    assert s["alerts"] == ["immediate"] * 4 + ["watch"] * 4
    assert s["weekly"] == [12]
    assert s["monthly"] == [4]
    assert plan.warnings == []


def test_japanese_and_english_plans_say_the_same_thing():
    assert summary(read_plan_file(SEED_JA)) == summary(read_plan_file(SEED_EN))


def test_seed_details_are_kept_verbatim():
    plan = read_plan_file(SEED_JA)
    first = plan.risks[0]
    assert first.title == "API応答時間遅延"
    assert first.category == "技術的リスク"
    assert [m.title for m in first.mitigations] == ["クエリ最適化", "キャッシュ戦略実装", "非同期処理の活用"]
    assert first.mitigations[0].detail == (
        "# Neo4jクエリのインデックス活用\nCREATE INDEX customer_email_index FOR (c:Customer) ON (c.email);"
    )
    assert first.mitigations[1].language == "python"
    assert "@cache_result(ttl=300)" in first.mitigations[1].detail
    assert [(i.name, i.rule_text) for i in first.indicators] == [
        ("API応答時間", "応答時間が400msを超えた場合にアラート"),
        ("データベースクエリ時間", ""),
    ]
    # "接続失敗率" belongs with "接続成功率", not with "接続プール使用率".
    assert plan.risks[1].indicators[0].rule_text == "接続失敗率が5%を超えた場合"
    throughput = next(m for m in plan.metrics if m.name == "スループット")
    assert (throughput.direction, throughput.warning, throughput.critical) == ("lower_is_worse", 500, 200)
    weekly = next(t for t in plan.reviews if t.kind == "weekly")
    assert weekly.items[0].section == "パフォーマンス"
    assert weekly.items[0].text == "API応答時間トレンド確認"


OTHER_TEAM = """\
# Team B risk plan

## Risks

### R-1: Payment gateway timeouts
* Impact: 4
* Likelihood: 2
* Description: The card processor slows down at peak.
* Mitigations:
  1. Retry with backoff: exponential, at most 3 tries
  2. Circuit breaker
     ```python
     breaker = CircuitBreaker(5, 60)
     ```
* KRIs: p95 latency; error rate
* Early warning: when p95 latency exceeds 800 ms

### 2. Key person leaves
- **Score:** 3x3=9 (Medium)
- **Mitigation**: Pair programming
- **Owner**: nobody-yet
- **Status**: Mitigating
"""


def test_a_plan_in_another_teams_style():
    plan = parse_plan(OTHER_TEAM)
    first, second = plan.risks
    assert (first.number, first.impact, first.likelihood, first.category) == (1, 4, 2, "")
    assert first.description == "The card processor slows down at peak."
    assert [(m.number, m.title) for m in first.mitigations] == [(1, "Retry with backoff"), (2, "Circuit breaker")]
    assert first.mitigations[0].detail == "exponential, at most 3 tries"
    assert first.mitigations[1].detail == "breaker = CircuitBreaker(5, 60)"
    assert first.mitigations[1].language == "python"
    assert [i.name for i in first.indicators] == ["p95 latency", "error rate"]
    assert first.indicators[0].rule_text == "when p95 latency exceeds 800 ms"
    assert (second.impact, second.likelihood, second.stated_level) == (3, 3, "medium")
    assert [m.title for m in second.mitigations] == ["Pair programming"]
    assert (second.owner, second.status) == ("nobody-yet", "mitigating")


def test_separate_impact_and_likelihood_must_agree_with_a_stated_product():
    plan = parse_plan("## Risks\n### 1. A\n- **Score**: 6 (Medium)\n- **影響度**: 2\n- **発生確率**: 3\n")
    assert (plan.risks[0].impact, plan.risks[0].likelihood) == (2, 3)
    with pytest.raises(PlanError, match="2 × 3 is 6, not 8"):
        parse_plan("## Risks\n### 1. A\n- **Score**: 8\n- **Impact**: 2\n- **Likelihood**: 3\n")


def seed_with(old: str, new: str) -> str:
    source = SEED_JA.read_text(encoding="utf-8")
    assert old in source
    return source.replace(old, new, 1)


def line_of(source: str, needle: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("4 × 3 = 12 (高リスク)", "6 × 3 = 18 (高リスク)", "impact 6 is outside 1–5"),
        ("4 × 3 = 12 (高リスク)", "4 × 0 = 0 (低リスク)", "likelihood 0 is outside 1–5"),
        ("4 × 3 = 12 (高リスク)", "4 × 3 = 13 (高リスク)", "4 × 3 is 12, not 13"),
        ("4 × 3 = 12 (高リスク)", "とても高い", "cannot read the risk score"),
    ],
)
def test_a_bad_score_names_its_line(old, new, message):
    source = seed_with(old, new)
    with pytest.raises(PlanError) as info:
        parse_plan(source)
    line = line_of(source, new)
    assert any(problem_line == line and message in text for problem_line, text in info.value.problems), (
        info.value.problems
    )
    assert f"line {line}:" in str(info.value)


def test_a_missing_score_is_an_error_not_a_skipped_risk():
    source = seed_with("- **リスクスコア**: 5 × 2 = 10 (高リスク)\n", "")
    with pytest.raises(PlanError, match="R-2|データベース接続エラー") as info:
        parse_plan(source)
    assert info.value.problems[0][0] == line_of(source, "#### 2. データベース接続エラー")


def test_an_unknown_layout_is_refused():
    with pytest.raises(PlanError, match="no risks found"):
        parse_plan("# Notes\n\nSome prose about risks, but no register.\n\n- a\n- b\n")


def test_a_broken_metrics_band_names_its_line():
    source = seed_with("| 200-500ms | > 500ms |", "| 200-500ms | < 100ms |")
    with pytest.raises(PlanError, match="API応答時間") as info:
        parse_plan(source)
    assert info.value.problems[0][0] == line_of(source, "| < 100ms |")


@pytest.mark.parametrize(
    "garble",
    [
        lambda text: text.encode("utf-8").decode("latin-1"),
        lambda text: text.encode("utf-8").decode("cp932", errors="ignore"),
        lambda text: text.replace("リスク", "\ufffd\ufffd"),
    ],
    ids=["utf8-as-latin1", "utf8-as-shiftjis", "replacement-chars"],
)
def test_mojibake_is_refused(garble):
    source = SEED_JA.read_text(encoding="utf-8")
    with pytest.raises(PlanError, match="mojibake"):
        parse_plan(garble(source))


def test_a_file_in_another_encoding_is_refused_with_the_line(tmp_path):
    path = tmp_path / "plan.md"
    path.write_bytes(b"# Plan\n\nok line\n" + "リスク".encode("shift_jis") + b"\n")
    with pytest.raises(PlanError, match="not valid UTF-8") as info:
        read_plan_file(path)
    assert info.value.problems[0][0] == 4


def test_unknown_fields_are_reported_as_warnings():
    plan = parse_plan("## Risks\n### 1. A\n- **Score**: 2 × 2 = 4 (Low)\n- **Colour**: blue\n")
    assert any("unknown field 'Colour'" in w for w in plan.warnings)


def test_unknown_alert_and_strategy_groups_are_reported():
    source = SEED_EN.read_text(encoding="utf-8")
    source = source.replace("#### Alerts Requiring Monitoring", "#### Someday Alerts")
    source = source.replace("### Reactive Measures", "### Aspirational Measures")
    plan = parse_plan(source)
    assert [a.priority for a in plan.alert_rules] == ["immediate"] * 4
    assert {s.kind for s in plan.strategies} == {"preventive"}
    assert any("'Someday Alerts' is neither immediate nor watch" in w for w in plan.warnings)
    assert any("'Aspirational Measures' is neither preventive nor reactive" in w for w in plan.warnings)


RISK_TABLE_PLAN = """# Plan of another team

## Risk Register

### Operations

| ID | Risk | Likelihood (1-5) | Impact (1-5) | Mitigations | KRIs | Early Warning |
|----|------|------------------|--------------|-------------|------|---------------|
| R-1 | Vendor outage | 3 | 4 | Second vendor<br>Runbook | vendor error rate | vendor error rate > 5% |
| R-2 | Key leak | 2 - Unlikely | 5 | Rotate keys | | |

### セキュリティ

| リスクID | タイトル | 影響度 | 発生確率 |
|---|---|---|---|
| 3 | 認証基盤の停止 | 5 | 1 |

#### 4. Written as a heading
- **Risk Score**: 2 × 2 = 4
"""


def test_a_markdown_table_of_risks_reads_like_a_risks_sheet():
    plan = parse_plan(RISK_TABLE_PLAN)
    risks = {r.number: r for r in plan.risks}
    assert sorted(risks) == [1, 2, 3, 4]
    r1 = risks[1]
    assert (r1.title, r1.category, r1.impact, r1.likelihood) == ("Vendor outage", "Operations", 4, 3)
    assert [m.title for m in r1.mitigations] == ["Second vendor", "Runbook"]
    assert [(i.name, i.rule_text) for i in r1.indicators] == [("vendor error rate", "vendor error rate > 5%")]
    assert (risks[2].likelihood, risks[3].category, risks[3].title) == (2, "セキュリティ", "認証基盤の停止")


def test_a_bad_row_in_a_markdown_risk_table_names_its_line_and_column():
    source = RISK_TABLE_PLAN.replace("| R-1 | Vendor outage | 3 | 4 |", "| R-1 | Vendor outage | 3 | 9 |")
    with pytest.raises(PlanError) as info:
        parse_plan(source)
    where = f"line {line_of(source, '| R-1 | Vendor outage')}, column D (Impact (1-5))"
    assert any(w == where and "impact '9'" in m for w, m in info.value.problems), info.value.problems


@pytest.mark.parametrize(
    "fields, impact, likelihood",
    [
        ("- **Likelihood**: High (4)\n- **Impact**: 3\n", 3, 4),
        ("- **Likelihood**: 4/5\n- **Impact Score**: 3/5\n", 3, 4),
        ("- **Likelihood**: 4 - Likely\n- **Impact Rating**: 2 (Minor)\n", 2, 4),
        ("- **Risk Score**: Impact 4 × Likelihood 3 = 12\n", 4, 3),
        ("- **リスクスコア**: 影響度4 × 発生確率3 = 12\n", 4, 3),
        ("- **Risk Score**: 4 x 3 = 12 (High)\n", 4, 3),
    ],
)
def test_scores_as_other_teams_write_them(fields, impact, likelihood):
    risk = parse_plan(f"# P\n\n## Risks\n\n#### 1. A\n{fields}").risks[0]
    assert (risk.impact, risk.likelihood) == (impact, likelihood)


@pytest.mark.parametrize(
    "fields, problem",
    [
        ("- **Likelihood**: 2.5\n- **Impact**: 3\n", "is not a whole number"),
        ("- **Likelihood**: high\n- **Impact**: 3\n", "is not a whole number"),
        ("- **Risk Score**: Impact 4 × Likelihood 3 = 13\n", "4 × 3 is 12, not 13"),
        ("- **Likelihood**: 7 (very)\n- **Impact**: 3\n", "likelihood 7 is outside 1–5"),
    ],
)
def test_scores_that_do_not_hold_are_still_refused(fields, problem):
    with pytest.raises(PlanError, match=problem):
        parse_plan(f"# P\n\n## Risks\n\n#### 1. A\n{fields}")
