import pytest
from hypothesis import given
from hypothesis import strategies as st

from register import scoring

scale = st.integers(min_value=1, max_value=5)


@pytest.mark.parametrize(
    ("impact", "likelihood", "score", "level"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (3, 3, 9, "medium"),
        (2, 5, 10, "high"),
        (4, 3, 12, "high"),
        (5, 5, 25, "high"),
        (2, 4, 8, "medium"),
    ],
)
def test_score_and_default_level(impact, likelihood, score, level):
    assert scoring.score(impact, likelihood) == score
    assert scoring.level_for(score) == level


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, "3", None, True])
def test_score_rejects_values_outside_the_scale(bad):
    with pytest.raises(ValueError):
        scoring.score(bad, 3)
    with pytest.raises(ValueError):
        scoring.score(3, bad)


@given(scale, scale)
def test_score_is_the_product_and_always_has_exactly_one_level(impact, likelihood):
    value = scoring.score(impact, likelihood)
    assert value == impact * likelihood
    matching = [b for b in scoring.DEFAULT_BANDS if b.min_score <= value <= b.max_score]
    assert len(matching) == 1


@given(scale, scale, scale)
def test_level_never_drops_when_impact_rises(impact, likelihood, bump):
    order = {"low": 0, "medium": 1, "high": 2}
    higher = min(5, impact + bump)
    assert (
        order[scoring.level_for(scoring.score(higher, likelihood))]
        >= order[scoring.level_for(scoring.score(impact, likelihood))]
    )


@given(st.integers(2, 24).flatmap(lambda m: st.tuples(st.just(m), st.integers(m + 1, 25))))
def test_bands_from_minimums_tile_1_to_25(edges):
    medium, high = edges
    bands = scoring.bands_from_minimums({"low": 1, "medium": medium, "high": high})
    covered = [v for band in bands for v in range(band.min_score, band.max_score + 1)]
    assert covered == list(range(1, 26))
    assert [b.level for b in bands] == ["low", "medium", "high"]


@pytest.mark.parametrize(
    ("minimums", "message"),
    [
        ({"low": 2, "medium": 5, "high": 10}, "must start at 1"),
        ({"low": 1, "medium": 10, "high": 10}, "must start above"),
        ({"low": 1, "medium": 12, "high": 10}, "must start above"),
        ({"low": 1, "medium": 5, "high": 26}, "beyond the highest score"),
        ({}, "no level bands"),
    ],
)
def test_bands_from_minimums_rejects_bad_edges(minimums, message):
    with pytest.raises(ValueError, match=message):
        scoring.bands_from_minimums(minimums)
