"""Plans that state treatment: inherent and target scores, the decision, an acceptance and the appetite,
in Japanese and English, in Markdown and spreadsheets — imported, exported and refused with the line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from plans.document import PlanError
from plans.exporter import export_markdown
from plans.files import read_plan
from plans.importer import import_plan
from plans.parser import parse_plan
from plans.sheet_export import tables_from_register
from plans.spreadsheets import write_xlsx
from register.models import Appetite, Category, Risk, RiskAcceptance
from tests.plans.test_plan_parser import line_of
from tests.plans.test_spreadsheets import empty_register, workbook

pytestmark = pytest.mark.django_db
UNTIL = (timezone.localdate() + timedelta(days=120)).isoformat()

JA = f"""# リスク管理計画

## リスク許容度
- 全体: 9 / 12
- 技術的リスク: 6 / 10（目標）

## 特定されたリスクと対策

### 技術的リスク

#### 1. グラフDBの障害
- **リスクスコア**: 4 × 3 = 12 (高リスク)
- **固有リスク**: 影響度5 × 発生確率4
- **残存リスク・目標**: 4 × 1 = 4
- **対応方針**: 低減
- **対策**:
  1. レプリカの追加

#### 2. ベンダー障害
- **リスクスコア**: 3 × 3 = 9 (中リスク)
- **対応方針**: 移転（クラウド保険）— 自社で冗長化するより安い

#### 3. 旧APIの脆弱性
- **リスクスコア**: 2 × 2 = 4 (低リスク)
- **対応方針**: 受容
- **対応理由**: 来期に廃止予定
- **リスク受容**: {UNTIL}まで
"""

EN = """# Risk Management Plan

## Risk Appetite
- Programme: 8 / 15
- Operations: 4 / 8

## Identified Risks

### Operations

#### 1. Vendor outage
- **Risk Score**: 4 × 3 = 12
- **Inherent Risk**: 5 x 4 = 20
- **Residual Risk**: 4 x 2
- **Treatment**: Transfer (ACME insurer): cheaper than a second vendor

#### 2. Legacy batch job
- **Risk Score**: 2 × 3 = 6
- **Treatment**: Avoid - decommission the job
"""


def test_a_japanese_plan_states_treatment_and_appetite():
    report = import_plan(parse_plan(JA))
    r1, r2, r3 = Risk.objects.order_by("number")
    assert (r1.inherent_score, r1.score, r1.target_score, r1.treatment) == (20, 12, 4, "mitigate")
    assert (r2.treatment, r2.treatment_counterparty, r2.treatment_rationale) == (
        "transfer",
        "クラウド保険",
        "自社で冗長化するより安い",
    )
    assert (r2.inherent_score, r2.target_score) == (9, None)  # inherent defaults to current
    assert (r3.treatment, r3.treatment_rationale) == ("accept", "来期に廃止予定")
    # The plan asks for the acceptance; an approver still has to grant it.
    acceptance = RiskAcceptance.objects.get()
    assert (acceptance.risk, acceptance.state, acceptance.expires_on.isoformat()) == (r3, "requested", UNTIL)
    tech = Category.objects.get(name="技術的リスク")
    in_force = Appetite.objects.by_category()
    assert (in_force[None].appetite, in_force[None].tolerance) == (9, 12)
    assert (in_force[tech.pk].appetite, in_force[tech.pk].tolerance, in_force[tech.pk].basis) == (6, 10, "target")
    # 技術的リスク judges on target: R-1's target 4 ≤ 6 is within; R-2 has no target, so its current
    # 9 is over 6 but within the tolerance 10.
    assert (r1.appetite_status, Risk.objects.get(pk=r2.pk).appetite_status) == ("within", "watch")
    assert report.counts["appetite"]["created"] == 2 and report.counts["acceptances"]["created"] == 1
    # Importing again changes nothing: no second version, no second request.
    again = import_plan(parse_plan(JA))
    assert not again.changed, again.changes
    assert Appetite.objects.count() == 2 and RiskAcceptance.objects.count() == 1


def test_an_english_plan_states_treatment_and_appetite():
    import_plan(parse_plan(EN))
    r1, r2 = Risk.objects.order_by("number")
    assert (r1.inherent_score, r1.target_score, r1.treatment, r1.treatment_counterparty) == (
        20,
        8,
        "transfer",
        "ACME insurer",
    )
    assert (r2.treatment, r2.treatment_rationale) == ("avoid", "decommission the job")
    assert r1.appetite_status == "outside"  # Operations: 4 / 8, and 12 > 8
    assert r2.appetite_status == "watch" and Risk.objects.get(pk=r2.pk).category.name == "Operations"  # 6 in 4 / 8


def test_a_changed_appetite_is_a_new_version():
    import_plan(parse_plan(EN))
    import_plan(parse_plan(EN.replace("- Operations: 4 / 8", "- Operations: 12 / 16")))
    operations = Category.objects.get(name="Operations")
    assert list(Appetite.objects.filter(category=operations).order_by("pk").values_list("appetite", flat=True)) == [
        4,
        12,
    ]
    assert Risk.objects.get(number=1).appetite_status == "within"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("- **Inherent Risk**: 5 x 4 = 20", "- **Inherent Risk**: 6 x 4", "inherent score has impact 6 outside 1–5"),
        ("- **Residual Risk**: 4 x 2", "- **Residual Risk**: 4 x 2 = 9", "4 × 2 is 8, not 9"),
        ("- **Treatment**: Avoid - decommission the job", "- **Treatment**: ignore it", "unknown treatment"),
        ("- Operations: 4 / 8", "- Operations: 9 / 8", "tolerance 8 is below the appetite 9"),
        ("- Operations: 4 / 8", "- Operations: 4 / 30", "tolerance 30 is not a score"),
        ("- Programme: 8 / 15", "- Programme 8 / 15", "expected 'category: appetite / tolerance'"),
    ],
)
def test_bad_treatment_is_refused_at_its_line(old, new, message):
    source = EN.replace(old, new)
    assert source != EN
    with pytest.raises(PlanError) as info:
        parse_plan(source)
    line = line_of(source, new)
    assert any(where == line and message in text for where, text in info.value.problems), info.value.problems


def test_a_transfer_without_counterparty_is_refused_by_the_register_rule():
    source = EN.replace("Transfer (ACME insurer): cheaper than a second vendor", "Transfer")
    with pytest.raises(PlanError) as info:
        import_plan(parse_plan(source))
    assert "treatment_counterparty" in str(info.value)
    assert not Risk.objects.exists()


@pytest.mark.parametrize("value", ["faster recovery", "< 200 ms", "99.9 %", "2027-03-31"])
def test_a_target_that_is_not_a_score_is_a_warning_not_a_refusal(value):
    plan = parse_plan(EN.replace("- **Residual Risk**: 4 x 2", f"- **Target**: {value}"))
    assert plan.risks[0].target is None
    assert any(f"{value!r} is not a score" in w for w in plan.warnings)


def test_a_target_column_of_other_targets_is_a_warning():
    content = workbook(
        Risks=[["ID", "Title", "Impact", "Likelihood", "Target"], ["R-1", "Vendor outage", 4, 3, "99.9 %"]]
    )
    plan = read_plan("register.xlsx", content)
    assert plan.risks[0].target is None and any("is not a score" in w for w in plan.warnings)


def test_a_spreadsheet_states_treatment_in_columns():
    content = workbook(
        Risks=[
            [
                "ID",
                "Title",
                "Impact",
                "Likelihood",
                "Inherent Impact",
                "Inherent Likelihood",
                "Target",
                "Treatment",
                "Counterparty",
                "Accepted Until",
            ],
            ["R-1", "Vendor outage", 4, 3, 5, 4, "4 × 1", "Transfer", "ACME", ""],
            ["R-2", "Legacy job", 2, 2, "", "", "", "受容", "", UNTIL],
        ],
        Appetite=[["Category", "Appetite", "Tolerance"], ["Programme", 6, 10]],
    )
    plan = read_plan("register.xlsx", content)
    import_plan(plan)
    r1, r2 = Risk.objects.order_by("number")
    assert (r1.inherent_score, r1.target_score, r1.treatment, r1.treatment_counterparty) == (20, 4, "transfer", "ACME")
    assert r2.treatment == "accept" and RiskAcceptance.objects.get().risk == r2
    assert (r1.appetite_status, r2.appetite_status) == ("outside", "within")  # 12 > 10; 4 ≤ 6


def test_a_half_given_assessment_names_the_cell():
    content = workbook(
        Risks=[["ID", "Title", "Impact", "Likelihood", "Target Impact"], ["R-1", "Vendor outage", 4, 3, 2]]
    )
    with pytest.raises(PlanError) as info:
        read_plan("register.xlsx", content)
    problems = info.value.problems
    assert any("column E (Target Impact)" in str(where) and "needs both" in text for where, text in problems), problems


@pytest.mark.parametrize("language", ["ja", "en"])
def test_treatment_round_trips_through_markdown_and_xlsx(language):
    import_plan(parse_plan(JA))
    before = sorted(
        Risk.objects.values_list("number", "inherent_score", "target_score", "treatment", "treatment_counterparty")
    )
    appetite_before = sorted((str(v), v.basis) for v in Appetite.objects.in_force().values())
    exported_md = export_markdown(language)
    exported_xlsx = write_xlsx(tables_from_register(language))
    for source in (lambda: parse_plan(exported_md), lambda: read_plan("export.xlsx", exported_xlsx)):
        empty_register()
        Appetite.objects.all().delete()
        import_plan(source())
        after = sorted(
            Risk.objects.values_list("number", "inherent_score", "target_score", "treatment", "treatment_counterparty")
        )
        assert after == before
        assert sorted((str(v), v.basis) for v in Appetite.objects.in_force().values()) == appetite_before
