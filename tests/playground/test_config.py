"""Validation: settings, messages and CSV files are checked against tables and ranges with clear errors."""
import json

import numpy as np
import pytest

from lamina.playground.config import (DEFAULTS, MAX_CSV_POINTS, MAX_MESSAGE_BYTES, PlaygroundError, parse_csv,
                                      parse_message, validate_config)


def test_defaults_are_tensorflow_playgrounds():
    config = validate_config({})
    assert config == DEFAULTS and config["layers"] == [4, 2] and config["learning_rate"] == 0.03


@pytest.mark.parametrize("updates, words", [
    ({"layers": [4] * 7}, "layers: expected a list of at most 6"),
    ({"layers": [9]}, "layers: expected a number in [1, 8], got 9"),
    ({"layers": [0]}, "layers: expected a number in [1, 8], got 0"),
    ({"layers": "4,2"}, "layers: expected a list"),
    ({"learning_rate": 100}, "learning_rate: expected a number in"),
    ({"learning_rate": float("nan")}, "learning_rate: expected a number in"),
    ({"learning_rate": "0.1"}, "learning_rate: expected a number in"),
    ({"batch_size": 0}, "batch_size: expected a number in [1, 100]"),
    ({"batch_size": 2.5}, "batch_size: expected a whole number"),
    ({"batch_size": True}, "batch_size: expected a number"),
    ({"noise": 60}, "noise: expected a number in [0, 50]"),
    ({"activation": "__import__('os')"}, "activation: expected one of relu, tanh, sigmoid, linear"),
    ({"features": []}, "features: expected a non-empty list"),
    ({"features": ["x3"]}, "features: expected a non-empty list"),
    ({"classes": 6}, "classes: expected a number in [2, 5]"),
    ({"evil": 1}, "config: unknown setting 'evil'"),
    ({"problem": "regression"}, "dataset: 'circle' is not a regression data set"),
])
def test_bad_settings_get_a_clear_error(updates, words):
    with pytest.raises(PlaygroundError) as error:
        validate_config(updates)
    assert words in str(error.value)


def test_settings_are_applied_on_the_current_ones():
    config = validate_config({"layers": [8, 8, 8], "features": ["x2", "x1", "x2"], "dataset": "spiral", "classes": 3})
    assert config["layers"] == [8, 8, 8] and config["features"] == ["x1", "x2"] and config["classes"] == 3
    circle = validate_config({"dataset": "circle"}, config)
    assert circle["classes"] == 2 and circle["layers"] == [8, 8, 8]
    plane = validate_config({"problem": "regression", "dataset": "plane"}, config)
    assert plane["classes"] == 1


@pytest.mark.parametrize("raw, words", [
    (b"not json", "message: not valid JSON"),
    (b"\xff\xfe", "message: not UTF-8"),
    (b"[1, 2]", "message: expected a JSON object"),
    (b'{"type": "rm -rf"}', "message: unknown type 'rm -rf'"),
    (b'{"kind": "play"}', "message: unknown type None"),
    (b'{"type": "set_weight", "layer": 0}', "message 'set_weight': missing to, from, value"),
    (b'{"type": "set_weight", "layer": 0, "to": 0, "from": 0, "value": 1e9}', "set_weight.value: expected a number"),
    (b'{"type": "set_weight", "layer": -1, "to": 0, "from": 0, "value": 1}', "set_weight.layer: expected a number"),
    (b'{"type": "config", "config": [1]}', "config: expected an object"),
    (b'{"type": "csv", "text": 5}', "csv: expected the file's text"),
    (b"[" * 100000 + b"]" * 100000, "message: not valid JSON"),
    (b" " * (MAX_MESSAGE_BYTES + 1), f"message: at most {MAX_MESSAGE_BYTES} bytes"),
])
def test_malformed_messages_are_refused(raw, words):
    with pytest.raises(PlaygroundError) as error:
        parse_message(raw)
    assert words in str(error.value)


def test_good_messages_parse():
    assert parse_message('{"type": "play", "extra": 1}') == {"type": "play"}
    message = parse_message(json.dumps({"type": "set_weight", "layer": 1, "to": 0, "from": 2, "value": -0.5}))
    assert message == {"type": "set_weight", "layer": 1, "to": 0, "from": 2, "value": -0.5}


def test_csv_two_classes_with_a_header():
    points, labels = parse_csv("x1,x2,label\n1,2,0\n-1,-2,1\n3,0.5,1\n0,0,0\n", "classification")
    np.testing.assert_array_equal(points[1], [-1, -2])
    np.testing.assert_array_equal(labels, [-1, 1, 1, -1])


def test_csv_three_classes_and_regression():
    _, labels = parse_csv("1,1,2\n2,2,5\n3,3,7\n4,4,5\n", "classification")
    np.testing.assert_array_equal(labels, [0, 1, 2, 1])
    _, targets = parse_csv("1,1,0.25\n2,2,-0.5\n3,3,7\n4,4,5\n", "regression")
    np.testing.assert_array_equal(targets, [0.25, -0.5, 7, 5])


@pytest.mark.parametrize("text, words", [
    ("1,2\n3,4\n", "csv line 1: expected 3 columns"),
    ("x,y,l\n1,2,0\n1,a,1\n", "csv line 3: expected numbers"),
    ("1,2,0\n7,0,1\n", "csv line 2: x1 and x2 must lie in [-6, 6]"),
    ("1,2,0\n1,nan,1\n", "csv line 2: expected finite numbers"),
    ("1,2,0\n", "csv: expected at least 4 points"),
    ("1,1,0.5\n2,2,1\n3,3,0\n4,4,1\n", "csv: classification labels must be whole numbers"),
    ("1,1,0\n2,2,0\n3,3,0\n4,4,0\n", "csv: expected 2 to 5 classes, got 1"),
    ("".join(f"0,0,{k % 2}\n" for k in range(MAX_CSV_POINTS + 1)), f"csv: at most {MAX_CSV_POINTS} points"),
])
def test_malformed_csv_gets_a_clear_error(text, words):
    with pytest.raises(PlaygroundError) as error:
        parse_csv(text, "classification")
    assert words in str(error.value)
