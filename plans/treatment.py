"""How plans write treatment: inherent and target scores, the treatment decision, an acceptance's
expiry and the appetite per category — in Japanese and English, in Markdown fields and sheet cells.

Pure functions from text to values; each raises ``ValueError`` with a sentence the parser puts
at the line or cell it came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from plans.document import AppetiteSpec
from register import scoring

# treatment → the words plans use (ISO 31000's modify / retain / avoid / share, the usual English
# and the Japanese of 対応方針), canonical first per language.
TREATMENT_WORDS: dict[str, dict[str, list[str]]] = {
    "mitigate": {
        "ja": ["低減", "軽減", "緩和", "対策", "リスク低減"],
        "en": ["Mitigate", "Mitigation", "Reduce", "Modify", "Treat", "Control"],
    },
    "accept": {"ja": ["受容", "保有", "リスク受容", "許容"], "en": ["Accept", "Retain", "Tolerate", "Acceptance"]},
    "avoid": {"ja": ["回避", "リスク回避"], "en": ["Avoid", "Terminate", "Avoidance", "Eliminate"]},
    "transfer": {
        "ja": ["移転", "共有", "転嫁", "リスク移転"],
        "en": ["Transfer", "Share", "Insure", "Outsource"],
    },
}
PROGRAMME_WORDS = [
    "全体",
    "プログラム全体",
    "既定",
    "全カテゴリ",
    "デフォルト",
    "programme",
    "program",
    "default",
    "all",
    "overall",
]
# What the exporter writes for the programme-wide appetite and for one judged on target scores.
PROGRAMME_TEXT = {"ja": "全体", "en": "Programme"}
TARGET_TEXT = {"ja": "目標", "en": "target"}

_PAIR = re.compile(r"(?P<i>\d+)\s*[×xX*✕・]\s*(?:[^\W\d_]+\s*[:：]?\s*)?(?P<l>\d+)(?:\s*[=＝]\s*(?P<s>\d+))?")
# "影響度5 × 発生確率4", "Impact 5 x Likelihood 4 = 20": words before the first number are labels.
_LABELLED_PAIR = re.compile(r"^[^\d]*?(?P<rest>\d.*)$", re.S)
_DATE = re.compile(r"(?P<y>\d{4})\s*[-/年.]\s*(?P<m>\d{1,2})\s*[-/月.]\s*(?P<d>\d{1,2})\s*日?")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def looks_like_pair(text: str) -> bool:
    """Whether a value is written as an assessment at all: "Target: < 200 ms" is a different target."""
    normal = _normal(text)
    labelled = _LABELLED_PAIR.match(normal)
    return bool(_PAIR.search(labelled["rest"] if labelled else normal))


def parse_pair(text: str, what: str) -> tuple[int, int]:
    """``'5 × 4 = 20'``, ``'影響度5 × 発生確率4'``, ``'5x4'`` → (impact, likelihood) on the 1–5 scales."""
    normal = _normal(text)
    labelled = _LABELLED_PAIR.match(normal)
    match = _PAIR.search(labelled["rest"] if labelled else normal)
    if not match:
        raise ValueError(f"cannot read the {what} {text!r} (expected 'impact × likelihood', e.g. '5 × 4 = 20')")
    impact, likelihood = int(match["i"]), int(match["l"])
    bad = [
        f"{name} {value}"
        for name, value in (("impact", impact), ("likelihood", likelihood))
        if not scoring.in_scale(value)
    ]
    if bad:
        raise ValueError(f"the {what} has {' and '.join(bad)} outside 1–5")
    if match["s"] is not None and int(match["s"]) != impact * likelihood:
        raise ValueError(f"the {what}: {impact} × {likelihood} is {impact * likelihood}, not {match['s']}")
    return impact, likelihood


@dataclass(frozen=True)
class TreatmentText:
    treatment: str
    counterparty: str = ""
    rationale: str = ""


def treatment_from_words(word: str) -> str | None:
    wanted = _normal(word).casefold()
    for key, languages in TREATMENT_WORDS.items():
        if any(wanted == w.casefold() for words in languages.values() for w in words):
            return key
    return None


def parse_treatment(text: str) -> TreatmentText:
    """``'移転（サイバー保険）— 自社で持つより安い'``, ``'Transfer (insurer): cheaper'``, ``'受容'``."""
    normal = _normal(text)
    match = re.match(
        r"^(?P<word>[^(（:：—–\-]+?)\s*(?:[(（](?P<party>[^)）]*)[)）])?\s*(?:[:：—–\-]+\s*(?P<why>.*))?$", normal, re.S
    )
    treatment = treatment_from_words(match["word"]) if match else None
    if treatment is None:
        known = ", ".join(words["en"][0].lower() for words in TREATMENT_WORDS.values())
        raise ValueError(f"unknown treatment {text!r} (one of {known}, or 低減・受容・回避・移転)")
    party = (match["party"] or "").strip()
    why = (match["why"] or "").strip()
    if party and treatment != "transfer":
        # "受容（コストが見合わない）": words in brackets of any other treatment are its rationale.
        why, party = (f"{party}; {why}" if why else party), ""
    return TreatmentText(treatment, party, why)


def parse_date(text: str, what: str) -> str:
    match = _DATE.search(_normal(text))
    if not match:
        raise ValueError(f"the {what} {text!r} has no date (expected YYYY-MM-DD)")
    import datetime

    try:
        return datetime.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError as exc:
        raise ValueError(f"the {what} {text!r}: {exc}") from None


@dataclass(frozen=True)
class AppetiteText:
    category: str  # "" for the programme
    appetite: int
    tolerance: int
    basis: str = "current"


def is_programme(scope: str) -> bool:
    return _normal(scope).casefold() in {w.casefold() for w in PROGRAMME_WORDS}


def parse_appetite(scope: str, value: str) -> AppetiteText:
    """``'技術的リスク'``, ``'8 / 12'`` (appetite, then tolerance; one number for both); ``(目標)`` or
    ``(target)`` after the numbers judges risks on their target score."""
    normal = _normal(value)
    basis = "target" if re.search(r"[(（]\s*(?:目標|target)", normal, re.I) else "current"
    numbers = [int(n) for n in re.findall(r"\d+", re.sub(r"[(（][^)）]*[)）]", "", normal))]
    if not numbers or len(numbers) > 2:
        raise ValueError(f"appetite {value!r}: expected 'appetite / tolerance' as scores, e.g. '8 / 12'")
    appetite, tolerance = numbers[0], numbers[-1]
    for name, number in (("appetite", appetite), ("tolerance", tolerance)):
        if not scoring.SCORE_MIN <= number <= scoring.SCORE_MAX:
            raise ValueError(f"appetite {value!r}: {name} {number} is not a score from 1 to 25")
    if tolerance < appetite:
        raise ValueError(f"appetite {value!r}: the tolerance {tolerance} is below the appetite {appetite}")
    category = "" if is_programme(scope) else _normal(scope)
    return AppetiteText(category, appetite, tolerance, basis)


def add_appetite(plan, scope: str, value: str) -> str | None:
    """Read one appetite statement into ``plan.appetite``; the problem, if any, as a sentence."""
    try:
        stated = parse_appetite(scope, value)
    except ValueError as exc:
        return str(exc)
    if any(a.category == stated.category for a in plan.appetite):
        return f"appetite for {scope!r} is stated twice"
    plan.appetite.append(AppetiteSpec(stated.category, stated.appetite, stated.tolerance, stated.basis))
    return None
