"""Graph and search through the API and the admin, and what users get when a store is down."""

import pytest
from django.urls import reverse

from register.models import Risk
from tests.conftest import make_user
from tests.projections.conftest import drain_all

pytestmark = pytest.mark.django_db


def test_graph_endpoints(api_as, viewer, chain):
    client = api_as(viewer)
    cascade = client.get(f"/api/v1/graph/risks/{chain['a'].code}/cascade/?hops=2").json()
    assert [r["code"] for r in cascade["reached"]] == [chain["b"].code, chain["e"].code, chain["c"].code]
    assert cascade["exposure"] == 19
    assert client.get(f"/api/v1/graph/risks/{chain['a'].code}/cascade/?hops=99").status_code == 400
    assert client.get("/api/v1/graph/risks/R-999/cascade/").status_code == 404
    ranking = client.get("/api/v1/graph/ranking/?limit=1").json()["results"]
    assert [r["code"] for r in ranking] == [chain["a"].code]
    blast = client.get(f"/api/v1/graph/components/{chain['component'].pk}/blast-radius/").json()
    assert [r["code"] for r in blast["risks"]] == [chain["a"].code, chain["b"].code]
    incident = client.get(f"/api/v1/graph/incidents/{chain['incident'].pk}/").json()
    assert incident["path"]["risks"][0]["code"] == chain["a"].code


def test_search_and_duplicates_endpoints(api_as, viewer, chain):
    client = api_as(viewer)
    hits = client.get("/api/v1/search/", {"q": "graph and vector store out of sync", "type": "risk"}).json()["results"]
    assert hits[0]["key"] == f"risk:{chain['a'].pk}"
    assert client.get("/api/v1/search/", {"q": "x", "type": "nonsense"}).status_code == 400
    assert client.get("/api/v1/search/").status_code == 400
    dupes = client.get("/api/v1/search/duplicates/", {"title": "ChromaDB-Neo4j sync error"}).json()
    assert [d["key"] for d in dupes["possible_duplicates"]] == [f"risk:{chain['a'].pk}"]


def test_a_store_that_is_down_answers_503(api_as, viewer, chain, settings):
    from projections import graph, vectors

    settings.NEO4J_URI, settings.CHROMA_URL = "bolt://127.0.0.1:1", "http://127.0.0.1:1"
    graph.reset()
    vectors.reset()
    try:
        client = api_as(viewer)
        response = client.get(f"/api/v1/graph/risks/{chain['a'].code}/cascade/")
        assert response.status_code == 503 and "graph" in response.json()["detail"]
        assert client.get("/api/v1/search/", {"q": "sync"}).status_code == 503
    finally:
        graph.reset()
        vectors.reset()


def test_anonymous_and_roleless_users_are_refused(api, chain):
    assert api.get("/api/v1/search/", {"q": "x"}).status_code == 401
    api.force_authenticate(make_user("nobody"))
    assert api.get("/api/v1/search/", {"q": "x"}).status_code == 403


def test_admin_pages(client, viewer, chain):
    client.force_login(viewer)
    page = client.get(reverse("admin:graph_cascade", args=[chain["a"].pk])).content.decode()
    assert "<svg" in page and chain["d"].code in page and "39" in page
    page = client.get(reverse("admin:graph_blast_radius", args=[chain["component"].pk])).content.decode()
    assert "Graph sync lag" in page
    page = client.get(reverse("admin:search"), {"q": "memory keeps growing", "type": "risk"}).content.decode()
    assert chain["d"].title in page
    page = client.get(reverse("admin:graph_incident", args=[chain["incident"].pk])).content.decode()
    assert "Similar past incidents" in page
    risk_page = client.get(reverse("admin:register_risk_change", args=[chain["a"].pk])).content.decode()
    assert reverse("admin:graph_cascade", args=[chain["a"].pk]) in risk_page


def test_a_new_risk_like_an_existing_one_is_held_back_in_the_admin(client, superuser, chain):
    from tests.forms import form_data

    client.force_login(superuser)
    url = reverse("admin:register_risk_add")
    data = form_data(client.get(url).content.decode(), "risk_form")
    data.update(title="ChromaDB-Neo4j sync error", impact="3", likelihood="3", status="open")
    response = client.post(url, data)
    assert response.status_code == 200 and "Possible duplicates" in response.content.decode()
    assert not Risk.objects.filter(title="ChromaDB-Neo4j sync error").exists()
    data["not_a_duplicate"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302 and Risk.objects.filter(title="ChromaDB-Neo4j sync error").exists()
    drain_all()
