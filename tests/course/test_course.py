"""lamina.course: the registry of worked examples and lessons, and running an example by name."""
import numpy as np
import pytest

from lamina import course


def test_registry():
    names = list(course.examples())
    assert names == ["seed000", "seed001", "seed002", "seed003", "seed003_rnn", "seed004"]
    for entry in course.examples().values():
        assert entry.kind == "example" and entry.description
    lessons = course.find_lessons()
    assert isinstance(lessons, dict)
    assert all(e.kind == "lesson" and not e.module.rsplit(".", 1)[-1].startswith("_") for e in lessons.values())
    assert course.get("seed003_cnn_arithmetic").name == "seed003"
    assert course.get("seed004_stride").name == "seed004"
    assert course.get("seed003").name == "seed003" and course.get("seed003_rnn_types").name == "seed003_rnn"
    with pytest.raises(KeyError, match="ambiguous"):
        course.get("seed00")
    with pytest.raises(KeyError, match="no example or lesson"):
        course.get("nonsense")


def test_course_run_by_name(tmp_path):
    result = course.run("seed003", output_dir=str(tmp_path), quick=True)
    np.testing.assert_array_equal(result["conv_output"], [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
