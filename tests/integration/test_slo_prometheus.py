"""Burn-rate alerts against a real Prometheus (Debian package) holding three days of synthetic
request counters, backfilled with promtool as a long-running service would have scraped them.

Scenarios, each a good/total counter pair at 100 requests a minute, for a 99.5 % SLO:
- fast: 10 % errors for the last hour (20×) → page, no ticket;
- outage: every request failing for the last five minutes → page (the 1 h / 14.4× row needs
  14.4 × 0.5 % × 60 min = 4.3 minutes of a full outage);
- slow: 0.75 % errors for three days (1.5×) → ticket, no page;
- blip: 20 % errors for the last three minutes → nothing (the 5-minute window burns, the hour does not);
- steady: 0.1 % errors → nothing, 80 % of the budget left.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime

import pytest
import requests

from monitoring.models import SLO, Alert
from monitoring.slos import evaluation as slo_evaluation
from register.models import Risk
from tests.integration.services import free_port, prometheus_binary, unavailable

pytestmark = pytest.mark.django_db
RATE = 100  # requests a minute
HISTORY_MINUTES = 3 * 24 * 60


def error_fraction(scenario: str, minutes_ago: int) -> float:
    return {
        "fast": 0.10 if minutes_ago < 60 else 0.0,
        "outage": 1.0 if minutes_ago < 5 else 0.0,
        "slow": 0.0075,
        "blip": 0.20 if minutes_ago < 3 else 0.0,
        "steady": 0.001,
    }[scenario]


SCENARIOS = ("fast", "outage", "slow", "blip", "steady")


def openmetrics(end: int) -> str:
    lines = []
    for family, good in (("slo_requests", False), ("slo_good", True)):
        lines.append(f"# TYPE {family} counter")
        for scenario in SCENARIOS:
            total = 0.0
            for minute in range(HISTORY_MINUTES, -1, -1):
                bad = RATE * error_fraction(scenario, minute)
                total += RATE - bad if good else RATE
                lines.append(f'{family}_total{{scenario="{scenario}"}} {total} {end - minute * 60}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    binary = prometheus_binary()
    promtool = binary.replace("prometheus", "promtool")
    tmp = tmp_path_factory.mktemp("slo-prometheus")
    end = int(time.time())
    (tmp / "history.om").write_text(openmetrics(end))
    try:
        subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(tmp / "history.om"), str(tmp / "data")],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        unavailable(f"promtool could not backfill the test series: {exc}")
    (tmp / "prometheus.yml").write_text("global:\n  evaluation_interval: 15s\n")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            "--storage.tsdb.retention.time=30d",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"{url}/api/v1/query", params={"query": "slo_requests_total"}, timeout=2).json()
                if len(answer["data"]["result"]) == len(SCENARIOS):
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.25)
        else:
            raise AssertionError("Prometheus did not load the backfilled series within 60 s")
        yield url, datetime.fromtimestamp(end, UTC)
    finally:
        process.terminate()
        process.wait(timeout=30)


def slo_for(scenario: str, url: str, name: str = "", **queries) -> SLO:
    risk = Risk(title=f"Requests fail ({scenario})", impact=4, likelihood=3)
    risk.save()
    slo = SLO(
        name=name or f"{scenario} availability",
        risk=risk,
        objective=99.5,
        sli_kind="prometheus",
        good_query=queries.get("good", f'slo_good_total{{scenario="{scenario}"}}'),
        total_query=queries.get("total", f'slo_requests_total{{scenario="{scenario}"}}'),
        prometheus_url=url,
    )
    slo.full_clean()
    slo.save()
    return slo


def alerts(slo: SLO) -> list[tuple[str, str]]:
    return sorted(Alert.objects.filter(slo=slo).values_list("priority", "state"))


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("fast", [("immediate", "firing")]),
        ("outage", [("immediate", "firing")]),
        ("slow", [("watch", "firing")]),
        ("blip", []),
        ("steady", []),
    ],
)
def test_burn_rate_alerts_from_prometheus(prometheus, scenario, expected, django_capture_on_commit_callbacks):
    url, end = prometheus
    slo = slo_for(scenario, url)
    with django_capture_on_commit_callbacks(execute=True):
        assert slo_evaluation.evaluate(slo.pk, end) == "evaluated"
    slo.refresh_from_db()
    assert slo.last_error == ""
    assert alerts(slo) == expected, slo.burn_rates


def test_the_workbook_figures_come_back_from_prometheus(prometheus):
    url, end = prometheus
    fast, slow, steady = (slo_for(s, url) for s in ("fast", "slow", "steady"))
    for slo in (fast, slow, steady):
        slo_evaluation.evaluate(slo.pk, end)
        slo.refresh_from_db()
    # Prometheus extrapolates increase() to the window's edges: a few per cent either way.
    assert fast.burn_rates["1h"] == pytest.approx(20, rel=0.05)
    assert fast.burn_rates["5m"] == pytest.approx(20, rel=0.05)
    assert slow.burn_rates["3d"] == pytest.approx(1.5, rel=0.05)
    assert steady.budget_remaining == pytest.approx(0.8, abs=0.02)
    assert steady.sli == pytest.approx(0.999, abs=1e-4)


def test_a_rate_query_and_sloths_window_placeholder_agree_with_counters(prometheus):
    url, end = prometheus
    counters = slo_for("fast", url)
    placeholder = slo_for(
        "fast",
        url,
        name="fast availability by rate",
        good='sum(rate(slo_good_total{scenario="fast"}[{{.window}}]))',
        total='sum(rate(slo_requests_total{scenario="fast"}[{{.window}}]))',
    )
    for slo in (counters, placeholder):
        slo_evaluation.evaluate(slo.pk, end)
        slo.refresh_from_db()
    for window in ("5m", "1h", "6h"):
        assert placeholder.burn_rates[window] == pytest.approx(counters.burn_rates[window], rel=0.05)


def test_bad_promql_is_the_slos_error_not_an_alert(prometheus):
    url, end = prometheus
    slo = slo_for("fast", url, name="typo", good="sum(rate(slo_good_total[5m]", total="slo_requests_total")
    assert slo_evaluation.evaluate(slo.pk, end) == "no data"
    slo.refresh_from_db()
    assert "parse error" in slo.last_error or "bad_data" in slo.last_error
    assert not Alert.objects.filter(slo=slo).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_evaluates_every_slo_and_pages_once(prometheus, redis_url, tmp_path):
    from monitoring.tasks import evaluate_slos
    from notifications.models import Channel, Notification
    from tests.integration.services import start_worker, use_broker, wait_for
    from tests.monitoring.servers import Receiver

    url, _end = prometheus
    use_broker(redis_url)
    receiver = Receiver()
    Channel.objects.create(name="hook", kind="webhook", target=receiver.url, immediate=True, watch=False)
    fast, steady = slo_for("fast", url), slo_for("steady", url)
    worker = start_worker(redis_url, tmp_path / "worker.log")
    try:
        evaluate_slos.delay()
        wait_for(lambda: SLO.objects.filter(evaluated_at__isnull=False).count() == 2, 60, "both evaluations", worker)
        wait_for(lambda: Notification.objects.filter(status="sent").exists(), 30, "the page delivered", worker)
        evaluate_slos.delay()  # the next minute: still burning, nobody paged again
        first = SLO.objects.get(pk=fast.pk).evaluated_at
        wait_for(lambda: SLO.objects.get(pk=fast.pk).evaluated_at > first, 60, "the second evaluation", worker)
    finally:
        worker.stop()
        receiver.close()
    assert alerts(fast) == [("immediate", "firing")] and alerts(steady) == []
    assert [body["event"] for body in receiver.bodies] == ["fired"]
