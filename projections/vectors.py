"""The semantic-search projection in Chroma: one collection per kind (risks, mitigations,
incidents), cosine distance, our embeddings passed explicitly."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from django.conf import settings

from projections import embeddings
from projections.documents import COLLECTIONS, Document

BATCH = 256
_client = None
_lock = threading.Lock()


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


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except VectorUnavailable:
        raise
    except Exception as exc:  # chromadb raises httpx, ValueError and its own errors for a down server
        reset()
        raise VectorUnavailable(f"{type(exc).__name__}: {exc}"[:400]) from exc


def collection(name: str):
    return _guard(
        lambda: client().get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    )


def upsert(documents: list[Document]) -> None:
    by_collection: dict[str, list[Document]] = {}
    for doc in documents:
        by_collection.setdefault(doc.collection, []).append(doc)
    for name, docs in by_collection.items():
        target = collection(name)
        for start in range(0, len(docs), BATCH):
            batch = docs[start : start + BATCH]
            # Chroma has no conditional write: read the stored versions and skip what is older.
            stored = _guard(target.get, ids=[d.key for d in batch], include=["metadatas"])
            newer = {k: (m or {}).get("version", -1) for k, m in zip(stored["ids"], stored["metadatas"], strict=True)}
            batch = [d for d in batch if newer.get(d.key, -1) <= d.version]
            if not batch:
                continue
            vectors = embeddings.embed([d.text or d.metadata.get("title", "") for d in batch])
            _guard(
                target.upsert,
                ids=[d.key for d in batch],
                embeddings=vectors,
                documents=[d.text for d in batch],
                metadatas=[{**d.metadata, "version": d.version} for d in batch],
            )


def delete(entity: str, keys: list[str]) -> None:
    if keys:
        _guard(collection(COLLECTIONS[entity]).delete, ids=keys)


def state(entity: str) -> dict[str, dict]:
    """key -> metadata the collection actually holds (without the version, which is not content)."""
    result = _guard(collection(COLLECTIONS[entity]).get, include=["metadatas"])
    return {
        key: {k: v for k, v in (metadata or {}).items() if k != "version"}
        for key, metadata in zip(result["ids"], result["metadatas"] or [], strict=True)
    }


def query(entity: str, text: str, limit: int = 10) -> list[dict]:
    """The nearest documents: key, similarity (1 − cosine distance) and metadata."""
    target = collection(COLLECTIONS[entity])
    result = _guard(
        target.query, query_embeddings=embeddings.embed([text]), n_results=limit, include=["metadatas", "distances"]
    )
    return [
        {"key": key, "similarity": round(1 - distance, 4), **(metadata or {})}
        for key, distance, metadata in zip(
            result["ids"][0], result["distances"][0], result["metadatas"][0], strict=True
        )
    ]


def wipe() -> None:
    for name in COLLECTIONS.values():
        try:
            _guard(client().delete_collection, name)
        except VectorUnavailable as exc:
            if "does not exist" not in str(exc).lower() and "notfound" not in str(exc).lower():
                raise


def ping() -> int:
    return _guard(lambda: client().heartbeat())
