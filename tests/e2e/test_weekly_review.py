"""From login to a completed weekly review without leaving the workbench or scrolling sideways, as a
programme lead does it in Chromium at 1366 × 768, then the PDF report read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import overflow
from tests.integration.services import unavailable

# Committed rows (the live server's thread reads them); serialized_rollback puts back what the
# migrations created (roles, beat rows) for the tests after these, as the suite's other live tests do.
# Once: pages and a browser the database hardly changes (the SQLite pass).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.once]


def test_a_lead_completes_the_weekly_review_in_the_workbench(page, site, demo, tmp_path):
    from register.models import Risk
    from reviews.models import Review

    shots = page.shots
    page.goto(site + "/admin/")
    shots.take(page, "index")
    # The start-here strip leads to this week's review.
    page.get_by_role("link", name="Work through this week's review").click()
    page.wait_for_selector(".wb-card")
    shots.take(page, "workbench")
    assert overflow(page) == {}
    items = page.locator("input.wb-done")
    assert items.count() == demo.items.count() > 0
    assert page.locator("#review-progress-done").inner_text() == "0"

    # Tick every item; progress follows.
    for n in range(items.count()):
        items.nth(n).check()
    assert page.locator("#review-progress-done").inner_text() == str(items.count())
    page.locator(".wb-card textarea[name$='-note']").first.fill("p95 steady; nothing to raise.")

    # Re-score the first flagged risk without a reason: refused, nothing saved.
    card = page.locator(".wb-card[data-current-impact]").first
    code = card.locator("h3 a").inner_text()
    risk = Risk.objects.get(code=code)
    new_likelihood = 5 if risk.likelihood < 5 else 4
    card.locator("input[name$='-proposed_likelihood']").fill(str(new_likelihood))
    assert (
        card.locator(".wb-proposed-score").inner_text()
        == f"{risk.impact} × {new_likelihood} = {risk.impact * new_likelihood}"
    )
    assert card.locator("td.is-proposed").get_attribute("data-likelihood") == str(new_likelihood)
    card.locator("textarea[name$='-rationale']").evaluate("el => el.required = false")  # as a browser without JS
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")
    shots.take(page, "rationale-required")
    assert "Say why the score changes." in page.content()
    assert not Review.objects.get(pk=demo.pk).items.filter(done=True).exists()

    # With a reason, "Complete review…" saves and shows what completing will change.
    card = page.locator(".wb-card[data-current-impact]").first
    card.locator("input[name$='-proposed_likelihood']").fill(str(new_likelihood))
    card.locator("textarea[name$='-rationale']").fill("Two critical episodes this week; failover untested.")
    page.click("#review-complete")
    page.wait_for_selector("#confirm-complete")
    shots.take(page, "confirm")
    assert overflow(page) == {}
    changes = page.locator("#complete-changes").inner_text()
    assert code in changes and f"{risk.impact} × {new_likelihood} = {risk.impact * new_likelihood}" in changes
    page.click("#confirm-complete")
    page.wait_for_selector(".messagelist")
    shots.take(page, "completed")
    assert "completed" in page.locator(".messagelist").inner_text()

    review = Review.objects.get(pk=demo.pk)
    risk.refresh_from_db()
    assert review.is_locked and review.items.filter(done=False).count() == 0
    assert (risk.likelihood, risk.score) == (new_likelihood, risk.impact * new_likelihood)

    # The PDF report, downloaded from the workbench, says what was decided.
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is not installed (scripts/install-report-deps.sh --tests)")
    with page.expect_download() as download:
        page.click("#review-report-pdf")
    pdf = tmp_path / "review.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert str(review) in text
    assert code in text
    assert re.search(r"Two critical episodes this week", text.replace("\n", " "))
