"""lamina.course.seed004_stride_flops: strides, padding and output sizes against a plain NumPy
correlation, and LeNet-5's FLOPs counted by hand."""
import numpy as np
import pytest

from lamina.course import seed004_stride_flops


@pytest.fixture(scope="module")
def seed004(quiet):
    return seed004_stride_flops.run(quick=True, print_fn=quiet)


def test_seed004_stride_and_output_size(seed004, correlate):
    image, kernel = np.array(seed004_stride_flops.IMAGE), [[-1, 0, 1], [-2, 1, 2], [-3, 0, 3]]
    np.testing.assert_array_equal(image[:3, :3], [[1, 0, 1], [0, 1, 0], [0, 0, 1]])  # the slide's worked patch
    assert seed004["first_output"] == 4
    np.testing.assert_array_equal(seed004["stride1"], correlate(image, kernel))
    expected = {(1, 1, 0): (6, 6), (2, 2, 0): (3, 3), (3, 3, 0): (2, 2), (1, 1, 1): (8, 8), (2, 2, 1): (4, 4),
                (3, 3, 1): (3, 3), (1, 2, 0): (6, 3)}
    seen = {}
    for size in seed004["sizes"]:
        key = (*size["stride"], size["padding"])
        seen[key] = tuple(size["conv2d"])
        assert tuple(size["formula"]) == tuple(size["conv2d"])
        if size["padding"] == 0:
            np.testing.assert_array_equal(size["output"], correlate(image, kernel, size["stride"]))
    assert seen == expected
    assert seed004["stride2_is_subsampled_stride1"]


def test_seed004_flops(seed004):
    flops = seed004["flops"]
    by_hand = {"c1": 2 * 25 * 6 * 28 * 28, "c3": 2 * 150 * 16 * 100, "c5": 2 * 400 * 120, "f6": 2 * 120 * 84,
               "output": 2 * 84 * 10}
    assert by_hand == {"c1": 235_200, "c3": 480_000, "c5": 96_000, "f6": 20_160, "output": 1_680}
    for name, value in by_hand.items():
        assert flops["layers"][name] == value
    elementwise = 6 * 28 * 28 * 2 + 16 * 10 * 10 * 2 + 120 + 84  # tanh and pooling, one per element
    assert flops["total"] == sum(by_hand.values()) + elementwise
    assert flops["lecun_c3"] == 2 * 60 * 25 * 100
    assert {s: v["flops"] for s, v in flops["strides"].items()} == {1: 235_200, 2: 2 * 25 * 6 * 14 * 14,
                                                                    4: 2 * 25 * 6 * 7 * 7}
    assert flops["strides"][2]["output_shape"] == [6, 14, 14]
