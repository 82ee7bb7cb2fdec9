"""The API's JSON parser: what it refuses for depth is exactly what nests deeper than the limit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.api.parsers import MAX_DEPTH, HasNul, TooDeep, loads

# Strings that look like nesting, so a depth read off the text instead of the data would be wrong.
TEXT = st.text(alphabet='[]{}"\\ab\x00', max_size=6)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=30,
)


def depth(value) -> int:
    """The reference: a scalar is 0 deep, a container one more than its deepest child."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def wrapped(value, levels: int):
    """``value`` inside ``levels`` containers, lists and objects in turn."""
    for n in range(levels):
        value = [value] if n % 2 else {"k": value}
    return value


def has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(has_nul, value))
    return False


@given(JSON, st.integers(min_value=0, max_value=MAX_DEPTH + 3), st.integers(min_value=1, max_value=8))
def test_refused_for_depth_exactly_when_deeper_than_the_limit(value, levels, limit):
    data = wrapped(value, levels)
    text = json.dumps(data)
    if depth(data) > limit:
        with pytest.raises(TooDeep, match=f"deeper than {limit} levels"):
            loads(text, limit)
    elif has_nul(data):
        with pytest.raises(HasNul):
            loads(text, limit)
    else:
        assert loads(text, limit) == data
        assert loads(text.encode(), limit) == data


@pytest.mark.parametrize("opening", ["[", '{"a":', '[{"b":'])
def test_nesting_past_the_decoders_own_limit_is_too_deep_not_a_crash(opening):
    # Unclosed as well as closed: the decoder stops at its recursion limit before it sees either.
    closing = {"[": "]", '{"a":': "}", '[{"b":': "}]"}[opening]
    for body in (opening * 100_000, opening * 100_000 + "0" + closing * 100_000):
        with pytest.raises(TooDeep, match=f"deeper than {MAX_DEPTH} levels"):
            loads(body)
