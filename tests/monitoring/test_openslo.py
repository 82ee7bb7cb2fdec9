"""OpenSLO v1 files in, SLOs out: a valid file as people write them, and every kind of file we refuse
with the document and field named, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.models import SLO, Indicator
from monitoring.slos import openslo
from register.models import Risk

FIXTURE = Path(__file__).parents[1] / "fixtures" / "openslo-api.yaml"


def documents():
    return list(yaml.safe_load_all(FIXTURE.read_text()))


def dump(docs):
    return yaml.safe_dump_all(docs, allow_unicode=True)


def test_a_file_as_people_write_it_reads_into_slos():
    api, checkout = openslo.read(FIXTURE.read_text())
    assert (api.key, api.name, api.objective, api.window_days, api.risk) == (
        "api-availability",
        "API availability",
        99.5,
        28,
        "R-1",
    )
    assert api.good_query == 'http_requests_total{job="api",code!~"5.."}' and not api.bad_query
    assert api.prometheus_url == "http://prometheus.example.internal:9090"
    assert api.alert_windows == [
        {"long": "1h", "short": "5m", "factor": 14.4, "priority": "immediate"},
        {"long": "3d", "short": "6h", "factor": 1.0, "priority": "watch"},
    ]
    assert checkout.bad_query.startswith("sum(rate(checkout_requests_total{code=~")
    assert (checkout.objective, checkout.window_days, checkout.risk) == (99.9, 30, "")
    assert checkout.alert_windows == [row.as_dict() for row in openslo.budget.DEFAULT_WINDOWS]


def _set(path, value):
    def change(docs):
        target = docs
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return docs

    return change


SLO_DOC = 5
REFUSED = [
    (_set([SLO_DOC, "apiVersion"], "openslo/v2alpha"), "apiVersion"),
    (_set([SLO_DOC, "kind"], "Budget"), "kind 'Budget' is not supported"),
    (_set([SLO_DOC, "metadata", "name"], ""), "metadata.name"),
    (_set([SLO_DOC, "spec", "budgetingMethod"], "Timeslices"), "Timeslices"),
    (_set([SLO_DOC, "spec", "timeWindow"], [{"duration": "1M", "isRolling": False, "calendar": {}}]), "rolling"),
    (_set([SLO_DOC, "spec", "timeWindow", 0, "duration"], "36h"), "whole days"),
    (_set([SLO_DOC, "spec", "objectives"], [{"target": 0.99}, {"target": 0.999}]), "exactly one objective"),
    (_set([SLO_DOC, "spec", "objectives", 0, "target"], 99.5), "target"),
    (_set([SLO_DOC, "spec", "indicatorRef"], "nowhere"), "SLI 'nowhere'"),
    (_set([SLO_DOC, "spec", "alertPolicies"], ["missing-policy"]), "AlertPolicy 'missing-policy'"),
    (_set([2, "spec", "ratioMetric", "good", "metricSource", "metricSourceRef"], "datadog"), "DataSource 'datadog'"),
    (_set([0, "spec", "type"], "Datadog"), "'Datadog' is not supported"),
    (
        _set([2, "spec", "ratioMetric", "bad"], {"metricSource": {"type": "Prometheus", "spec": {"query": "x"}}}),
        "exactly one of good and bad",
    ),
    (_set([2, "spec"], {"thresholdMetric": {"metricSource": {"type": "Prometheus"}}}), "thresholdMetric"),
    (_set([3, "spec", "condition", "kind"], "threshold"), "burnrate only"),
    (_set([3, "spec", "condition", "op"], "lt"), "op 'lt'"),
    (_set([3, "spec", "severity"], "sms"), "severity 'sms'"),
    (_set([3, "spec", "condition", "threshold"], -2), "factor"),
    (_set([3, "spec", "condition", "alertAfter"], "2h"), "shorter"),
    (_set([4, "spec", "conditions", 1, "spec", "condition", "lookbackWindow"], "35d"), "longer than the SLO"),
]


@pytest.mark.parametrize(("change", "message"), REFUSED)
def test_what_we_do_not_support_is_refused_by_name(change, message):
    with pytest.raises(openslo.OpenSLOError) as refused:
        openslo.read(dump(change(documents())))
    assert message in str(refused.value)


@pytest.mark.parametrize("text", ["", "kind: [", "- 1\n- 2", "just text"])
def test_not_an_openslo_file(text):
    with pytest.raises(openslo.OpenSLOError):
        openslo.read(text)


# Anything YAML can hold, put where the file's values are: an OpenSLOError, never a crash.
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from paths(value, (*prefix, n))


ALL_PATHS = [p for n, doc in enumerate(documents()) for p in paths(doc, (n,)) if len(p) > 1]


# Once: no database in it (the SQLite pass).
@pytest.mark.once
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), values)
def test_any_value_anywhere_is_read_or_refused_never_a_crash(path, value):
    docs = _set(list(path), value)(documents())
    try:
        specs = openslo.read(dump(docs))
    except openslo.OpenSLOError as refused:
        assert refused.errors
    else:
        assert all(0 < spec.objective < 100 for spec in specs)


@pytest.mark.django_db
def test_the_command_imports_all_or_nothing_and_updates_by_name(capsys):
    risk = Risk(title="API unavailable", impact=5, likelihood=3)
    risk.save()
    call_command("import_openslo", str(FIXTURE), "--risk", risk.code)
    api, checkout = SLO.objects.order_by("key")
    assert (api.risk, checkout.risk) == (risk, risk)  # the annotation is this risk too
    assert api.sli_kind == "prometheus" and api.window_days == 28
    assert Indicator.objects.filter(slo__isnull=False, risk=risk).count() == 2

    call_command("import_openslo", str(FIXTURE), "--risk", risk.code)  # again: updated, not doubled
    assert SLO.objects.count() == 2
    assert "0 SLO(s) created, 2 updated" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_unknown_risk_writes_nothing():
    with pytest.raises(CommandError, match="no risk 'R-1'"):
        call_command("import_openslo", str(FIXTURE))
    assert not SLO.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(capsys):
    call_command("import_openslo", str(FIXTURE), "--dry-run")
    assert not SLO.objects.exists()
    assert "api-availability: 99.5 % over 28 d, risk R-1" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_refused_file_names_every_problem(tmp_path):
    docs = documents()
    docs[SLO_DOC]["spec"]["budgetingMethod"] = "Timeslices"
    docs[3]["spec"]["severity"] = "sms"
    path = tmp_path / "bad.yaml"
    path.write_text(dump(docs))
    with pytest.raises(CommandError) as refused:
        call_command("import_openslo", str(path))
    assert "Timeslices" in str(refused.value) and "severity 'sms'" in str(refused.value)
    assert not SLO.objects.exists()


@pytest.mark.django_db
def test_a_plan_that_embeds_openslo_imports_its_slos():
    from plans.importer import import_plan
    from plans.parser import parse_plan

    plan_text = (Path(__file__).parents[2] / "plans" / "demo" / "plan.md").read_text()
    embedded = f"{plan_text}\n\n## SLOs\n\n```yaml\n{FIXTURE.read_text()}```\n"
    report = import_plan(parse_plan(embedded))
    assert report.counts["slos"]["created"] >= 2
    assert SLO.objects.get(key="api-availability").risk.code == "R-1"
    assert SLO.objects.get(key="checkout-errors").sli_kind == "prometheus"


def test_a_plan_with_a_broken_openslo_block_names_its_line():
    from plans.document import PlanError
    from plans.parser import parse_plan

    plan_text = (Path(__file__).parents[2] / "plans" / "demo" / "plan.md").read_text()
    broken = FIXTURE.read_text().replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices", 1)
    text = f"{plan_text}\n\n## SLOs\n\n```yaml\n{broken}```\n"
    with pytest.raises(PlanError) as refused:
        parse_plan(text)
    line = len(plan_text.splitlines()) + 5  # the fence's first line
    assert any(where == line and "Timeslices" in what for where, what in refused.value.problems)
