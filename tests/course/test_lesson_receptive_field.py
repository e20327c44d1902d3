"""The receptive-field lesson (lamina/course/lessons/receptive_field.py): measured by backpropagation, two 3x3
layers see 5x5 and three 7x7 with fewer weights; VGG-16's layout reaches 212 pixels."""
import importlib
import struct

import numpy as np
import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def lesson():
    return importlib.import_module("lamina.course.lessons.receptive_field")


@pytest.fixture(scope="module")
def quick_run(lesson, tmp_path_factory):
    folder = tmp_path_factory.mktemp("receptive_field")
    return lesson.run(output_dir=str(folder), quick=True), folder


def test_protocol(lesson):
    assert lesson.NAME == "receptive_field" and lesson.DESCRIPTION and callable(lesson.run)


def test_n_stacked_3x3_convolutions_see_as_far_as_one_2n_plus_1_convolution(quick_run):
    stacks = quick_run[0]["stacks"]
    for depth, r in stacks.items():
        k = 2 * depth + 1
        assert r["kernel"] == k and r["stack"] == r["single"] == (k, k)
        c = r["channels"]
        assert r["stack_weights"] == depth * 9 * c * c and r["single_weights"] == k * k * c * c
    assert stacks[2]["stack_weights"] < stacks[2]["single_weights"]    # 18 C^2 < 25 C^2
    assert stacks[3]["stack_weights"] < stacks[3]["single_weights"]    # 27 C^2 < 49 C^2


def test_the_gradient_counts_the_paths(lesson):
    two = lesson.input_gradient(lesson.stacked(2), 9)
    profile = np.array([1, 2, 3, 2, 1])
    np.testing.assert_array_equal(two[2:7, 2:7], np.outer(profile, profile))
    assert np.count_nonzero(two) == 25


def test_the_measurement_is_not_the_formula(lesson):
    """A dilated 3x3 convolution spans 5x5 but reads only 9 of its pixels: the gradient shows both."""
    import lamina as lm

    conv = lm.nn.Conv2d(1, 1, 3, dilation=2, bias=False)
    lm.nn.init.ones_(conv.weight)
    gradient = lesson.input_gradient(conv, 9)
    assert lesson.extent(gradient) == (5, 5) and np.count_nonzero(gradient) == 9


def test_vgg16_reaches_212_pixels(quick_run):
    vgg = quick_run[0]["vgg16"]
    assert vgg["measured"] == vgg["formula"]
    pools = [m for name, m in zip(vgg["layers"], vgg["measured"]) if name.startswith("pool")]
    assert pools == [6, 16, 44, 100, 212]
    assert vgg["measured"][:2] == [3, 5] and len(vgg["layers"]) == 13 + 5


def test_figures_are_pngs(quick_run):
    result, folder = quick_run
    assert len(result["figures"]) == 2
    for path in result["figures"]:
        assert path.startswith(str(folder))
        with open(path, "rb") as f:
            head = f.read(24)
        assert head[:8] == PNG_MAGIC and struct.unpack(">II", head[16:24])[0] >= 400
