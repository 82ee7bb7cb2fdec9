"""A new lead's first step in a real browser: on an empty register, the start-here strip leads to the
import page; the user's own Japanese plan is previewed, applied, and the register lists its risks."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import JA_PLAN, axe_violations, overflow, switch_language
from tests.integration.services import use_broker

# Committed rows (the live server's thread reads them); serialized_rollback puts back what the
# migrations created (roles, beat rows) for the tests after these, as the suite's other live tests do.
# Once: pages and a browser the database hardly changes (the SQLite pass).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.once]


def test_a_lead_imports_the_plan_through_the_admin(page, site, transactional_db, redis_url):
    from register.models import Risk

    use_broker(redis_url)  # the import queues projection work after commit (nobody runs it here)
    shots = page.shots
    switch_language(page, "ja")
    shots.take(page, "empty-index")
    page.get_by_role("link", name="リスク管理計画をインポート").click()
    page.set_input_files("#plan-file", str(JA_PLAN))
    page.click("#plan-upload button[type=submit]")
    page.wait_for_selector("#plan-preview")
    shots.take(page, "preview")
    assert overflow(page) == {}
    assert axe_violations(page) == []
    assert not Risk.objects.exists()  # a preview writes nothing

    page.click("#plan-apply button[type=submit]")
    page.wait_for_selector(".messagelist")
    shots.take(page, "applied")
    assert Risk.objects.count() >= 5

    page.goto(site + "/admin/register/risk/")
    shots.take(page, "risks")
    assert page.locator("#result_list tbody tr").count() == Risk.objects.count()
    assert overflow(page) == {}
