"""lamina.course: the worked examples of seeds 000-004, every number checked against an independent
NumPy formula or the literal values of the seeds; the registry and the command line."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lamina import course
from lamina.course import __main__ as course_main
from lamina.course import (
    seed000_regression,
    seed001_backprop,
    seed002_perceptron,
    seed003_cnn_arithmetic,
    seed004_stride_flops,
)
from lamina.course.report import Comparison, fmt

ROOT = Path(__file__).resolve().parents[2]
TABLE = np.array([(4, 7, -2.669), (-4, 0, -0.600), (7, -5, 7.230), (5, 7, -2.389), (2, -1, 2.410),
                  (-2, 5, -3.490), (-5, -1, -0.249), (-6, 2, -2.820), (-1, 1, -0.189), (-4, -9, 5.970)])


def quiet(*args, **kwargs):
    pass


def correlate(image, kernel, stride=(1, 1)):
    """Plain NumPy cross-correlation (no padding)."""
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh + 1, stride[0])
    cols = range(0, image.shape[1] - kw + 1, stride[1])
    return np.array([[np.sum(image[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])


def gd_reference(design, y, eta, epochs, batch_size, threshold=None):
    """Gradient descent on mean((design w - y)^2) in table order; returns (w, losses)."""
    w, losses = np.zeros(design.shape[1]), []
    for _ in range(epochs):
        for s in range(0, len(y), batch_size):
            a, t = design[s:s + batch_size], y[s:s + batch_size]
            w = w - eta * 2 * a.T @ (a @ w - t) / len(t)
        losses.append(np.mean((design @ w - y) ** 2))
        if threshold is not None and losses[-1] < threshold:
            break
    return w, losses


# ---- seed 000 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed000():
    return seed000_regression.run(quick=True, print_fn=quiet)


def test_seed000_first_step(seed000):
    first = seed000["first_step"]
    assert first["sample"] == 0  # observation 1 alone: the slides' step is an SGD step
    np.testing.assert_allclose(first["gradient"], [5.338, 21.352, 37.366], rtol=1e-12)
    np.testing.assert_allclose(first["closed_form_gradient"], [5.338, 21.352, 37.366], rtol=1e-12)
    np.testing.assert_allclose(first["new_weights"], [-0.5338, -2.1352, -3.7366], rtol=1e-12)
    assert first["loss"] == pytest.approx(2.669 ** 2)
    rows = {r["quantity"]: r for r in seed000["comparison"]}
    for name in ("dL/dw0", "dL/dw1", "dL/dw2"):
        assert not rows[f"{name} (observation 1)"]["agrees"]
    for name in ("w0'", "w1'", "w2'"):
        assert not rows[f"{name} after step 1"]["agrees"]


def test_seed000_raw_inputs_diverge(seed000):
    design, y = np.column_stack([np.ones(10), TABLE[:, :2]]), TABLE[:, 2]
    raw = seed000["raw"]
    w, expected = np.zeros(3), []
    for i in range(10):
        w = w - 0.1 * 2 * design[i] * (design[i] @ w - y[i])
        expected.append(np.mean((design @ w - y) ** 2))
    np.testing.assert_allclose(raw["sgd_step_losses"], expected, rtol=1e-9)
    _, batch = gd_reference(design, y, 0.1, 6, 10)
    np.testing.assert_allclose(raw["batch_epoch_losses"], batch, rtol=1e-9)
    assert raw["diverged"] and batch[-1] > 1e6 and np.all(np.diff(batch) > 0)
    lam = np.linalg.eigvalsh(2 * design.T @ design / 10)
    assert raw["eta_limit"] == pytest.approx(2 / lam[-1]) and raw["eta_limit"] < 0.1
    w_small, _ = gd_reference(design, y, raw["small_eta"], raw["small_eta_epochs"], 10)
    np.testing.assert_allclose(raw["small_eta_weights"], w_small, rtol=1e-9)


def test_seed000_standardisation_and_recovered_weights(seed000):
    x, y = TABLE[:, :2], TABLE[:, 2]
    np.testing.assert_allclose(seed000["standardize"]["mu"], x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(seed000["standardize"]["sigma"], x.std(0), rtol=1e-6)  # divides by N
    np.testing.assert_allclose(seed000["least_squares"], [0.9108, 0.3777, -0.7323], atol=5e-5)
    generating = [0.92, 0.38, -0.73]
    for method, tol in (("batch", 1e-3), ("minibatch", 5e-3), ("sgd", 2e-2)):
        np.testing.assert_allclose(seed000[method]["weights"], seed000["least_squares"], atol=tol)
        np.testing.assert_allclose(seed000[method]["weights"], generating, atol=0.025)
    # the weights learnt on x' map back to raw units: w_i = v_i / sigma_i, w0 = v0 - sum v_i mu_i / sigma_i
    z = (x - x.mean(0)) / x.std(0)
    v, _ = gd_reference(np.column_stack([np.ones(10), z]), y, 0.1, seed000["batch"]["epochs"], 10)
    np.testing.assert_allclose(seed000["batch"]["weights_standardized"], v, rtol=1e-6, atol=1e-9)
    raw = np.r_[v[0] - np.sum(v[1:] / x.std(0) * x.mean(0)), v[1:] / x.std(0)]
    np.testing.assert_allclose(seed000["batch"]["weights"], raw, rtol=1e-6, atol=1e-9)
    assert seed000["max_gradient_error"] < 1e-10  # autograd == closed form at every step


def test_seed000_stopping_rules(seed000):
    x, y = TABLE[:, :2], TABLE[:, 2]
    design = np.column_stack([np.ones(10), (x - x.mean(0)) / x.std(0)])
    for method, batch_size in (("sgd", 1), ("minibatch", 5), ("batch", 10)):
        stop = seed000["stopping"][method]
        _, fixed = gd_reference(design, y, 0.1, 20, batch_size)
        assert stop["after_20_epochs_loss"] == pytest.approx(fixed[-1], rel=1e-6)
        _, until = gd_reference(design, y, 0.1, 1000, batch_size, threshold=stop["threshold"])
        assert stop["epochs_to_threshold"] == len(until)
        assert stop["reached"] and stop["loss_at_stop"] < stop["threshold"]


# ---- seed 001 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed001(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed001")
    return seed001_backprop.run(output_dir=str(folder), quick=True, print_fn=quiet), folder


def mazur(weights, i=(0.05, 0.10), t=0.1):
    """The slide's network in NumPy: forward values and the six gradients of E = 1/2 (t - o)^2."""
    w1, w2, w3, w4, w5, w6 = weights
    sig = lambda z: 1 / (1 + np.exp(-z))
    h1, h2 = sig(w1 * i[0] + w2 * i[1]), sig(w3 * i[0] + w4 * i[1])
    o = sig(w5 * h1 + w6 * h2)
    delta = (o - t) * o * (1 - o)
    grads = [delta * w5 * h1 * (1 - h1) * i[0], delta * w5 * h1 * (1 - h1) * i[1],
             delta * w6 * h2 * (1 - h2) * i[0], delta * w6 * h2 * (1 - h2) * i[1], delta * h1, delta * h2]
    return {"out_h1": h1, "out_h2": h2, "out_o1": o, "E": 0.5 * (t - o) ** 2}, np.array(grads)


def test_seed001_forward_and_chain(seed001):
    result, _ = seed001
    fwd, chain = result["forward"], result["chain"]
    expected = {"out_h1": 0.5065, "out_h2": 0.5102, "out_o1": 0.5942, "E": 0.1221}
    for name, value in expected.items():
        assert fwd[name] == pytest.approx(value, abs=5e-5)
    assert fwd["net_h1"] == pytest.approx(0.026) and fwd["net_h2"] == pytest.approx(0.041)
    assert chain["dE/dout_o1"] == pytest.approx(0.4942, abs=5e-5)
    assert chain["autograd_dE/dout_o1"] == pytest.approx(chain["dE/dout_o1"], abs=1e-12)
    assert chain["dout_o1/dnet_o1"] == pytest.approx(0.2411, abs=5e-5)
    assert chain["dnet_o1/dw5"] == pytest.approx(0.5065, abs=5e-5)  # out_h1, not w5 = 0.35
    assert chain["dE/dw5"] == pytest.approx(0.0604, abs=5e-5)  # the slide says 0.04
    values, grads = mazur([0.14, 0.19, 0.24, 0.29, 0.35, 0.40])
    np.testing.assert_allclose([result["gradients"][f"w{k}"] for k in range(1, 7)], grads, rtol=1e-10)
    for name in expected:
        assert fwd[name] == pytest.approx(values[name], rel=1e-12)


def test_seed001_exercise_update(seed001):
    result, _ = seed001
    assert result["slide_eta"] == 1.0  # w5' = 0.35 - eta * 0.04 = 0.31 on the slide
    weights = np.array([0.14, 0.19, 0.24, 0.29, 0.35, 0.40])
    before, grads = mazur(weights)
    for eta in (1.0, 0.5):
        update = result["updates"][eta]
        new = weights - eta * grads
        np.testing.assert_allclose([update["weights"][f"w{k}"] for k in range(1, 7)], new, rtol=1e-12)
        after, _ = mazur(new)
        assert update["out_o1"] == pytest.approx(after["out_o1"], rel=1e-12)
        assert update["E"] == pytest.approx(after["E"], rel=1e-12)
        assert update["error_went_down"] and after["E"] < before["E"]
    assert result["updates"][1.0]["weights"]["w5"] == pytest.approx(0.35 - 0.0604, abs=1e-4)


def test_seed001_edge_kernels(seed001, rng):
    result, folder = seed001
    assert result["edges"], "at least one image (MNIST, photo or the drawn fallback)"
    for info in result["edges"].values():
        h, w = info["input_shape"]
        for kind in ("edge8", "laplacian4"):
            assert info[kind]["output_shape"] == [h - 2, w - 2]
        if info["png"] is not None:
            assert Path(info["png"]).is_file() and Path(info["png"]).parent == folder
    image = rng.random((9, 11)).astype(np.float32)
    for kernel in (seed001_backprop.EDGE_KERNEL, seed001_backprop.LAPLACIAN):
        np.testing.assert_allclose(seed001_backprop.apply_kernel(image, kernel), correlate(image, kernel),
                                   rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(seed001_backprop.EDGE_KERNEL, [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    flat = np.full((6, 6), 0.7, np.float32)
    np.testing.assert_allclose(seed001_backprop.apply_kernel(flat, seed001_backprop.EDGE_KERNEL), 0, atol=1e-6)


def test_seed001_png_needs_matplotlib(seed001):
    import matplotlib  # noqa: F401  (the PNGs are drawn with it)

    result, folder = seed001
    assert all(info["png"] for info in result["edges"].values())
    assert sorted(p.name for p in folder.glob("seed001_edges_*.png"))


# ---- seed 002 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed002():
    return seed002_perceptron.run(quick=True, print_fn=quiet)


def test_seed002_perceptron_and_or_xor(seed002):
    assert seed002["and"]["converged"] and seed002["and"]["predictions"] == [0, 0, 0, 1]
    assert seed002["or"]["converged"] and seed002["or"]["predictions"] == [0, 1, 1, 1]
    assert seed002["and"]["errors"][-1] == 0 and seed002["or"]["errors"][-1] == 0
    assert len(seed002["and"]["weights"]) == len(seed002["and"]["errors"]) + 1  # per-epoch weights, from the start
    np.testing.assert_allclose(seed002["and"]["weights"][1], [0.1, 0.1, 0.1])  # epoch 1: only (1, 1) was wrong
    xor = seed002["xor"]
    assert not xor["converged"] and xor["cycle"] is not None and "CYCLE" in xor["message"]
    start, length = xor["cycle"]
    np.testing.assert_allclose(xor["weights"][start], xor["weights"][start + length], atol=1e-9)
    assert xor["predictions"] != [0, 1, 1, 0]


def test_seed002_mlp_learns_xor(seed002):
    mlp = seed002["mlp_xor"]
    assert mlp["learned"] and mlp["predictions"] == [0, 1, 1, 0]
    probabilities = np.array(mlp["probabilities"])
    assert np.all(np.abs(probabilities - [0, 1, 1, 0]) < 0.1)
    assert mlp["losses"][-1] < 0.1 * mlp["losses"][0]


# ---- seed 003 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed003():
    return seed003_cnn_arithmetic.run(quick=True, print_fn=quiet)


def test_seed003_parameter_counts(seed003):
    assert seed003["net_441"] == {"weights": 4 * 4 + 4 * 1, "biases": 4 + 1, "total": 25}
    dense = seed003["dense_400x400x3"]
    assert dense["inputs"] == 480_000
    assert dense["params_same_units"] == 480_000 * 480_000 + 480_000 == 230_400_480_000
    assert dense["params_1000_units"] == 480_000 * 1000 + 1000
    assert dense["small_check"] == 48 * 48 + 48
    assert dense["conv_3_64_3"] == 64 * (27 + 1)


def test_seed003_convolution_and_pooling(seed003):
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


# ---- seed 004 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed004():
    return seed004_stride_flops.run(quick=True, print_fn=quiet)


def test_seed004_stride_and_output_size(seed004):
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


# ---- report ------------------------------------------------------------------------------------------
def test_comparison_table():
    table = Comparison("t")
    assert table.add("a", 0.49, 0.4942, atol=0.005).agrees
    row = table.add("b", 0.04, 0.0604, atol=0.005, why="wrong factor")
    assert not row.agrees and "wrong factor" in row.note
    assert table.add("c", "yes", "no", agrees=True).agrees
    lines = []
    table.show(print_fn=lines.append)
    assert any("DIFFERS: wrong factor" in line for line in lines)
    assert [r.quantity for r in table.disagreements] == ["b"]
    assert fmt(1234567) == "1,234,567" and fmt(np.array([[2.0, 3.0]])) == "[[2, 3]]"


# ---- registry and command line -----------------------------------------------------------------------
def test_registry():
    names = list(course.examples())
    assert names == ["seed000", "seed001", "seed002", "seed003", "seed004"]
    for entry in course.examples().values():
        assert entry.kind == "example" and entry.description
    lessons = course.find_lessons()
    assert isinstance(lessons, dict)
    assert all(e.kind == "lesson" and not e.module.rsplit(".", 1)[-1].startswith("_") for e in lessons.values())
    assert course.get("seed003_cnn_arithmetic").name == "seed003"
    assert course.get("seed004_stride").name == "seed004"
    with pytest.raises(KeyError, match="ambiguous"):
        course.get("seed00")
    with pytest.raises(KeyError, match="no example or lesson"):
        course.get("nonsense")


def test_course_run_by_name(tmp_path):
    result = course.run("seed003", output_dir=str(tmp_path), quick=True)
    np.testing.assert_array_equal(result["conv_output"], [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


def test_main_runs_one_example(tmp_path, capsys):
    assert course_main.main(["seed004", "--quick", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "floor((n + 2p - k) / s) + 1" in out and "agrees? / why it differs" in out
    assert course_main.main(["no_such_example"]) == 2


def test_cli(tmp_path, capsys):
    from lamina import cli

    assert cli.main(["course", "seed002", "--quick", "--output-dir", str(tmp_path)]) == 0
    assert "CYCLE" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0 and "lamina" in capsys.readouterr().out
    assert cli.main([]) == 0 and "course" in capsys.readouterr().out
    assert cli.main(["frobnicate"]) == 2


def test_python_m_list_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "lamina.course", "--list"], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name in ("seed000", "seed001", "seed002", "seed003", "seed004"):
        assert name in done.stdout
    assert "Lessons" in done.stdout


def test_seed001_degrades_without_data_or_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "empty"))          # no MNIST files there
    monkeypatch.setitem(sys.modules, "matplotlib", None)                 # import matplotlib -> ImportError

    def no_photo(filename):
        raise ImportError("pillow is not installed")

    monkeypatch.setattr(seed001_backprop, "_sample_photo", no_photo)
    lines = []
    edges = seed001_backprop.edge_kernels(str(tmp_path / "out"), print_fn=lines.append)
    assert list(edges) == ["square"]
    assert edges["square"]["png"] is None and edges["square"]["edge8"]["output_shape"] == [30, 30]
    text = "\n".join(lines)
    assert "no MNIST digit" in text and "no sample photo" in text and "matplotlib is not installed" in text
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("needs_mnist")
def test_seed001_uses_an_mnist_digit_when_present(monkeypatch, shared_data):
    monkeypatch.setenv("LAMINA_DATA", str(shared_data))
    name, image, source = seed001_backprop.load_images(print_fn=quiet)[0]
    assert name == "mnist_digit" and image.shape == (28, 28) and "label 7" in source
    assert 0 <= image.min() and image.max() <= 1
