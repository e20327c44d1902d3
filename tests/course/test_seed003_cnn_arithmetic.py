"""lamina.course.seed003_cnn_arithmetic: parameter counts, a convolution and pooling by hand, the cost of
an edge kernel against a dense layer, and LeNet-5's parameters."""
import numpy as np
import pytest

from lamina.course import seed003_cnn_arithmetic


@pytest.fixture(scope="module")
def seed003(quiet):
    return seed003_cnn_arithmetic.run(quick=True, print_fn=quiet)


def test_seed003_parameter_counts(seed003):
    assert seed003["net_441"] == {"weights": 4 * 4 + 4 * 1, "biases": 4 + 1, "total": 25}
    dense = seed003["dense_400x400x3"]
    assert dense["inputs"] == 480_000
    assert dense["params_same_units"] == 480_000 * 480_000 + 480_000 == 230_400_480_000
    assert dense["params_1000_units"] == 480_000 * 1000 + 1000
    assert dense["small_check"] == 48 * 48 + 48
    assert dense["conv_3_64_3"] == 64 * (27 + 1)


def test_seed003_convolution_and_pooling(seed003, correlate):
    image = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    kernel = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    np.testing.assert_array_equal(correlate(image, kernel), expected)  # the oracle agrees with the slide
    np.testing.assert_array_equal(seed003["conv_output"], expected)
    assert seed003["symbolic_output_shape"] == [2, 3]
    np.testing.assert_array_equal(seed003["max_pool"], [[4, 5], [3, 4]])
    np.testing.assert_array_equal(seed003["avg_pool"], [[2.5, 3], [1.25, 2]])


def test_seed003_edge_kernel_cost(seed003):
    edge = seed003["edge"]
    assert edge["input_shape"] == [280, 320] and edge["output_shape"] == [280, 319]
    assert edge["conv_ops"] == 319 * 280 * 3 == 267_960
    assert edge["dense_entries"] == 320 * 280 * 319 * 280 == 8_003_072_000
    assert edge["dense_ops"] == 319 * 280 * (2 * 320 * 280 - 1)
    assert edge["summary_flops"] == 2 * 2 * 319 * 280


def test_seed003_lenet(seed003):
    lenet = seed003["lenet"]
    assert lenet["connections"] == 60
    paper = {"c1": 156, "s2": 12, "c3": 1516, "s4": 32, "c5": 48120, "f6": 10164}
    assert {k: lenet["counts"][k] for k in paper} == paper
    assert lenet["through_f6"] == 60_000
    assert lenet["total"] == 60_000 + 850
    assert lenet["summary_total"] == 60_850 + 900  # the summary also counts the 900 masked (zero) weights
    assert lenet["full_avg_total"] == 156 + 2416 + 48120 + 10164 + 850
    assert sorted(map(len, lenet["table_i"])) == [3] * 6 + [4] * 9 + [6]
