"""The admin index as a programme lead's dashboard: the start-here strip until each step is done,
live counts linking to the filtered list, the other apps' panels, the register first and the
machinery under Operations — at a query count that does not grow with the register."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import Metric
from register.models import Risk
from reviews.actions import complete, open_review

pytestmark = pytest.mark.django_db
INDEX = "/admin/"


def section_titles(body: str) -> list[str]:
    return re.findall(r'<caption>\s*<a href="[^"]*" class="section"[^>]*>([^<]+)</a>', body) or re.findall(
        r'class="section"[^>]*>([^<]+)</a>', body
    )


def test_start_here_until_each_step_is_done(client, superuser):
    client.force_login(superuser)
    body = client.get(INDEX).content.decode()
    assert 'id="riskregister-start"' in body
    assert "Import your risk plan" in body and "Bind a metric to its source" in body
    assert "Work through this week&#x27;s review" in body


def test_the_strip_goes_once_every_step_is_done(client, superuser, seeded):
    client.force_login(superuser)
    Metric.objects.filter(pk=Metric.objects.order_by("pk").first().pk).update(
        source="host", source_config={"measure": "cpu_percent"}
    )
    review, _ = open_review("weekly")
    body = client.get(INDEX).content.decode()
    assert re.search(r'<li class="done">[^<]*Import your risk plan', body)  # imported, shown as done
    assert 'id="riskregister-start"' in body  # the review is still open
    complete(review, superuser)
    assert 'id="riskregister-start"' not in client.get(INDEX).content.decode()


def test_live_counts_link_to_the_filtered_list(client, superuser, seeded):
    client.force_login(superuser)
    body = client.get(INDEX).content.decode()
    for status in ("critical", "warning", "unknown", "normal", ""):
        count = Risk.objects.exclude(status="closed").filter(live_status=status).count()
        assert f'data-status="{status}">{count}<' in body
        assert f"?live_status__exact={status}" in body


def test_the_register_comes_first_and_the_machinery_last(client, superuser):
    client.force_login(superuser)
    body = client.get(INDEX).content.decode()
    sections = section_titles(body)
    assert sections[0] == "Risk register" and sections[-1] == "Operations", sections
    operations = body[body.index(">Operations<") :]
    for name in (
        "Periodic tasks",
        "Outbox",
        "Source states",
        "Indicator states",
        "Notifications",
        "Integration tokens",
    ):
        assert name in operations
    assert "Periodic Tasks" not in sections  # django-celery-beat's own section is gone


def test_panels_show_open_alerts_incidents_and_score_changes(client, superuser, seeded):
    client.force_login(superuser)
    body = client.get(INDEX).content.decode()
    for title in ("Open alerts", "Open incidents", "Recent score changes"):
        assert title in body
    risk = Risk.objects.order_by("number").first()
    assert reverse("admin:register_risk_change", args=[risk.pk]) in body  # from the score changes


def test_the_index_query_count_does_not_grow_with_the_register(client, superuser, seeded):
    client.force_login(superuser)
    client.get(INDEX)
    with CaptureQueriesContext(connection) as small:
        client.get(INDEX)
    for i in range(40):
        Risk(title=f"Extra {i}", impact=1 + i % 5, likelihood=1 + (i * 2) % 5).save()
    with CaptureQueriesContext(connection) as large:
        client.get(INDEX)
    # 23, the programmes this user sees (the portfolio panel shows once there are several), and the
    # header's programme selector.
    assert len(large.captured_queries) == len(small.captured_queries) == 25, [q["sql"] for q in large.captured_queries]


def test_the_index_query_count_does_not_grow_with_the_programmes(client, superuser, seeded):
    from register.models import Programme

    client.force_login(superuser)

    def queries_with(programmes: int) -> int:
        for n in range(Programme.objects.count(), programmes):
            programme = Programme.objects.create(code=f"T{n}", name=f"team {n}")
            Risk(programme=programme, title=f"risk of team {n}", impact=3, likelihood=3).save()
        client.get(INDEX)
        with CaptureQueriesContext(connection) as counted:
            client.get(INDEX)
        return len(counted.captured_queries)

    # The portfolio panel: the programmes, their open risks by level and live state, and one query for
    # each column the apps add (open alerts, spent budgets, open incidents, overdue reviews).
    assert queries_with(2) == queries_with(12) == 30
