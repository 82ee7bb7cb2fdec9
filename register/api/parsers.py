"""JSON bodies with a bounded nesting depth, for every endpoint of every app.

Python's decoder recurses once per level: `[` × 100,000 exhausted the stack and became a 500 on
every JSON endpoint, the token endpoint included, before authentication had a say. Here a body
nested deeper than MAX_DEPTH is a 400 naming the limit; the decoder's own recursion limit can no
longer be reached (MAX_DEPTH is far below it).
"""

from __future__ import annotations

import json
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


class TooDeep(ValueError):
    pass


class HasNul(ValueError):
    """PostgreSQL stores no NUL character in text or jsonb: one in any string of the body would
    reach a query (a lookup, a JSON field) as a DataError — a 500 — so the body is refused here."""


def _refuse_nul(data) -> None:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise HasNul("text may not contain NUL characters (\\u0000)")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


# A JSON string (escapes included), and the brackets left once strings are gone.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _depth_at_most(text: str, limit: int) -> None:
    """Raise TooDeep if brackets outside strings nest deeper than ``limit`` (no recursion). Strings
    are cut out by a regular expression and only the brackets visited: a character-by-character
    loop over a 10,000-reading push took a tenth of its time."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise TooDeep(f"JSON nested deeper than {limit} levels")
        else:
            depth -= 1


def loads(raw: bytes | str, limit: int = MAX_DEPTH):
    """json.loads with the depth bounded first; errors are ValueError (TooDeep for the depth)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    if text.count("[") + text.count("{") > limit:  # cheap: only bodies that could nest that deep are scanned
        _depth_at_most(text, limit)
    data = json.loads(text)
    # A NUL can only come from the escape (a raw one is invalid JSON): walk the data only then.
    if "\\u0000" in text:
        _refuse_nul(data)
    return data


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return loads(raw)
        except (TooDeep, HasNul) as exc:
            raise ParseError(str(exc)) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
