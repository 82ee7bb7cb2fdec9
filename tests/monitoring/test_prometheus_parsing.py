import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.intake.sources import NoData, SourceError, Value
from monitoring.intake.sources.prometheus import TAG, grouped_query, parse_group, parse_response


def vector(*values):
    return json.dumps(
        {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [
                    {"metric": {"instance": f"i{n}"}, "value": [1732000000.123, v]} for n, v in enumerate(values)
                ],
            },
        }
    )


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, vector("412.5"), Value(412.5)),
        (200, vector("+Inf"), Value(float("inf"))),
        (200, vector("-Inf"), Value(float("-inf"))),
        (200, vector("NaN"), NoData("the query returned NaN")),
        (200, vector(), NoData("the query returned an empty vector")),
        (200, json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1, "3"]}}), Value(3.0)),
    ],
)
def test_values_and_no_data(status, body, expected):
    assert parse_response(status, body) == expected


def test_two_series_for_one_value_is_a_configuration_error():
    result = parse_response(200, vector("1", "2"))
    assert isinstance(result, SourceError) and result.config_error
    assert "2 series" in result.reason


@pytest.mark.parametrize(
    ("status", "body", "config_error", "text"),
    [
        (
            400,
            json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}),
            True,
            "bad_data",
        ),
        (
            422,
            json.dumps({"status": "error", "errorType": "execution", "error": "too many samples"}),
            False,
            "execution",
        ),
        (
            503,
            json.dumps({"status": "error", "errorType": "unavailable", "error": "shutting down"}),
            False,
            "unavailable",
        ),
        (502, "<html><body>Bad Gateway</body></html>", False, "not JSON"),
        (200, "[]", False, "unexpected JSON"),
        (200, json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}), True, "matrix"),
        (
            200,
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": [{"value": [1]}]}}),
            False,
            "unreadable",
        ),
        # An integer no float holds, where Prometheus sends a string: read as a bad sample, not a crash.
        (
            200,
            '{"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, 1' + "0" * 400 + "]}]}}",
            False,
            "unreadable",
        ),
    ],
)
def test_errors(status, body, config_error, text):
    result = parse_response(status, body)
    assert isinstance(result, SourceError)
    assert result.config_error is config_error
    assert text in result.reason


# A grouped answer (sources/prometheus.collect_group) split by its tag reads, for each metric, exactly
# what that metric's own query would have read.
SAMPLE = st.sampled_from(["1", "412.5", "-3", "NaN", "+Inf", "0", "1e-9", "oops"])
SERIES = st.lists(
    st.tuples(st.dictionaries(st.sampled_from(["job", "instance", "le"]), st.text(max_size=4), max_size=2), SAMPLE),
    max_size=3,
)


def series_json(labels: dict, sample: str) -> dict:
    return {"metric": labels, "value": [1732000000.5, sample]}


@given(st.lists(SERIES, min_size=1, max_size=6))
def test_a_grouped_answer_splits_into_what_each_query_answers_alone(per_metric):
    alone = [
        parse_response(
            200,
            json.dumps(
                {"status": "success", "data": {"resultType": "vector", "result": [series_json(*s) for s in series]}}
            ),
        )
        for series in per_metric
    ]
    grouped_result = [
        series_json({**labels, TAG: str(n)}, sample) for n, series in enumerate(per_metric) for labels, sample in series
    ]
    body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": grouped_result}})
    assert parse_group(200, body, len(per_metric)) == alone


@pytest.mark.parametrize(
    ("status", "body", "config_error"),
    [
        (400, json.dumps({"status": "error", "errorType": "bad_data", "error": "expected type instant vector"}), True),
        (503, "<html>proxy error</html>", False),
        (200, json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1, "3"]}}), True),
        (422, json.dumps({"status": "error", "errorType": "execution", "error": "query timed out"}), False),
    ],
)
def test_a_group_that_fails_as_a_whole(status, body, config_error):
    result = parse_group(status, body, 3)
    assert isinstance(result, SourceError) and result.config_error is config_error


def test_the_grouped_query_tags_each_expression_and_survives_a_trailing_comment():
    query = grouped_query(["up", "sum(rate(x[5m])) # per second"])
    assert query == (
        'label_replace((up\n), "riskregister_metric", "0", "", "") or '
        'label_replace((sum(rate(x[5m])) # per second\n), "riskregister_metric", "1", "", "")'
    )
