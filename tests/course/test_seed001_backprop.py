"""lamina.course.seed001_backprop: the 2-2-1 network's forward values, chain rule and update against the
slide's formulas in NumPy, and the edge kernels (with or without MNIST, matplotlib and a photo)."""
import sys
from pathlib import Path

import numpy as np
import pytest

from lamina.course import seed001_backprop


@pytest.fixture(scope="module")
def seed001(tmp_path_factory, quiet):
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


def test_seed001_edge_kernels(seed001, rng, correlate):
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
def test_seed001_uses_an_mnist_digit_when_present(monkeypatch, shared_data, quiet):
    monkeypatch.setenv("LAMINA_DATA", str(shared_data))
    name, image, source = seed001_backprop.load_images(print_fn=quiet)[0]
    assert name == "mnist_digit" and image.shape == (28, 28) and "label 7" in source
    assert 0 <= image.min() and image.max() <= 1
