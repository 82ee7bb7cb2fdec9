import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register.models import LevelBand, Risk
from tests.forms import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:register_risk_changelist")


def change_url(risk):
    return reverse("admin:register_risk_change", args=[risk.pk])


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_risks(n, **fields):
    for i in range(n):
        risk = Risk(title=f"Extra risk {i}", impact=1 + i % 5, likelihood=1 + (i * 3) % 5, **fields)
        risk.save()


def test_changelist_shows_the_register_with_level_badges(client, superuser, seeded):
    client.force_login(superuser)
    response = client.get(CHANGELIST)
    body = response.content.decode()
    assert response.status_code == 200
    for code in ("R-1", "R-7"):
        assert f">{code}<" in body
    assert len(re.findall(r'class="field-level_display"><span class="riskregister-badge"', body)) == 7
    assert "#c9302c" in body  # the high band's colour, from the level bands


def test_changelist_query_count_does_not_grow_with_rows(client, superuser, seeded):
    client.force_login(superuser)
    few = queries_for(client, CHANGELIST)
    add_risks(40)
    assert queries_for(client, CHANGELIST) == few


def test_change_form_renders_inlines_and_history(client, superuser, seeded):
    client.force_login(superuser)
    risk = Risk.objects.get(code="R-1")
    body = client.get(change_url(risk)).content.decode()
    assert "CREATE INDEX customer_email_index" in body
    assert "応答時間が400msを超えた場合にアラート" in body
    assert "&gt; 400 ms" in body  # the parsed rule beside the text
    assert "4 × 3 = 12" in body  # score history inline
    queries = queries_for(client, change_url(risk))
    assert queries < 40


def test_admin_edit_rescores_with_history_and_reason(client, superuser, seeded):
    client.force_login(superuser)
    risk = Risk.objects.get(code="R-7")
    page = client.get(change_url(risk)).content.decode()
    data = form_data(page, "risk_form", likelihood="5", change_reason="two teams left")
    response = client.post(change_url(risk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    risk.refresh_from_db()
    assert (risk.score, risk.level) == (10, "high")
    change = risk.score_changes.first()
    assert (change.old_score, change.new_score, change.reason, change.changed_by, change.source) == (
        8,
        10,
        "two teams left",
        superuser,
        "manual",
    )
    assert risk.history.first().history_user == superuser


@pytest.mark.parametrize("impact", ["0", "6", "x"])
def test_admin_rejects_scores_outside_the_scale(client, superuser, seeded, impact):
    client.force_login(superuser)
    risk = Risk.objects.get(code="R-7")
    page = client.get(change_url(risk)).content.decode()
    response = client.post(change_url(risk), form_data(page, "risk_form", impact=impact))
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    risk.refresh_from_db()
    assert risk.impact == 2


def test_risk_owner_edits_own_risk_but_only_views_others(client, owner, seeded):
    mine = Risk.objects.get(code="R-1")
    mine.owner = owner
    mine.save()
    client.force_login(owner)
    own_page = client.get(change_url(mine)).content.decode()
    assert 'name="_save"' in own_page
    response = client.post(change_url(mine), form_data(own_page, "risk_form", likelihood="4"))
    assert response.status_code == 302
    assert Risk.objects.get(code="R-1").likelihood == 4

    other = Risk.objects.get(code="R-2")
    other_page = client.get(change_url(other))
    assert other_page.status_code == 200
    assert 'name="_save"' not in other_page.content.decode()
    response = client.post(change_url(other), {"likelihood": "5"})
    assert response.status_code == 403
    assert Risk.objects.get(code="R-2").likelihood == 2


def test_viewer_cannot_add_and_outsider_cannot_see(client, viewer, outsider, seeded):
    client.force_login(viewer)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:register_risk_add")).status_code == 403
    client.force_login(outsider)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:heatmap")).status_code == 403


def test_heat_map_counts_and_links(client, superuser, seeded):
    client.force_login(superuser)
    response = client.get(reverse("admin:heatmap"))
    body = response.content.decode()
    cells = {
        (int(i), int(lk)): int(n)
        for i, lk, n in re.findall(
            r'data-impact="(\d)" data-likelihood="(\d)".*?class="heatmap-count">(\d+)<', body, re.S
        )
    }
    assert len(cells) == 25
    assert cells[(4, 3)] == 2 and cells[(5, 2)] == 2 and cells[(3, 4)] == 1
    assert cells[(3, 3)] == 1 and cells[(2, 4)] == 1
    assert sum(cells.values()) == 7
    # The 4×3 cell links to the changelist filtered to exactly those risks.
    link = re.search(r'href="([^"]*impact=4&(?:amp;)?likelihood=3[^"]*)"', body).group(1).replace("&amp;", "&")
    listed = client.get(link).content.decode()
    assert ">R-1<" in listed and ">R-4<" in listed and ">R-3<" not in listed


def test_heat_map_query_count_is_fixed(client, superuser, seeded):
    client.force_login(superuser)
    url = reverse("admin:heatmap")
    few = queries_for(client, url)
    add_risks(30)
    assert queries_for(client, url) == few


def test_admin_index_shows_counts_by_level(client, superuser, seeded):
    client.force_login(superuser)
    body = client.get(reverse("admin:index")).content.decode()
    counts = dict(re.findall(r'data-level="(\w+)">(\d+)<', body))
    assert counts == {"high": "5", "medium": "2", "low": "0"}
    assert reverse("admin:heatmap") in body


def test_level_band_edit_in_admin_is_validated(client, superuser, seeded):
    client.force_login(superuser)
    band = LevelBand.objects.get(level="medium")
    url = reverse("admin:register_levelband_change", args=[band.pk])
    response = client.post(url, {"level": "medium", "min_score": "11", "colour": "#e69a00"})
    assert response.status_code == 200
    assert "must start above" in response.content.decode()
    response = client.post(url, {"level": "medium", "min_score": "9", "colour": "#e69a00"})
    assert response.status_code == 302
    # 9 (R-6: 3×3) stays medium; 8 (R-7: 2×4) drops to low.
    assert Risk.objects.get(code="R-7").level == "low"
    assert Risk.objects.get(code="R-6").level == "medium"


def test_admin_speaks_japanese(client, superuser, seeded):
    client.force_login(superuser)
    body = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "リスク" in body and "影響度" in body and "発生確率" in body
    body = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "impact × likelihood" in body and "Live" in body


def test_language_switch_sets_the_admins_language(client, superuser, seeded):
    client.force_login(superuser)
    response = client.post(reverse("set_language"), {"language": "ja", "next": CHANGELIST})
    assert response.status_code == 302
    body = client.get(CHANGELIST).content.decode()
    assert "発生確率" in body


def test_mitigation_assignee_edits_it_in_the_mitigation_admin(client, owner, seeded):
    from register.models import Mitigation

    mine = Mitigation.objects.get(risk__code="R-2", number=1)
    mine.owner = owner
    mine.save()
    other = Mitigation.objects.get(risk__code="R-2", number=2)
    client.force_login(owner)
    url = reverse("admin:register_mitigation_change", args=[mine.pk])
    page = client.get(url).content.decode()
    response = client.post(url, form_data(page, "mitigation_form", status="in_progress"))
    assert response.status_code == 302
    assert Mitigation.objects.get(pk=mine.pk).status == "in_progress"
    other_url = reverse("admin:register_mitigation_change", args=[other.pk])
    assert client.post(other_url, {"status": "done"}).status_code == 403
