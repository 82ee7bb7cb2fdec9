"""Switching the embedding model re-embeds everything once: the consistency check reports what an
earlier model embedded as stale, its repair moves every document into the new model's collection
and drops the old one. The "new model" here is the real default encoder under another id (a second
real multilingual model is not installed); what is tested is the bookkeeping of the switch."""

from __future__ import annotations

from dataclasses import replace

import pytest

from incidents.models import Incident
from projections import consistency, embeddings, queries, vectors
from tests.projections.conftest import drain_all, make_risk


@pytest.fixture
def switched(monkeypatch, settings):
    def switch():
        new = replace(embeddings.current(), id="use-multilingual-v3-next")
        monkeypatch.setitem(embeddings.MODELS, new.id, new)
        settings.EMBEDDING_MODEL = new.id
        return new

    return switch


def vector_diffs(report):
    return {d.kind: d for d in report.diffs if d.store == "vector"}


def test_switching_models_reports_stale_and_the_repair_re_embeds_once(stores, switched):
    risk = make_risk("Database connection pool exhaustion", 4, 3)
    incident = Incident.objects.create(title="接続プールが枯渇した", status="closed")
    drain_all()
    old = embeddings.current()
    assert consistency.check().consistent

    new = switched()
    diffs = vector_diffs(consistency.check())
    assert f"risk:{risk.pk}" in diffs["risks"].stale and not diffs["risks"].missing
    assert diffs["incidents"].stale == [f"incident:{incident.pk}"]
    assert queries.search("connection pool", "risk") == []  # the new collection is empty until the repair

    report = consistency.check(repair=True)
    assert report.repaired and report.after["sync_errors"] == 0
    assert vectors._ours("risk") == [vectors.collection_name("risk", new.id)]
    assert vectors.collection_name("risk", old.id) not in vectors._ours("risk")
    hits = queries.search("接続プール", "risk")
    assert hits and hits[0]["key"] == f"risk:{risk.pk}"
    assert consistency.check().consistent


def test_a_collection_of_the_previous_release_is_re_embedded(stores):
    """Before models were versioned, the collection was plain ``risks`` and its documents had no
    model id."""
    risk = make_risk("Certificate expiry", 3, 3)
    drain_all()
    current = vectors.collection("risk")
    stored = current.get(ids=[f"risk:{risk.pk}"], include=["metadatas", "documents", "embeddings"])
    legacy = vectors.client().get_or_create_collection(
        "risks", metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    metadata = {k: v for k, v in stored["metadatas"][0].items() if k != "embedding_model"}
    legacy.add(
        ids=stored["ids"],
        embeddings=[list(stored["embeddings"][0])],
        metadatas=[metadata],
        documents=stored["documents"],
    )
    vectors.client().delete_collection(vectors.collection_name("risk"))

    diffs = vector_diffs(consistency.check())
    assert diffs["risks"].stale == [f"risk:{risk.pk}"]
    consistency.check(repair=True)
    assert vectors._ours("risk") == [vectors.collection_name("risk")]
    assert consistency.check().consistent


@pytest.mark.parametrize(
    ("model", "error"),
    [("use-multilingual-v3", None), ("no-such-model", "projections.E001"), ("all-minilm-l6-v2", "projections.E002")],
)
def test_the_model_setting_is_checked(settings, model, error):
    """all-MiniLM's wheel is a candidate of the comparison, not a requirement: not installed here."""
    settings.EMBEDDING_MODEL = model
    assert [e.id for e in embeddings.check_settings()] == ([error] if error else [])
