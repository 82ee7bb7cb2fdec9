import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from monitoring.models import Indicator
from register.models import Category, LevelBand, Risk

pytestmark = pytest.mark.django_db


def make_risk(**fields):
    values = {"title": "Cache stampede", "impact": 3, "likelihood": 2, **fields}
    risk = Risk(**values)
    risk.full_clean()
    risk.save()
    return risk


def test_code_score_and_level_are_derived():
    risk = make_risk(impact=4, likelihood=3)
    assert (risk.number, risk.code, risk.score, risk.level) == (1, "R-1", 12, "high")
    second = make_risk(title="Other", impact=1, likelihood=2)
    assert (second.code, second.score, second.level) == ("R-2", 2, "low")


@pytest.mark.parametrize(("field", "value"), [("impact", 0), ("impact", 6), ("likelihood", 9), ("likelihood", -1)])
def test_scores_outside_1_to_5_are_rejected_naming_the_field(field, value):
    risk = Risk(title="x", impact=3, likelihood=3)
    setattr(risk, field, value)
    with pytest.raises(ValidationError) as info:
        risk.full_clean()
    assert set(info.value.message_dict) == {field}


def test_the_database_refuses_a_score_that_is_not_the_product():
    risk = make_risk(impact=2, likelihood=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(score=25)


def test_the_database_refuses_impact_outside_the_scale():
    risk = make_risk()
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(impact=7, score=14)


def test_every_rescore_is_recorded_and_other_edits_are_not(superuser):
    risk = make_risk(impact=2, likelihood=2)
    risk.title = "Renamed"
    risk.save()
    assert risk.score_changes.count() == 1  # creation only
    risk = Risk.objects.get(pk=risk.pk)
    risk.likelihood = 5
    risk.save(changed_by=superuser, change_reason="vendor outage", change_source="review")
    latest = risk.score_changes.first()
    assert (latest.old_score, latest.new_score, latest.reason, latest.source, latest.changed_by) == (
        4,
        10,
        "vendor outage",
        "review",
        superuser,
    )
    assert risk.score_changes.count() == 2


def test_moving_a_level_band_relevels_stored_risks():
    risk = make_risk(impact=3, likelihood=3)
    assert risk.level == "medium"
    band = LevelBand.objects.get(level="high")
    band.min_score = 9
    band.full_clean()
    band.save()
    risk.refresh_from_db()
    assert risk.level == "high"
    assert LevelBand.objects.get(level="medium").max_score == 8


@pytest.mark.parametrize(("level", "min_score"), [("low", 2), ("medium", 10), ("medium", 12), ("high", 4)])
def test_level_bands_that_would_not_tile_1_to_25_are_rejected(level, min_score):
    band = LevelBand.objects.get(level=level)
    band.min_score = min_score
    with pytest.raises(ValidationError) as info:
        band.full_clean()
    assert "min_score" in info.value.message_dict


def test_risk_owner_may_edit_only_owned_risks(owner, viewer, administrator):
    mine = make_risk(owner=owner)
    theirs = make_risk(title="Other")
    assert mine.is_editable_by(owner)
    assert not theirs.is_editable_by(owner)
    assert not mine.is_editable_by(viewer)
    assert theirs.is_editable_by(administrator)
    assert list(Risk.objects.editable_by(owner)) == [mine]


def test_indicator_reads_a_typed_rule():
    risk = make_risk()
    indicator = Indicator(risk=risk, name="p95", rule_text="> 400 ms")
    indicator.full_clean()
    assert (indicator.rule_kind, indicator.operator, indicator.threshold, indicator.unit) == (
        "threshold",
        ">",
        400,
        "ms",
    )
    assert indicator.rule_display == "> 400 ms"


def test_indicator_rejects_half_a_threshold():
    risk = make_risk()
    indicator = Indicator(risk=risk, name="p95", rule_kind="threshold", operator=">")
    with pytest.raises(ValidationError):
        indicator.full_clean()


def test_category_deletion_is_protected_while_risks_use_it():
    category = Category.objects.create(name="技術的リスク")
    make_risk(category=category)
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        category.delete()


def test_mitigation_and_indicator_owners(owner, viewer, administrator):
    from register.models import Mitigation

    others = make_risk(title="Someone else's")
    assigned = Mitigation.objects.create(risk=others, number=1, title="Assigned to olga", owner=owner)
    unassigned = Mitigation.objects.create(risk=others, number=2, title="Nobody's")
    indicator = Indicator.objects.create(risk=others, name="p95")
    assert assigned.is_editable_by(owner)
    assert not unassigned.is_editable_by(owner)
    assert not indicator.is_editable_by(owner)
    assert not assigned.is_editable_by(viewer)
    assert unassigned.is_editable_by(administrator) and indicator.is_editable_by(administrator)
    others.owner = owner
    others.save()
    unassigned.refresh_from_db()
    indicator.refresh_from_db()
    assert unassigned.is_editable_by(owner) and indicator.is_editable_by(owner)


@pytest.mark.parametrize(("value", "met"), [(99.0, False), (95.0, False), (94.9, True), (0.0, True)])
def test_a_failure_rate_rule_on_a_success_rate_indicator_checks_the_complement(value, met):
    risk = make_risk()
    indicator = Indicator(risk=risk, name="接続成功率", rule_text="接続失敗率が5%を超えた場合")
    indicator.full_clean()
    assert (indicator.operator, indicator.threshold, indicator.unit) == (">", 5, "%")  # as the plan says
    assert indicator.rule_on_complement
    assert indicator.rule_display == "100 − value > 5 %"
    assert indicator.rule_is_met(value) is met
