"""End to end: a value over a Prometheus rule → Alertmanager (Debian package) → our receiver → an incident."""

import shutil
import subprocess
import time

import pytest

from incidents.models import Incident, IntegrationToken
from register.models import Risk
from tests.integration.services import free_port, prometheus_binary, unavailable, wait_for
from tests.monitoring.servers import Target

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RULES = """groups:
  - name: register
    rules:
      - alert: HighLatency
        expr: api_latency_ms > 500
        labels: {severity: critical, risk: R-1}
        annotations: {summary: "API latency above 500 ms"}
"""


def alertmanager_binary() -> str:
    path = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if path is None:
        unavailable("Alertmanager is not installed (Debian package 'prometheus-alertmanager'; make test installs it)")
    return path


def test_prometheus_rule_to_incident(live_server, tmp_path):
    prometheus, alertmanager = prometheus_binary(), alertmanager_binary()
    risk = Risk(title="API response time", impact=4, likelihood=3)
    risk.save()
    token = IntegrationToken(name="alertmanager")
    raw = token.issue()
    token.save()

    exporter = Target()
    exporter.content_type = "text/plain; version=0.0.4"
    exporter.body = b"api_latency_ms 100\n"
    am_port, prom_port = free_port(), free_port()
    (tmp_path / "alertmanager.yml").write_text(
        "route:\n  receiver: riskregister\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n"
        "receivers:\n  - name: riskregister\n    webhook_configs:\n"
        f"      - url: {live_server.url}/api/v1/integrations/alertmanager/\n        send_resolved: true\n"
        f"        http_config:\n          authorization:\n            type: Bearer\n            credentials: {raw}\n"
    )
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files: ['{tmp_path / 'rules.yml'}']\n"
        f"alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n"
        f"scrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ['{exporter.url[7:]}']\n"
    )
    processes = [
        subprocess.Popen(
            [
                alertmanager,
                f"--config.file={tmp_path / 'alertmanager.yml'}",
                f"--storage.path={tmp_path / 'am'}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
                f"--web.external-url=http://127.0.0.1:{am_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                prometheus,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        time.sleep(8)  # Prometheus scrapes and evaluates a first time ~6 s after start
        assert not Incident.objects.exists()
        changed = time.monotonic()
        exporter.body = b"api_latency_ms 900\n"
        incident = wait_for(lambda: Incident.objects.first(), 90, "the incident")
        latency = time.monotonic() - changed
        print(f"\nend-to-end: value change → incident row in {latency:.1f} s")
        assert (incident.source, incident.severity, incident.status) == ("alertmanager", "high", "escalated")
        assert list(incident.risks.all()) == [risk]
        assert incident.title.startswith("HighLatency")

        exporter.body = b"api_latency_ms 100\n"
        wait_for(lambda: incident.events.filter(kind="alert_resolved").exists(), 90, "the resolved notice")
        assert Incident.objects.count() == 1
        incident.refresh_from_db()
        assert incident.status == "escalated"  # resolution is a timeline event, not a close
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        exporter.close()
