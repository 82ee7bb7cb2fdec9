"""A real browser on the admin: Playwright for Python driving Debian's Chromium (installed by
`make test` through scripts/install-test-services.sh; never `playwright install`), against
pytest-django's live server. Screenshots of every step land in var/screenshots/ (not committed):
look at them."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.integration.services import unavailable, use_broker

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("RISKREGISTER_SCREENSHOTS", ROOT / "var" / "screenshots"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PLAN = ROOT / "plans" / "demo" / "plan.md"
JA_PLAN = ROOT / "tests" / "fixtures" / "phase2-risk-plan.ja.md"
WIDTH, HEIGHT = 1366, 768
PASSWORD = "a-browser-test-password"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(transactional_db):
    """Chromium for one test. Started after the test's database is set up and stopped before it is
    torn down: while Playwright's sync API is open, this thread runs its event loop in another
    context, where Django's connection is not the one holding the serialized rollback — a flush then
    would re-create the roles under new ids and break the live tests that follow."""
    executable = chromium_path()
    if executable is None:
        unavailable("Debian's chromium is not installed (scripts/install-test-services.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (requirements-dev.txt)")
    # The test's own ORM calls run while Playwright's loop is open: plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # No name resolves but loopback's address: a page can reach nothing beyond the live server.
            args = ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
            browser = playwright.chromium.launch(executable_path=executable, args=args)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def fill_register(plan, redis_url):
    """A register as a lead finds it after a week: the plan imported, a week of hourly readings
    behind its indicators (some normal, some in warning, some past critical; one metric never
    read), links between risks and this week's review open."""
    from monitoring.forecasts import breach_forecasts
    from monitoring.intake.ingest import record_readings
    from monitoring.intake.sources.base import Value
    from monitoring.models import Metric
    from plans.demo.sources import add_demo_chain
    from plans.files import read_plan_file
    from plans.importer import import_plan
    from reviews.actions import open_review

    use_broker(redis_url)  # imports queue real tasks (nobody runs them here) instead of waiting on a broker
    import_plan(read_plan_file(plan), source_name=plan.name)
    add_demo_chain()
    now = timezone.now().replace(microsecond=0)
    metrics = list(Metric.objects.order_by("pk"))
    for index, metric in enumerate(metrics[:-1]):
        # A point along warning → critical (direction-agnostic) with a little wobble for the charts;
        # the first metric creeps up all week (a time-to-breach to show).
        t = (-0.3, 0.5, 1.3)[index % 3]
        creep = 0.006 if index == 0 else 0.0
        values = [
            metric.warning
            + (t - 1.0 * (index == 0) + creep * h + 0.05 * ((h * 7) % 5)) * (metric.critical - metric.warning)
            for h in range(168)
        ]
        record_readings(metric, [(now - timedelta(hours=168 - h), Value(v)) for h, v in enumerate(values)])
    breach_forecasts.refresh(now)
    from monitoring.models import SLO
    from monitoring.slos import evaluation as slo_evaluation

    for slo in SLO.objects.all():  # the plan's availability targets, with a week of readings behind them
        slo_evaluation.evaluate(slo.pk, now)
    review, _ = open_review("weekly")
    return review


@pytest.fixture
def demo(transactional_db, redis_url):
    """The demo plan `make run` loads (English), a week on."""
    return fill_register(DEMO_PLAN, redis_url)


@pytest.fixture
def japanese(transactional_db, redis_url, settings):
    """The user's own Japanese plan, a week on, in a register set to Japanese (LANGUAGE_CODE=ja):
    the reasons it stores as it runs (score history, review causes) are written in Japanese."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "ja"
    with translation.override("ja"):
        return fill_register(JA_PLAN, redis_url)


@pytest.fixture
def lead(transactional_db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("lead", "lead@example.org", PASSWORD)


@pytest.fixture
def site(live_server) -> str:
    """The live server by address (the browser resolves no name, localhost included)."""
    return live_server.url.replace("://localhost", "://127.0.0.1")


@pytest.fixture
def page(browser, site, lead, request):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.shots = Shots(request.node.name)
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    yield page
    context.close()


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, test: str):
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", test)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.n = 0

    def take(self, page, step: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def switch_language(page, code: str) -> None:
    """As a user does: the language menu in the header."""
    with page.expect_navigation():
        page.select_option("#riskregister-language select", code)


def overflow(page) -> dict[str, int]:
    """What scrolls sideways, and by how much: the page, or any box of it that scrolls on its own (the
    changelist's table does, so a page can "fit" while its last columns are out of view)."""
    return page.evaluate(
        """() => {
        const found = {};
        const root = document.documentElement;
        if (root.scrollWidth - root.clientWidth > 0) found["page"] = root.scrollWidth - root.clientWidth;
        for (const el of document.querySelectorAll("body *")) {
            const style = getComputedStyle(el);
            if (!["auto", "scroll"].includes(style.overflowX) || el.clientWidth === 0) continue;
            const extra = el.scrollWidth - el.clientWidth;
            if (extra > 1) found[el.id ? "#" + el.id : el.tagName.toLowerCase() + "." + el.className] = extra;
        }
        return found;
    }"""
    )


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci; scripts/install-test-services.sh)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result
        if v["impact"] in impacts
    ]


def layout_problems(page, name: str) -> dict:
    """What a page gets wrong at this width: sideways scrolling, serious or critical axe violations."""
    problems = {}
    scrolling = overflow(page)
    if scrolling:
        problems[f"{name}: scrolls sideways"] = scrolling
    found = axe_violations(page)
    if found:
        problems[f"{name}: axe"] = found
    return problems
