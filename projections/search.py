"""Hybrid search over the vector store: meaning (embeddings) and words (lexical matching), fused.

Why both: an embedding finds "接続プールが枯渇" for "connection pool exhausted" (other language,
other words), but ranks an exact code, product name or term (``R-2``, ``JWT``, ``ChromaDB``,
``接続``) no higher than anything about the same topic. People type those expecting them first.

- **Semantic list**: the nearest documents whose similarity reaches the model's calibrated threshold
  (``embeddings.search_threshold()``); nothing below it is a match, so no negative or chance
  similarities are listed.
- **Lexical list**: documents containing the query's terms, found by Chroma's document filter
  (``$contains``) and ranked by how many distinct terms they contain (a term in the title counts
  twice). Latin words match as whole words, case-insensitively, with a light plural/suffix stem;
  Japanese has no spaces, so a query is cut where the script changes (kanji / katakana / Latin) and
  hiragana runs (particles, endings) are dropped — ``データベース接続の失敗`` gives データベース, 接続,
  失敗 — and longer kanji compounds also give their two-character pieces.
  A hit found by words alone needs half the query's words, or one word and, among the ``CANDIDATES``
  nearest, a similarity of at least ``SUPPORT`` × the threshold (words and meaning agreeing where
  each alone is too weak). The nearest documents are word-matched as they are; the store is asked
  only for the most specific word that hardly any of them contain (a lookup scans the collection:
  ~5 ms at 10,000 documents, the cost of a whole semantic query).
- **Exact codes** (a risk's code, or a mitigation's risk) come first, whatever else matches.
- The two lists are fused by reciprocal rank fusion (Cormack et al., 2009): each hit scores
  Σ 1 / (K + rank) over the lists it appears in, K = 60. Ranks, not raw scores, are added, so a
  cosine and a term count need no common scale, and a hit found both ways rises above hits found one
  way.

Every listed hit carries its similarity to the query (never below 0) and how it was found
(``match``: code, words, meaning, or words+meaning).
"""

from __future__ import annotations

import re
import unicodedata

from projections import embeddings, vectors
from projections.vectors import folded

RRF_K = 60
# A hit that shares fewer than half the query's words still counts when its meaning is at least this
# share of the way to the threshold: words and meaning agreeing, each too weak alone.
SUPPORT = 0.6
# How many hits each list contributes before fusion.
CANDIDATES = 50
MAX_TERMS = 12
MAX_LOOKUPS = 1
RARE = 10

_STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before but by can could did do does for from
    get got had has have how i if in into is it its just me more most my no not of on one only or other
    our out over should so some than that the their them then there these they this to too up very was
    we were what when where which who why will with would you your""".split()  # noqa: SIM905
)
_CODE = re.compile(r"^[A-Za-z]{1,6}-\d{1,6}$")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+#/-]*[A-Za-z0-9+#]|[A-Za-z0-9]")


def _script(ch: str) -> str:
    if "\u3040" <= ch <= "\u309f":
        return "hiragana"
    if "\u30a0" <= ch <= "\u30ff" or "\uff66" <= ch <= "\uff9f":
        return "katakana"
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "々":
        return "kanji"
    if ch.isascii() and (ch.isalnum() or ch in "_.+#/-"):
        return "latin"
    return "other"


def _runs(text: str):
    run, kind = "", None
    for ch in text:
        k = _script(ch)
        if k != kind and run:
            yield kind, run
            run = ""
        kind = k
        run += ch
    if run:
        yield kind, run


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def term_groups(query: str) -> list[list[str]]:
    """The query's words worth matching literally, in order, without repeats: one group per word,
    a longer kanji compound with its two-character pieces as alternatives (無停止移行 is also found as
    停止)."""
    text = unicodedata.normalize("NFKC", query)
    groups: list[list[str]] = []
    seen: set[str] = set()
    for kind, run in _runs(text):
        if kind == "latin":
            candidates = []
            for token in _TOKEN.findall(run):
                if _CODE.match(token):
                    candidates.append([token.upper()])
                elif token.lower() not in _STOPWORDS and (len(token) > 1 or token.isdigit()):
                    candidates.append([token])
        elif kind in ("katakana", "kanji") and len(run) >= 2:
            pieces = [run[i : i + 2] for i in range(len(run) - 1)] if kind == "kanji" and len(run) >= 3 else []
            candidates = [[run, *pieces]]
        else:
            continue
        for group in candidates:
            fresh = [t for t in dict.fromkeys(group) if t not in seen]
            if fresh and group[0] not in seen:
                seen.update(fresh)
                groups.append(fresh)
    return groups[:MAX_TERMS]


def terms(query: str) -> list[str]:
    return [t for group in term_groups(query) for t in group]


def codes(query_terms: list[str]) -> list[str]:
    return [t for t in query_terms if _CODE.match(t)]


def _spelling(term: str) -> str:
    """What ``$contains`` looks for: the stem, folded (the whole-word check follows in Python)."""
    return _stem(folded(term)) if term.isascii() else folded(term)


def _pattern(term: str) -> re.Pattern:
    if term.isascii():
        # The stem and a common ending, as a whole word: "backup" finds "backups", "connect" finds
        # "connection", "sea" does not find "search".
        return re.compile(
            r"(?<![A-Za-z0-9])" + re.escape(_stem(term.lower())) + r"(?:s|es|ed|ing|ion|ions)?(?![A-Za-z0-9])",
            re.IGNORECASE,
        )
    return re.compile(re.escape(folded(term)))


def lexical_match(text: str, title: str, groups: list[list[str]]) -> tuple[int, int]:
    """(query words the text contains, and the same counting those in the title twice)."""
    matched = score = 0
    for group in groups:
        patterns = [_pattern(term) for term in group]
        if any(p.search(text or "") for p in patterns):
            matched += 1
            score += 2 if any(p.search(title or "") for p in patterns) else 1
    return matched, score


def enough_words(matched: int, groups: int) -> bool:
    """A hit found by words alone must contain at least half the query's words ("minimum should
    match"): one shared word does not make "growing tomatoes" a match for "requirements keep
    growing"."""
    return matched > 0 and 2 * matched >= groups


def fuse(*ranked: list[str]) -> dict[str, float]:
    """Reciprocal rank fusion of ranked key lists (rank 1 first)."""
    scores: dict[str, float] = {}
    for keys in ranked:
        for rank, key in enumerate(keys, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return scores


def _cosine(a, b) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def _specificity(term: str) -> tuple:
    """Codes, then names and acronyms (capitals, digits: JWT, ChromaDB, p95) and Japanese words,
    then longer words: the terms most likely to be rare, and so worth a lookup."""
    return (
        bool(_CODE.match(term)),
        not term.isascii() or any(c.isupper() or c.isdigit() for c in term[1:]) or term.isupper(),
        len(term),
    )


def spellings(groups: list[list[str]], nearest_texts: list[str]) -> list[str]:
    """What the store is asked for: the ``MAX_LOOKUPS`` most specific words that hardly any of the
    nearest documents contain (under one in ``RARE``). Each lookup scans the collection, and a common
    word would return an arbitrary ``CANDIDATES`` of its many documents; the nearest documents are
    word-matched as they are. Fewer nearest documents than ``CANDIDATES`` are the whole collection:
    nothing to look up."""
    if len(nearest_texts) < CANDIDATES:
        return []
    heads = sorted((g[0] for g in groups), key=_specificity, reverse=True)
    chosen = []
    for term in heads:
        pattern = _pattern(term)
        if RARE * sum(1 for text in nearest_texts if pattern.search(text or "")) < len(nearest_texts):
            chosen.append(_spelling(term))
    return list(dict.fromkeys(chosen))[:MAX_LOOKUPS]


def _word_matches(entity, groups, query_codes, query_vector, near, nearest_texts, programmes=None) -> list[tuple]:
    """(metadata, words matched, word score, code match, similarity, close in meaning) of every
    document that contains a query word or has a query code: the nearest ones as they are, plus what
    the lookup of rare words finds."""
    found = {key: (hit, text, None) for (key, hit), text in zip(near.items(), nearest_texts, strict=True)}
    for doc in vectors.containing(
        entity, spellings(groups, nearest_texts), query_codes, CANDIDATES, programmes=programmes
    ):
        if doc["key"] not in found:
            found[doc["key"]] = (doc, doc.pop("document"), doc.pop("embedding"))
    matches = []
    for key, (doc, text, vector) in found.items():
        matched, score = lexical_match(text, folded(doc.get("title", "")), groups)
        coded = bool(set(query_codes) & {doc.get("code"), doc.get("risk")})
        if not (matched or coded):
            continue
        # Beyond the CANDIDATES nearest a document is not close in meaning.
        similarity = near[key]["similarity"] if key in near else _cosine(query_vector, vector)
        metadata = {k: v for k, v in doc.items() if k != "similarity"}
        matches.append((metadata, matched, score, coded, similarity, key in near))
    return matches


def search(
    entity: str, text: str, limit: int = 10, threshold: float | None = None, programmes: list[int] | None = None
) -> list[dict]:
    """Hits for ``text`` in one collection (risk, incident, mitigation) among the documents of
    ``programmes`` (None: all; the store filters), best first; [] when nothing matches."""
    text = (text or "").strip()
    if not text:
        return []
    threshold = embeddings.search_threshold() if threshold is None else threshold
    groups = term_groups(text)
    query_codes = codes([g[0] for g in groups])
    query_vector = embeddings.embed_queries([text])[0]
    near = {
        h["key"]: h for h in vectors.nearest(entity, query_vector, CANDIDATES, documents=True, programmes=programmes)
    }
    nearest_texts = [h.pop("document") for h in near.values()]
    semantic = [h for h in near.values() if h["similarity"] >= threshold]
    hits = {h["key"]: {**h, "match": "meaning"} for h in semantic}
    by_words, code_keys = [], set()
    for metadata, matched, score, coded, similarity, close in _word_matches(
        entity, groups, query_codes, query_vector, near, nearest_texts, programmes
    ):
        key = metadata["key"]
        supported = key in hits or (close and similarity >= SUPPORT * threshold)
        if not coded and not (supported or enough_words(matched, len(groups))):
            continue  # too few of the query's words, and not close enough in meaning
        match = "code" if coded else ("words+meaning" if key in hits else "words")
        hits[key] = {**hits.get(key, {**metadata, "similarity": round(similarity, 4)}), "match": match}
        by_words.append((coded, score, similarity, key))
        if coded:
            code_keys.add(key)
    lexical_rank = [key for *_, key in sorted(by_words, key=lambda s: (-s[0], -s[1], -s[2]))]
    fused = fuse([h["key"] for h in semantic], lexical_rank)
    ordered = sorted(hits.values(), key=lambda h: (h["key"] not in code_keys, -fused[h["key"]], -h["similarity"]))
    for hit in ordered:
        hit["similarity"] = max(0.0, hit["similarity"])
        hit["score"] = round(fused[hit["key"]], 5)
    return ordered[:limit]
