"""Parse the plan's threshold phrases: early-warning rules, dashboard bands and alert conditions.

Plans say the same thing many ways ("応答時間が400msを超えた場合にアラート", "Alert when response
time exceeds 400ms", "> 400 ms"); everything here reduces them to (operator, value, unit).
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

NUMBER = r"(?P<num>[0-9]+(?:[.,][0-9]+)?)"
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
    "％": "%",
    "percent": "%",
    "req/s": "req/s",
    "rps": "req/s",
    "requests/s": "req/s",
}
# Longest first so "ms" wins over "m…"/"s" and "req/s" over "s".
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNIT_ALIASES, key=len, reverse=True))
UNIT = rf"(?P<unit>{_UNIT_RE})?"
_OP_SYMBOLS = {">": ">", ">=": ">=", "≥": ">=", "<": "<", "<=": "<=", "≤": "<=", "＞": ">", "＜": "<"}
_OP_RE = r"(?P<op>>=|<=|≥|≤|>|<|＞|＜)"

# Word forms, most specific first: "以上"/"or more" must win over a bare "more than".
_OP_WORDS: tuple[tuple[str, str], ...] = (
    (">=", r"以上|at least|or more|greater than or equal|no less than"),
    ("<=", r"以下|at most|or less|less than or equal|no more than"),
    (">", r"超え|超過|上回|exceed|above|greater than|more than|higher than|rises? over|goes over|over"),
    ("<", r"未満|下回|below|less than|lower than|under|falls? to|drops? to"),
)
_EVENT_WORDS = r"検出|発生|検知|detected|detect|occurs?|happens?|any occurrence|is found|are found"


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
    value = float(raw.replace(",", "."))
    if not math.isfinite(value):
        raise ThresholdError(f"{raw!r} is not a finite number")
    return value


def normalise_unit(raw: str | None) -> str:
    if not raw:
        return ""
    return _UNIT_ALIASES.get(raw.strip().lower(), _UNIT_ALIASES.get(raw.strip(), raw.strip()))


def parse_bound(text: str) -> Threshold | Range:
    """Read a dashboard band cell: "< 200ms", "> 500 req/s", "200-500ms", "99–99.5%"."""
    cleaned = text.strip().replace("　", " ")
    match = re.fullmatch(rf"{_OP_RE}\s*{NUMBER}\s*{UNIT}", cleaned, re.IGNORECASE)
    if match:
        return Threshold(_OP_SYMBOLS[match["op"]], _number(match["num"]), normalise_unit(match["unit"]))
    match = re.fullmatch(
        rf"(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*(?P<lounit>{_UNIT_RE})?\s*(?:-|–|—|~|〜|～|to)\s*"
        rf"(?P<hi>[0-9]+(?:\.[0-9]+)?)\s*{UNIT}",
        cleaned,
        re.IGNORECASE,
    )
    if match:
        low, high = _number(match["lo"]), _number(match["hi"])
        if low > high:
            raise ThresholdError(f"range {text.strip()!r} runs backwards")
        return Range(low, high, normalise_unit(match["unit"] or match["lounit"]))
    raise ThresholdError(f"cannot read {text.strip()!r} as a bound such as '< 200ms' or '200-500ms'")


def parse_condition(text: str) -> tuple[str, Threshold | None]:
    """Read an alert condition: "システム稼働率 < 99%" → ("システム稼働率", < 99 %); no operator → event."""
    cleaned = text.strip()
    match = re.fullmatch(rf"(?P<subject>.+?)\s*{_OP_RE}\s*{NUMBER}\s*{UNIT}", cleaned, re.IGNORECASE)
    if not match:
        return cleaned, None
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
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ThresholdError("the early-warning rule is empty")
    number = re.search(rf"{NUMBER}\s*{UNIT}", cleaned, re.IGNORECASE)
    operator = _operator_in(cleaned)
    if number and operator:
        threshold = Threshold(operator, _number(number["num"]), normalise_unit(number["unit"]))
        return Rule("threshold", _subject(cleaned), threshold)
    if not number and re.search(_EVENT_WORDS, cleaned, re.IGNORECASE):
        return Rule("event", _subject(cleaned))
    return Rule("manual", _subject(cleaned))
