"""Parse the plan's threshold phrases: early-warning rules, dashboard bands and alert conditions.

Plans say the same thing many ways ("応答時間が400msを超えた場合にアラート", "Alert when response
time exceeds 400ms", "> 400 ms"); everything here reduces them to (operator, value, unit).
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

# A number as people write it: 120, 99.5, 12,5 (a decimal comma), 1,000 / 1 000 (thousands), +5, -3.
# NFKC has already turned full-width digits and signs (１２０, ＋, －) into these.
_NUM = r"[+-]?(?:[0-9]{1,3}(?:(?:,|[ \u00a0\u202f])[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:[.,][0-9]+)?)"
NUMBER = rf"(?P<num>{_NUM})"
# Known units keep one normal form; any other unit text is kept as written (件/日, req/min, GB, pt …).
_UNIT_ALIASES = {
    "ms": "ms",
    "msec": "ms",
    "ミリ秒": "ms",
    "milliseconds": "ms",
    "millisecond": "ms",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "秒": "s",
    "min": "min",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "分": "min",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "時間": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    "日": "d",
    "%": "%",
    "percent": "%",
    "req/s": "req/s",
    "rps": "req/s",
    "requests/s": "req/s",
}
MAX_UNIT_LENGTH = 20  # the models' unit columns
# Inside a sentence, a unit is a run of letters, kanji, katakana and unit signs (never hiragana, the
# particles around it: "50件/日を超えた" → 件/日), or "/x" forms; at most three words joined by "/".
_UNIT_CHARS = r"A-Za-zµμ°℃$€¥£%\u4e00-\u9fff\u30a0-\u30ff"
_UNIT_WORD = rf"[{_UNIT_CHARS}][{_UNIT_CHARS}.]*"
UNIT = rf"(?P<unit>/?{_UNIT_WORD}(?:/{_UNIT_WORD}){{0,2}})?"
_OP_SYMBOLS = {
    ">": ">",
    ">=": ">=",
    "≥": ">=",
    "≧": ">=",
    "<": "<",
    "<=": "<=",
    "≤": "<=",
    "≦": "<=",
    "=>": ">=",
    "=<": "<=",
}
_OP_RE = r"(?P<op>>=|<=|=>|=<|≥|≤|≧|≦|>|<)"
# A range's separator: 200-500, 200–500, 200〜500, 200~500 (from ～), 200 to 500, 200から500(まで).
_RANGE_SEP = r"(?:-|–|—|~|〜|to|から)"

# Word forms, most specific first: "以上"/"or more" must win over a bare "more than".
_OP_WORDS: tuple[tuple[str, str], ...] = (
    (">=", r"以上|at least|or more|and above|or above|greater than or equal(?: to)?|no less than|not less than"),
    ("<=", r"以下|at most|or less|and below|or below|less than or equal(?: to)?|no more than|not more than"),
    (">", r"超え|超過|超|上回|exceed|above|greater than|more than|higher than|rises? over|goes over|over"),
    ("<", r"未満|下回|below|less than|lower than|under|falls? to|drops? to"),
)
_OP_WORD_RE = {symbol: re.compile(rf"^(?:{words})$", re.IGNORECASE) for symbol, words in _OP_WORDS}
_ANY_OP_WORD = "|".join(words for _symbol, words in _OP_WORDS)
_JA_OP_WORDS = "以上|以下|超え|超過|超|未満|上回|下回"
_EVENT_WORDS = r"検出|発生|検知|detected|detect|occurs?|happens?|any occurrence|is found|are found"


# Full-width ASCII (１２０, ％, ＞, ｍｓ, ～, ．) to ASCII; other characters (℃, 件, ≧) stay as written.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _normalise(text: str) -> str:
    """Full-width ASCII to ASCII, one space for any run of white space."""
    return " ".join(text.translate(_HALF_WIDTH).split())


def _word_operator(word: str) -> str:
    for symbol, pattern in _OP_WORD_RE.items():
        if pattern.match(word.strip()):
            return symbol
    raise ThresholdError(f"{word!r} is not a comparison")


class ThresholdError(ValueError):
    """A phrase that looks like a threshold but cannot be read as one."""


@dataclass(frozen=True)
class Threshold:
    operator: str
    value: float
    unit: str

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.operator} {format_number(self.value)}{unit}"


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str


@dataclass(frozen=True)
class Rule:
    """An early-warning rule: a threshold, an event ("any occurrence") or free text we keep as-is."""

    kind: str  # "threshold" | "event" | "manual"
    subject: str
    threshold: Threshold | None = None


def format_number(value: float) -> str:
    # 15 significant digits: exact for any value a person types, without "400.0" noise.
    return format(value, ".15g")


def _number(raw: str) -> float:
    compact = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", compact):
        compact = compact.replace(",", "")  # thousands separators
    value = float(compact.replace(",", "."))
    if not math.isfinite(value):
        raise ThresholdError(f"{raw!r} is not a finite number")
    return value


def normalise_unit(raw: str | None) -> str:
    """A known unit's normal form (ミリ秒 → ms, ％ → %), any other unit as written."""
    if not raw:
        return ""
    text = raw.translate(_HALF_WIDTH).strip()
    unit = _UNIT_ALIASES.get(text.lower(), _UNIT_ALIASES.get(text, text))
    if len(unit) > MAX_UNIT_LENGTH:
        raise ThresholdError(f"unit {unit!r} is longer than {MAX_UNIT_LENGTH} characters")
    return unit


def parse_bound(text: str) -> Threshold | Range:
    """Read a dashboard band cell: "< 200ms", "> 500 req/s", "≧ 1,000件", "200ms以上", "at least 5 GB",
    "200-500ms", "99–99.5%", "200 to 500/min", "200から500件". The unit is whatever follows the number
    (a known one in its normal form); a cell without a number is refused."""
    cleaned = _normalise(text)
    if not re.search(r"[0-9]", cleaned):
        raise ThresholdError(f"band {text.strip()!r} has no number")
    unit_text = r"(?P<unit>[^\s0-9<>=≥≤≧≦][^<>=≥≤≧≦]*?)?"
    forms = [
        # < 200ms, ≧ 1,000 件
        (rf"{_OP_RE}\s*{NUMBER}\s*{unit_text}", lambda m: m["op"] and _OP_SYMBOLS[m["op"]]),
        # at least 200 ms, more than 5%
        (rf"(?P<word>{_ANY_OP_WORD})\s+{NUMBER}\s*{unit_text}", lambda m: _word_operator(m["word"])),
        # 200ms以上, 5 % or more, 50件未満
        (rf"{NUMBER}\s*{unit_text}\s*(?P<word>{_ANY_OP_WORD})", lambda m: _word_operator(m["word"])),
    ]
    for pattern, operator_of in forms:
        match = re.fullmatch(pattern, cleaned, re.IGNORECASE)
        if match and not (match["unit"] or "").strip().lower().startswith(_RANGE_WORDS):
            return Threshold(operator_of(match), _number(match["num"]), normalise_unit(match["unit"]))
    match = re.fullmatch(
        rf"(?P<lo>{_NUM})\s*(?P<lounit>[^\s0-9~〜–—-][^0-9~〜–—-]*?)?\s*{_RANGE_SEP}\s*"
        rf"(?P<hi>{_NUM})\s*(?P<unit>[^\s0-9].*?)?(?:\s*まで)?",
        cleaned,
        re.IGNORECASE,
    )
    if match:
        low, high = _number(match["lo"]), _number(match["hi"])
        if low > high:
            raise ThresholdError(f"range {text.strip()!r} runs backwards")
        unit, low_unit = normalise_unit(match["unit"]), normalise_unit(match["lounit"])
        if low_unit and unit and low_unit != unit:
            raise ThresholdError(f"range {text.strip()!r} has two units, {low_unit!r} and {unit!r}")
        return Range(low, high, unit or low_unit)
    raise ThresholdError(f"cannot read {text.strip()!r} as a bound such as '< 200ms', '200ms以上' or '200-500ms'")


_RANGE_WORDS = ("to ", "から")


def parse_condition(text: str) -> tuple[str, Threshold | None]:
    """Read an alert condition: "システム稼働率 < 99%" → ("システム稼働率", < 99 %); no operator → event."""
    cleaned = _normalise(text)
    match = re.fullmatch(rf"(?P<subject>.+?)\s*{_OP_RE}\s*{NUMBER}\s*(?P<unit>\S.*?)?", cleaned, re.IGNORECASE)
    if not match:
        return text.strip(), None
    threshold = Threshold(_OP_SYMBOLS[match["op"]], _number(match["num"]), normalise_unit(match["unit"]))
    return match["subject"].strip(), threshold


def _operator_in(text: str) -> str | None:
    symbol = re.search(_OP_RE, text)
    if symbol:
        return _OP_SYMBOLS[symbol["op"]]
    for symbol_text, words in _OP_WORDS:
        if re.search(words, text, re.IGNORECASE):
            return symbol_text
    return None


def _subject(text: str) -> str:
    ja = re.match(r"^(?P<s>[^、。]+?)(?:が|は)", text)
    if ja and not ja["s"].isascii():
        return ja["s"].strip()
    en = re.search(
        r"\b(?:when|if|once)\s+(?:the\s+|a\s+|an\s+)?(?P<s>.+?)\s+"
        r"(?:exceeds?|is|are|rises?|falls?|drops?|goes|reaches|gets|stays|becomes|above|below|over|under)\b",
        text,
        re.IGNORECASE,
    )
    if en:
        return en["s"].strip()
    # "queue depth > 300/min", "disk usage exceeds 80 GB": what stands before the comparison.
    symbol = re.match(rf"^(?P<s>[^<>=≤≥≦≧]+?)\s*{_OP_RE}", text)
    if symbol:
        return symbol["s"].strip()
    leading = re.match(
        r"^(?P<s>.+?)\s+(?:exceeds?|(?:rises?|goes|is|stays)\s+(?:above|over|below|under)|(?:falls?|drops?)\s+below)\b",
        text,
        re.IGNORECASE,
    )
    if leading:
        return leading["s"].strip()
    return text.strip()


_FAILURE_WORDS = r"失敗|エラー|failure|failed|error|unavailab|ダウン|down"
_SUCCESS_WORDS = r"成功|稼働|success|uptime|availability|可用"
_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def compare(value: float, op: str, threshold: float) -> bool:
    return _COMPARE[op](value, threshold)


def speaks_of_complement(rule: Rule, indicator_name: str) -> bool:
    """True when a percentage rule is about the opposite rate of the indicator it belongs to:
    "接続失敗率が5%を超えた場合" on the indicator "接続成功率" means success rate below 95 %."""
    if rule.threshold is None or rule.threshold.unit != "%":
        return False
    return (
        bool(re.search(_FAILURE_WORDS, rule.subject, re.IGNORECASE))
        and bool(re.search(_SUCCESS_WORDS, indicator_name, re.IGNORECASE))
        and not re.search(_FAILURE_WORDS, indicator_name, re.IGNORECASE)
    )


def parse_rule(text: str) -> Rule:
    """Read an early-warning rule (早期警告) in Japanese or English."""
    cleaned = _normalise(text)
    if not cleaned:
        raise ThresholdError("the early-warning rule is empty")
    subject = _subject(cleaned)
    # The threshold is the number after the comparison sign, or after the subject: "Tier 1 latency
    # > 400 ms" and "認証2が400msを超えた場合" name a number in the subject that is not the threshold.
    symbol = re.search(_OP_RE, cleaned)
    start = symbol.end() if symbol else (cleaned.find(subject) + len(subject) if subject != cleaned else 0)
    pattern = rf"{NUMBER}\s*{UNIT}"
    number = re.search(pattern, cleaned[max(start, 0) :], re.IGNORECASE) or re.search(pattern, cleaned, re.IGNORECASE)
    operator = _operator_in(cleaned)
    if number and operator:
        # Kanji run on: "1%以上の場合" reads the unit "%以上"; the comparison is not part of it.
        unit = re.sub(rf"(?:{_JA_OP_WORDS}).*$", "", number["unit"] or "")
        threshold = Threshold(operator, _number(number["num"]), normalise_unit(unit))
        return Rule("threshold", subject, threshold)
    if not number and re.search(_EVENT_WORDS, cleaned, re.IGNORECASE):
        return Rule("event", subject)
    return Rule("manual", subject)
