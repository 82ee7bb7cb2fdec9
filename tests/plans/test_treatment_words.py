"""The plan vocabulary of treatment as properties: any text either reads as a value on the scales or is
refused with a sentence (ValueError) — never another exception; what the exporter writes reads back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plans import treatment
from plans.document import Plan

texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
scale = st.integers(1, 5)


def reads_or_refuses(parse, *args):
    try:
        return parse(*args)
    except ValueError as exc:
        assert str(exc)
        return None


@given(texts)
def test_any_pair_text_reads_on_the_scale_or_is_refused(text):
    pair = reads_or_refuses(treatment.parse_pair, text, "target score")
    assert pair is None or all(1 <= n <= 5 for n in pair)


@given(
    scale, scale, st.sampled_from(["×", "x", "X", "*", "✕"]), st.booleans(), st.sampled_from(["", "影響度", "Impact "])
)
def test_written_pairs_read_back(impact, likelihood, sign, with_product, label):
    text = f"{label}{impact} {sign} {likelihood}" + (f" = {impact * likelihood}" if with_product else "")
    assert treatment.looks_like_pair(text)
    assert treatment.parse_pair(text, "inherent score") == (impact, likelihood)


@given(texts)
def test_any_treatment_text_reads_or_is_refused(text):
    stated = reads_or_refuses(treatment.parse_treatment, text)
    assert stated is None or stated.treatment in treatment.TREATMENT_WORDS
    assert stated is None or not stated.counterparty or stated.treatment == "transfer"


@given(
    st.sampled_from(
        [(key, word) for key, ws in treatment.TREATMENT_WORDS.items() for words in ws.values() for word in words]
    ),
    st.text(alphabet="ABCDEFG xyz保険会社", min_size=1, max_size=15).map(str.strip).filter(bool),
    st.text(alphabet="abc def安い理由", max_size=20).map(str.strip),
)
def test_every_treatment_word_reads_back_with_counterparty_and_rationale(key_word, party, why):
    key, word = key_word
    text = f"{word} ({party})" + (f" — {why}" if why else "")
    stated = treatment.parse_treatment(text)
    assert stated.treatment == key
    if key == "transfer":
        assert (stated.counterparty, stated.rationale) == (party, why)
    else:
        assert party in stated.rationale and stated.counterparty == ""


@given(texts, texts)
def test_any_appetite_text_reads_or_is_refused(scope, value):
    plan = Plan()
    problem = treatment.add_appetite(plan, scope, value)
    if problem:
        assert plan.appetite == []
    else:
        (stated,) = plan.appetite
        assert 1 <= stated.appetite <= stated.tolerance <= 25


@given(texts)
def test_any_date_text_reads_or_is_refused(text):
    day = reads_or_refuses(treatment.parse_date, text, "acceptance")
    assert day is None or len(day) == 10
