"""Japanese all the way through: with the user's own Japanese plan loaded, the key pages show no
English word that the plan itself does not contain (the plan's own words — API, p95, Redis — are the
user's data; every other English word on the page is UI that was not translated)."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import JA_PLAN, layout_problems, switch_language

# Committed rows (the live server's thread reads them); serialized_rollback puts back what the
# migrations created (roles, beat rows) for the tests after these, as the suite's other live tests do.
# Once: pages and a browser the database hardly changes (the SQLite pass).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.once]


# Words that are English in every language: names and abbreviations, not UI text to translate.
NOT_TRANSLATED = {
    "English",  # the language menu names each language in itself
    "lead",  # the user's name
    "MTTA",
    "MTTR",
    "PDF",
    "HTML",
    "xlsx",
    "INC",
    "cron",  # a program's name
    "SLO",  # service level objective: written so in Japanese SRE texts too
    "SLI",
    "PromQL",  # a query language's name
}


def words(text: str) -> set[str]:
    # Lower-cased: the admin writes some headings in capitals through CSS, which innerText keeps.
    return {word.lower() for word in re.findall(r"[A-Za-z][A-Za-z']{2,}", text)}


def english_lines(page, allowed: set[str]) -> dict[str, str]:
    """Each English word on the page that is not allowed, with the line it stands in."""
    found = {}
    for line in page.evaluate("document.body.innerText").splitlines():
        for word in sorted(words(line) - allowed):
            found.setdefault(word, line.strip()[:120])
    return found


def test_the_key_pages_speak_japanese(page, site, japanese):
    from monitoring.models import SLO
    from register.models import Risk

    allowed = words(" ".join(NOT_TRANSLATED)) | words(JA_PLAN.read_text()) | words(JA_PLAN.name)
    risk = Risk.objects.filter(indicators__metric__isnull=False).order_by("number").first()
    switch_language(page, "ja")
    pages = {
        "index": "/admin/",
        "risks": "/admin/register/risk/",
        "risk": f"/admin/register/risk/{risk.pk}/change/",
        "review": f"/admin/reviews/review/{japanese.pk}/change/",
        "confirm": f"/admin/reviews/review/{japanese.pk}/complete/",
        "heatmap": "/admin/heatmap/",
        # The plan's 稼働率 and エラー率 run as SLOs.
        "slo": f"/admin/monitoring/slo/{SLO.objects.order_by('pk').first().pk}/change/",
    }
    problems = {}
    for name, url in pages.items():
        page.goto(site + url)
        page.shots.take(page, name)
        english = english_lines(page, allowed)
        if english:
            problems[f"{name}: English"] = english
        problems.update(layout_problems(page, name))
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
