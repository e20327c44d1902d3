"""What the page may ask for, checked before anything reaches the engine.

A configuration is a plain dict of JSON values (``DEFAULTS`` are TensorFlow Playground's); ``validate_config``
returns a new, complete one or raises ``PlaygroundError`` naming the field, what it accepts and what it got.
``parse_message`` does the same for one message of the page (a JSON object with a ``type``). Nothing the page
sends is evaluated: every value is compared against a table, a range or a type.
"""
from __future__ import annotations

import json
import math

from ..errors import ArgumentError
from .datasets import CLASSIFICATION, FEATURES, REGRESSION

MAX_LAYERS, MAX_NEURONS, MAX_CLASSES = 6, 8, 5
MAX_MESSAGE_BYTES = 256 * 1024
MAX_CSV_BYTES, MAX_CSV_POINTS = 200 * 1024, 2000
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
PROBLEMS = ("classification", "regression")

DEFAULTS = {
    "dataset": "circle", "problem": "classification", "classes": 2, "noise": 0, "train_ratio": 50,
    "batch_size": 10, "learning_rate": 0.03, "activation": "tanh", "regularization": "none",
    "regularization_rate": 0.0, "optimizer": "sgd", "momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "alpha": 0.99,
    "layers": [4, 2], "features": ["x1", "x2"], "seed": 1,
}

# field -> (kind, allowed): "choice" a tuple of strings, "int"/"float" an inclusive (low, high) range
FIELDS = {
    "dataset": ("choice", CLASSIFICATION + REGRESSION + ("csv",)),
    "problem": ("choice", PROBLEMS),
    "classes": ("int", (2, MAX_CLASSES)),
    "noise": ("int", (0, 50)),
    "train_ratio": ("int", (10, 90)),
    "batch_size": ("int", (1, 100)),
    "learning_rate": ("float", (1e-5, 10.0)),
    "activation": ("choice", ACTIVATIONS),
    "regularization": ("choice", REGULARIZATIONS),
    "regularization_rate": ("float", (0.0, 10.0)),
    "optimizer": ("choice", OPTIMIZERS),
    "momentum": ("float", (0.0, 0.999)),
    "beta1": ("float", (0.0, 0.999)),
    "beta2": ("float", (0.0, 0.99999)),
    "alpha": ("float", (0.0, 0.99999)),
    "seed": ("int", (0, 2**31 - 1)),
}


class PlaygroundError(ArgumentError):
    """A request the playground refuses; its message is shown to the user as it is."""


def _number(field, value, kind, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlaygroundError(f"{field}: expected a number in [{low}, {high}], got {value!r}")
    if kind == "int" and value != int(value):
        raise PlaygroundError(f"{field}: expected a whole number in [{low}, {high}], got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise PlaygroundError(f"{field}: expected a number in [{low}, {high}], got {value!r}")
    return int(value) if kind == "int" else float(value)


def check_field(field: str, value):
    """One field's value, converted, or a PlaygroundError."""
    kind, allowed = FIELDS[field]
    if kind == "choice":
        if value not in allowed:
            raise PlaygroundError(f"{field}: expected one of {', '.join(allowed)}, got {value!r}")
        return value
    return _number(field, value, kind, *allowed)


def check_layers(value) -> list:
    if not isinstance(value, list) or len(value) > MAX_LAYERS:
        raise PlaygroundError(f"layers: expected a list of at most {MAX_LAYERS} hidden-layer sizes, got {value!r}")
    return [_number("layers", n, "int", 1, MAX_NEURONS) for n in value]


def check_features(value) -> list:
    if not isinstance(value, list) or not value or any(not isinstance(f, str) or f not in FEATURES for f in value):
        raise PlaygroundError(f"features: expected a non-empty list of {', '.join(FEATURES)}, got {value!r}")
    return [f for f in FEATURES if f in value]  # canonical order, no repeats


def validate_config(updates, current: dict | None = None) -> dict:
    """``current`` (or the defaults) with ``updates`` applied, every field checked, the whole consistent."""
    if not isinstance(updates, dict):
        raise PlaygroundError(f"config: expected an object of settings, got {type(updates).__name__}")
    config = dict(current or DEFAULTS)
    for field, value in updates.items():
        if field == "layers":
            config[field] = check_layers(value)
        elif field == "features":
            config[field] = check_features(value)
        elif field in FIELDS:
            config[field] = check_field(field, value)
        else:
            raise PlaygroundError(f"config: unknown setting {field!r}; expected {', '.join(sorted(DEFAULTS))}")
    wanted = CLASSIFICATION if config["problem"] == "classification" else REGRESSION
    if config["dataset"] not in wanted + ("csv",):
        raise PlaygroundError(f"dataset: {config['dataset']!r} is not a {config['problem']} data set; "
                              f"expected one of {', '.join(wanted)}")
    if config["problem"] == "regression" or config["dataset"] not in ("spiral", "csv"):
        config["classes"] = 2 if config["problem"] == "classification" else 1
    return config


# message type -> the fields it must carry
MESSAGES = {
    "config": ("config",), "play": (), "pause": (), "step": (), "reset": (), "regenerate": (), "export": (),
    "set_weight": ("layer", "to", "from", "value"), "explain": ("layer", "to", "from"), "csv": ("text",),
    "set_bias": ("layer", "to", "value"), "explain_bias": ("layer", "to"),
}


def parse_message(raw) -> dict:
    """A page message (bytes, str or dict) as a dict with a known ``type`` and its fields, or a PlaygroundError."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_MESSAGE_BYTES:
            raise PlaygroundError(f"message: at most {MAX_MESSAGE_BYTES} bytes, got {len(raw)}")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PlaygroundError(f"message: not UTF-8 ({error.reason})") from None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as error:
            raise PlaygroundError(f"message: not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise PlaygroundError(f"message: expected a JSON object with a 'type', got {type(raw).__name__}")
    kind = raw.get("type")
    if kind not in MESSAGES:
        raise PlaygroundError(f"message: unknown type {kind!r}; expected one of {', '.join(MESSAGES)}")
    missing = [f for f in MESSAGES[kind] if f not in raw]
    if missing:
        raise PlaygroundError(f"message {kind!r}: missing {', '.join(missing)}")
    message = {"type": kind}
    for field in MESSAGES[kind]:
        value = raw[field]
        if field in ("layer", "to", "from"):
            value = _number(f"{kind}.{field}", value, "int", 0, max(MAX_LAYERS, MAX_NEURONS, len(FEATURES)))
        elif field == "value":
            value = _number(f"{kind}.value", value, "float", -100.0, 100.0)
        elif field == "text":
            if not isinstance(value, str):
                raise PlaygroundError(f"csv: expected the file's text, got {type(value).__name__}")
            if len(value.encode("utf-8")) > MAX_CSV_BYTES:
                raise PlaygroundError(f"csv: the file may have at most {MAX_CSV_BYTES // 1024} KiB, got "
                                      f"{len(value.encode('utf-8')) // 1024} KiB")
        elif field == "config" and not isinstance(value, dict):
            raise PlaygroundError(f"config: expected an object of settings, got {type(value).__name__}")
        message[field] = value
    return message


def parse_csv(text: str, problem: str):
    """``(points (n, 2), labels (n,))`` from CSV text ``x1,x2,label`` (an optional header line), or a
    PlaygroundError naming the line. Points must lie in [-6, 6]^2; classification labels are whole numbers
    with 2 to 5 distinct values (two become -1 / +1, more become 0..K-1); regression targets any finite number."""
    import numpy as np  # host-side parsing

    rows, first = [], True
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        header, first = first, False
        if len(cells) != 3:
            raise PlaygroundError(f"csv line {number}: expected 3 columns x1,x2,label, got {len(cells)}")
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if header:
                continue
            raise PlaygroundError(f"csv line {number}: expected numbers, got {line[:60]!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise PlaygroundError(f"csv line {number}: expected finite numbers, got {line[:60]!r}")
        if abs(values[0]) > 6 or abs(values[1]) > 6:
            raise PlaygroundError(f"csv line {number}: x1 and x2 must lie in [-6, 6], got {values[0]}, {values[1]}")
        rows.append(values)
        if len(rows) > MAX_CSV_POINTS:
            raise PlaygroundError(f"csv: at most {MAX_CSV_POINTS} points, the file has more")
    if len(rows) < 4:
        raise PlaygroundError(f"csv: expected at least 4 points, got {len(rows)}")
    data = np.array(rows)
    points, labels = data[:, :2], data[:, 2]
    if problem == "classification":
        if np.any(labels != np.round(labels)):
            raise PlaygroundError("csv: classification labels must be whole numbers (use regression for targets)")
        classes = np.unique(labels)
        if not 2 <= len(classes) <= MAX_CLASSES:
            raise PlaygroundError(f"csv: expected 2 to {MAX_CLASSES} classes, got {len(classes)}")
        index = np.searchsorted(classes, labels).astype(float)
        labels = np.where(index > 0, 1.0, -1.0) if len(classes) == 2 else index
    return points, labels
