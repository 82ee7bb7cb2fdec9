"""The semantic-search projection in Chroma: one collection per kind (risks, mitigations,
incidents) and embedding model, cosine distance, our embeddings passed explicitly.

The collection's name carries the model (``risks.use-multilingual-v3``) and every document its
model id in its metadata: after ``EMBEDDING_MODEL`` changes, the consistency check finds each
document only under the old model and reports it stale, and its repair (half-hourly, or
``check_consistency --repair``, or ``rebuild_projections``) re-embeds everything once into the new
collection and then drops the old one. Vectors of two models never share a collection (their
dimensions and scales differ).
"""

from __future__ import annotations

import threading
import unicodedata
from urllib.parse import urlsplit

from django.conf import settings

from projections import embeddings
from projections.documents import COLLECTIONS, Document

BATCH = 256
_client = None
# Collection handles by name: looking one up is a round trip, as long as a search itself.
_collections: dict[str, object] = {}
_lock = threading.Lock()


def folded(text: str) -> str:
    """Text as lexical matching sees it: NFKC (full-width ＡＰＩ is API) and case-folded. The store
    keeps documents in this form, because Chroma's ``$contains`` is case-sensitive (search.py)."""
    return unicodedata.normalize("NFKC", text or "").casefold()


class VectorUnavailable(Exception):
    """The Chroma server cannot be reached or refused the work; the outbox retries later."""


def client():
    global _client
    with _lock:
        if _client is None:
            import chromadb
            from chromadb.config import Settings

            url = urlsplit(settings.CHROMA_URL)
            _client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 80),
                ssl=url.scheme == "https",
                settings=Settings(anonymized_telemetry=False),
            )
        return _client


def reset() -> None:
    global _client
    with _lock:
        _client = None
        _collections.clear()


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except VectorUnavailable:
        raise
    except Exception as exc:  # chromadb raises httpx, ValueError and its own errors for a down server
        reset()
        raise VectorUnavailable(f"{type(exc).__name__}: {exc}"[:400]) from exc


def collection_name(entity: str, model_id: str | None = None) -> str:
    return f"{COLLECTIONS[entity]}.{model_id or embeddings.current().id}"


def collection(entity: str):
    name = collection_name(entity)
    found = _collections.get(name)
    if found is None:
        found = _guard(
            lambda: client().get_or_create_collection(
                name,
                metadata={"hnsw:space": "cosine", "embedding_model": embeddings.current().id},
                embedding_function=None,
            )
        )
        with _lock:
            _collections[name] = found
    return found


def _gone(exc: Exception) -> bool:
    text = str(exc).lower()
    return "does not exist" in text or "notfound" in text or "not found" in text


def _on(entity: str, operation):
    """``operation(collection)``. A handle whose collection another process deleted and re-created
    (a rebuild, a model switch) is looked up again, once."""
    try:
        return _guard(operation, collection(entity))
    except VectorUnavailable as exc:
        if not _gone(exc):
            raise
        return _guard(operation, collection(entity))


def _ours(entity: str) -> list[str]:
    """Names of this entity's collections, of any model (and the unversioned name of old releases)."""
    base = COLLECTIONS[entity]
    names = [getattr(c, "name", c) for c in _guard(lambda: client().list_collections())]
    return [n for n in names if n == base or n.startswith(base + ".")]


def upsert(documents: list[Document]) -> None:
    by_entity: dict[str, list[Document]] = {}
    for doc in documents:
        by_entity.setdefault(doc.key.partition(":")[0], []).append(doc)
    for entity, docs in by_entity.items():
        for start in range(0, len(docs), BATCH):
            batch = docs[start : start + BATCH]
            # Chroma has no conditional write: read the stored versions and skip what is older.
            stored = _on(entity, lambda c, batch=batch: c.get(ids=[d.key for d in batch], include=["metadatas"]))
            newer = {k: (m or {}).get("version", -1) for k, m in zip(stored["ids"], stored["metadatas"], strict=True)}
            batch = [d for d in batch if newer.get(d.key, -1) <= d.version]
            if not batch:
                continue
            vectors = embeddings.embed([d.text or d.metadata.get("title", "") for d in batch])
            _guard(
                collection(entity).upsert,
                ids=[d.key for d in batch],
                embeddings=vectors,
                # Folded for lexical matching (Chroma's $contains is case-sensitive); nothing reads
                # the document back for display.
                documents=[folded(d.text) for d in batch],
                metadatas=[{**d.metadata, "version": d.version} for d in batch],
            )


def delete(entity: str, keys: list[str]) -> None:
    if keys:
        _on(entity, lambda c: c.delete(ids=keys))


def _metadata_state(result) -> dict[str, dict]:
    return {
        key: {k: v for k, v in (metadata or {}).items() if k != "version"}
        for key, metadata in zip(result["ids"], result["metadatas"] or [], strict=True)
    }


def state(entity: str) -> dict[str, dict]:
    """key -> metadata the store holds for it (without the version, which is not content). A key only
    in another model's collection shows with that model's metadata (so: stale)."""
    current = collection_name(entity)
    held: dict[str, dict] = {}
    for name in _ours(entity):
        if name != current:
            old = _metadata_state(_guard(client().get_collection(name).get, include=["metadatas"]))
            held.update({k: {**m, "embedding_model": m.get("embedding_model", name)} for k, m in old.items()})
    held.update(_metadata_state(_on(entity, lambda c: c.get(include=["metadatas"]))))
    return held


def drop_other_models(entity: str) -> list[str]:
    """Delete this entity's collections of other models (once the current one holds everything)."""
    current = collection_name(entity)
    dropped = [name for name in _ours(entity) if name != current]
    for name in dropped:
        _guard(client().delete_collection, name)
        _collections.pop(name, None)
    return dropped


# Bookkeeping in a document's metadata that a search hit does not show.
_INTERNAL = frozenset({"version", "text_digest", "embedding_model"})


def _public(metadata: dict | None) -> dict:
    return {k: v for k, v in (metadata or {}).items() if k not in _INTERNAL}


def within(programmes: list[int] | None) -> dict:
    """The store's own filter for documents of ``programmes`` (None: every programme)."""
    return {} if programmes is None else {"where": {"programme": {"$in": list(programmes)}}}


def nearest(
    entity: str, vector: list[float], limit: int = 10, documents: bool = False, programmes: list[int] | None = None
) -> list[dict]:
    """The ``limit`` nearest documents to a query vector among those of ``programmes`` (None: all):
    key, similarity (1 − cosine distance), metadata, and with ``documents`` the stored (folded) text."""
    if programmes is not None and not programmes:
        return []
    include = ["metadatas", "distances"] + (["documents"] if documents else [])
    result = _on(
        entity,
        lambda c: c.query(query_embeddings=[vector], n_results=limit, include=include, **within(programmes)),
    )
    texts = result["documents"][0] if documents else [None] * len(result["ids"][0])
    return [
        {
            "key": key,
            "similarity": round(1 - distance, 4),
            **_public(metadata),
            **({"document": text} if documents else {}),
        }
        for key, distance, metadata, text in zip(
            result["ids"][0], result["distances"][0], result["metadatas"][0], texts, strict=True
        )
    ]


def query(entity: str, text: str, limit: int = 10, programmes: list[int] | None = None) -> list[dict]:
    """The nearest documents to a text (embedded as a query), among those of ``programmes``."""
    return nearest(entity, embeddings.embed_queries([text])[0], limit, programmes=programmes)


def containing(
    entity: str, spellings: list[str], codes: list[str], limit: int = 50, programmes: list[int] | None = None
) -> list[dict]:
    """Documents of ``programmes`` (None: all) whose folded text contains any of ``spellings``
    (folded too), or whose code or risk is one of ``codes``: key, document, embedding and metadata."""
    found: dict[str, dict] = {}
    if programmes is not None and not programmes:
        return []
    filters = []
    if spellings:
        clauses = [{"$contains": s} for s in spellings]
        filters.append({"where_document": clauses[0] if len(clauses) == 1 else {"$or": clauses}, **within(programmes)})
    if codes:
        field = "risk" if entity == "mitigation" else "code"
        by_code = {field: {"$in": codes}}
        filters.append({"where": by_code if programmes is None else {"$and": [by_code, within(programmes)["where"]]}})
    for condition in filters:
        result = _on(
            entity,
            lambda c, condition=condition: c.get(
                limit=limit, include=["metadatas", "documents", "embeddings"], **condition
            ),
        )
        for key, document, vector, metadata in zip(
            result["ids"], result["documents"], result["embeddings"], result["metadatas"], strict=True
        ):
            found[key] = {"key": key, "document": document, "embedding": list(vector), **_public(metadata)}
    return list(found.values())


def wipe() -> None:
    for entity in COLLECTIONS:
        for name in _ours(entity):
            _guard(client().delete_collection, name)
            _collections.pop(name, None)


def ping() -> int:
    return _guard(lambda: client().heartbeat())
