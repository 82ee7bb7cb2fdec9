"""The programmes' contract: a member of one programme sees nothing of another's register — not on
any admin page, in any API list or detail, in search, the graph, exports or reports — and the
organisation's administrator sees both.

Two programmes hold two teams' plans (the seed in Japanese for P2, in English for the other), with
an incident, an alert, a review and a risk link across them. Every page and endpoint is found by
walking the admin's registry and the API's schema, so a model or endpoint added later is checked
without being named here.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from incidents.models import Incident
from monitoring.choices import AlertKind, AlertState
from monitoring.models import SLO, Alert, Indicator, Metric
from plans.files import read_plan_file
from plans.importer import import_plan
from register import roles
from register.models import Category, Membership, Mitigation, Programme, Risk, RiskLink, Strategy
from reviews.actions import open_review
from reviews.models import Review
from tests.conftest import SEED_EN, SEED_JA, make_user
from tests.projections.conftest import drain_all, stores  # noqa: F401  (the stores fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OTHER = "ZQX"  # the other programme's code: nowhere a member of P2 looks may it appear


@pytest.fixture
def org(stores):  # noqa: F811
    p2 = Programme.objects.create(code="P2", name="Platform phase 2")
    other = Programme.objects.create(code=OTHER, name="Zq payments")
    import_plan(read_plan_file(SEED_JA), programme=p2, source_name="p2.md")
    import_plan(read_plan_file(SEED_EN), programme=other, source_name="zqx.md")
    theirs = Risk.objects.filter(programme=other).order_by("number")
    indicator = Indicator.objects.filter(risk__programme=other, metric__isnull=False).first()
    now = timezone.now()
    Alert.objects.create(
        kind=AlertKind.BREACH,
        indicator=indicator,
        metric=indicator.metric,
        dedup_key="contract",
        state=AlertState.FIRING,
        title=f"{OTHER} ledger latency alert",
        started_at=now,
        fired_at=now,
    )
    incident = Incident.objects.create(programme=other, title=f"{OTHER} ledger outage", detected_at=now)
    incident.risks.add(theirs[0])
    open_review("weekly", programme=p2)
    open_review("weekly", programme=other)
    # P2's backing store outage causes the other team's risk.
    RiskLink.objects.create(cause=Risk.objects.get(programme=p2, code="R-1"), effect=theirs[1])
    drain_all()
    member = make_user("p2-lead")
    Membership.objects.create(programme=p2, user=member, role=roles.ADMINISTRATOR)
    return p2, other, member


def markers(other: Programme, p2: Programme) -> list[str]:
    """Strings only the other programme's rows hold: its code, its incident and alert, and the
    titles of its risks, metrics and categories that P2's register does not share."""
    rows = [
        *Risk.objects.filter(programme=p2).values_list("title", "description"),
        *Mitigation.objects.filter(risk__programme=p2).values_list("title", "detail"),
        *Strategy.objects.filter(programme=p2).values_list("title", "detail"),
    ]
    mine = " ".join(text for row in rows for text in row if text)
    theirs = [
        *Risk.objects.filter(programme=other).values_list("title", flat=True),
        *Metric.objects.filter(programme=other).values_list("name", flat=True),
        *Category.objects.filter(programme=other).values_list("name", flat=True),
    ]
    found = [t for t in theirs if len(t) >= 12 and t not in mine]
    assert len(found) >= 7, found  # the check has teeth: the other's risk titles at least
    return [OTHER, *found]


def leaks(text: str, marks: list[str]) -> list[str]:
    return [m for m in marks if m in text]


def admin_changelists() -> list[str]:
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    )


def api_lists(api) -> list[str]:
    """Every GET path of the API's schema that takes no path parameter."""
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations and "{" not in path)


def test_a_member_of_one_programme_sees_nothing_of_another(org, client, api_as):
    p2, other, member = org
    marks = markers(other, p2)
    client.force_login(member)
    seen = {}
    pages = [
        "/admin/",
        *admin_changelists(),
        reverse("admin:heatmap"),
        reverse("admin:search") + "?q=ledger",
        reverse("admin:search") + "?q=ledger&type=incident",
        reverse("admin:graph_cascade", args=[Risk.objects.get(programme=p2, code="R-1").pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        seen[url] = leaks(response.content.decode(), marks)
    assert {url: found for url, found in seen.items() if found} == {}
    # Their rows' own pages are "not found", as rows that do not exist.
    for obj in [
        *Risk.objects.filter(programme=other)[:2],
        Incident.objects.get(programme=other),
        Metric.objects.filter(programme=other).first(),
        Review.objects.get(programme=other),
        Alert.objects.get(dedup_key="contract"),
    ]:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = client.get(url, follow=True)
        assert leaks(response.content.decode(), marks) == [], url
        assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/admin/"), url

    api = api_as(member)
    for path in api_lists(api):
        response = api.get(path, {"q": "ledger", "title": "ledger"} if "search" in path else {})
        assert response.status_code in (200, 400, 403), (path, response.status_code)
        assert leaks(response.content.decode(), marks) == [], path
    metric = Metric.objects.filter(programme=other).first()
    for path in [
        f"/api/v1/risks/{OTHER}:R-1/",
        f"/api/v1/incidents/{Incident.objects.get(programme=other).pk}/",
        f"/api/v1/metrics/{metric.key}/",
        f"/api/v1/reviews/{Review.objects.get(programme=other).pk}/",
        f"/api/v1/alerts/{Alert.objects.get(dedup_key='contract').pk}/",
        f"/api/v1/programmes/{OTHER}/",
        f"/api/v1/graph/incidents/{Incident.objects.get(programme=other).pk}/",
    ]:
        assert api.get(path).status_code == 404, path
    if SLO.objects.filter(programme=other).exists():
        assert api.get(f"/api/v1/slos/{SLO.objects.filter(programme=other).first().key}/").status_code == 404

    # The cascade says a linked risk exists elsewhere, and nothing of what it is.
    cascade = api.get("/api/v1/graph/risks/R-1/cascade/").json()
    assert cascade["elsewhere"] == 1 and leaks(str(cascade), marks) == []

    # Their own register, downloaded, and their review's report hold nothing of the other's.
    download = client.get(reverse("admin:plans_export") + "?format=xlsx")
    book = load_workbook(io.BytesIO(download.content), read_only=True)
    cells = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert Risk.objects.get(programme=p2, code="R-1").title in cells
    assert leaks(cells, marks) == []
    review = Review.objects.get(programme=p2)
    report = client.get(reverse("admin:reviews_review_report", args=[review.pk, "html"]))
    assert report.status_code == 200 and leaks(report.content.decode(), marks) == []


def test_the_organisation_administrator_sees_both(org, client, api_as):
    p2, other, _member = org
    boss = make_user("org-admin", superuser=True)
    api = api_as(boss)
    assert api.get("/api/v1/risks/").json()["count"] == Risk.objects.count()
    assert {r["programme"] for r in api.get("/api/v1/risks/", {"page_size": 100}).json()["results"]} == {"P2", OTHER}
    assert api.get(f"/api/v1/incidents/{Incident.objects.get(programme=other).pk}/").status_code == 200
    assert api.get("/api/v1/graph/risks/P2:R-1/cascade/").json()["elsewhere"] == 0
    found = api.get("/api/v1/search/", {"q": "ledger", "type": "incident"}).json()["results"]
    assert any(OTHER in hit["title"] for hit in found)
    client.force_login(boss)
    index = client.get("/admin/").content.decode()
    assert re.search(rf"\b{OTHER}\b", index) and re.search(r"\bP2\b", index)
