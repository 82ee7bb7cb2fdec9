import json

import pytest

from monitoring.sources import NoData, SourceError, Value
from monitoring.sources.prometheus import parse_response


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
    ],
)
def test_errors(status, body, config_error, text):
    result = parse_response(status, body)
    assert isinstance(result, SourceError)
    assert result.config_error is config_error
    assert text in result.reason
