"""The pages a programme lead lives in, at a laptop's width, in English and Japanese."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import layout_problems, switch_language

# Committed rows (the live server's thread reads them); serialized_rollback puts back what the
# migrations created (roles, beat rows) for the tests after these, as the suite's other live tests do.
# Once: pages and a browser the database hardly changes (the SQLite pass).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.once]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_key_pages_fit_a_laptop_and_pass_axe(page, site, demo, language):
    from monitoring.models import SLO, Metric
    from register.models import Risk

    risk = Risk.objects.order_by("number").first()
    metric = Metric.objects.filter(last_collected_at__isnull=False).order_by("pk").first()
    pages = {
        "index": "/admin/",
        "risks": "/admin/register/risk/",
        "risk": f"/admin/register/risk/{risk.pk}/change/",
        "review": f"/admin/reviews/review/{demo.pk}/change/",
        "heatmap": "/admin/heatmap/",
        "metric": f"/admin/monitoring/metric/{metric.pk}/change/",
        "confirm": f"/admin/reviews/review/{demo.pk}/complete/",
    }
    slo = SLO.objects.filter(risk__isnull=False).order_by("pk").first()  # the demo plan's connection success rate
    pages["slos"] = "/admin/monitoring/slo/"
    pages["slo"] = f"/admin/monitoring/slo/{slo.pk}/change/"
    pages["slo-risk"] = f"/admin/register/risk/{slo.risk.pk}/change/"
    # The audit trail: its list (the risk's entries, as the risk page's link opens it) and one entry.
    from audit.models import Entry

    pages["audit"] = f"/admin/audit/entry/?table=register_risk&object_pk={risk.pk}"
    entry = Entry.objects.filter(table="register_risk", object_pk=str(risk.pk)).order_by("-id").first()
    pages["audit-entry"] = f"/admin/audit/entry/{entry.pk}/change/"
    if language != "en":
        switch_language(page, language)
    problems = {}
    for name, url in pages.items():
        page.goto(site + url)
        page.shots.take(page, f"{name}-{language}")
        problems.update(layout_problems(page, name))
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
