"""Seed 001, "Intro to glorified function fitting": the backpropagation example and the edge kernel.

The network of the slides (Mazur's step-by-step example without biases):

    net_h1 = w1 i1 + w2 i2      net_h2 = w3 i1 + w4 i2      out_h = sigmoid(net_h)
    net_o1 = w5 out_h1 + w6 out_h2                          out_o1 = sigmoid(net_o1)
    E = 1/2 (t - out_o1)^2      i = (0.05, 0.10), w1..w6 = 0.14, 0.19, 0.24, 0.29, 0.35, 0.40, t = 0.1

    dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 = (out_o1 - t) * out_o1 (1 - out_o1) * out_h1

The slide multiplies by w5 instead of out_h1 in the last factor (net_o1 = w5 out_h1 + ..., so its
derivative in w5 is out_h1). Lamina's autograd gives the right chain; the slide's exercise (w6,
w1..w4, the new output) follows with the slide's own learning rate: w5' = 0.35 - eta 0.04 = 0.31
means eta = 1.

Then the slides' edge kernel (an 8-neighbour Laplacian) and seed 003's 4-neighbour Laplacian run
over a real image with ``F.conv2d``.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..creation import tensor
from ..tensor import Tensor
from .report import Comparison, output_path, pyplot, section, step

NAME = "seed001"
DESCRIPTION = ("backpropagation by hand and by autograd (the slide's dE/dw5 slip, the exercise), "
               "edge kernels on an image")

INPUTS = (0.05, 0.10)
WEIGHTS = {"w1": 0.14, "w2": 0.19, "w3": 0.24, "w4": 0.29, "w5": 0.35, "w6": 0.40}
TARGET = 0.1
SLIDE_ETA = 1.0  # w5' = 0.35 - eta * 0.04 = 0.31 on the slide
MAZUR_ETA = 0.5  # the learning rate of the example the slide links to
EDGE_KERNEL = ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1))  # seed 001, "Image processing: kernels"
LAPLACIAN = ((0, 1, 0), (1, -4, 1), (0, 1, 0))  # seed 003, "Convolutional layers: filter"


def forward(weights: dict, inputs=INPUTS, target=TARGET) -> dict:
    """The network of the slide with Lamina scalars; returns every intermediate Tensor by name."""
    i1, i2 = (tensor(v, dtype=np.float64) for v in inputs)
    w = weights
    v = {"net_h1": w["w1"] * i1 + w["w2"] * i2, "net_h2": w["w3"] * i1 + w["w4"] * i2}
    v["out_h1"], v["out_h2"] = F.sigmoid(v["net_h1"]), F.sigmoid(v["net_h2"])
    v["net_o1"] = w["w5"] * v["out_h1"] + w["w6"] * v["out_h2"]
    v["out_o1"] = F.sigmoid(v["net_o1"])
    v["E"] = 0.5 * (target - v["out_o1"]) ** 2
    return v


def _leaves(values: dict) -> dict:
    return {k: tensor(v, dtype=np.float64, requires_grad=True) for k, v in values.items()}


def backprop(weights=WEIGHTS) -> dict:
    """Forward, then ``E.backward()``: the value of every node and dE/d(every weight and node)."""
    w = _leaves(weights)
    v = forward(w)
    for name in ("out_o1", "net_o1", "out_h1", "out_h2", "net_h1", "net_h2"):
        v[name].retain_grad()
    v["E"].backward()
    result = {k: t.item() for k, t in v.items()}
    result.update({f"dE/d{k}": t.grad.item() for k, t in v.items() if k != "E"})
    result.update({f"dE/d{k}": t.grad.item() for k, t in w.items()})
    return result


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    table = Comparison("seed 001: what the slides say and what Lamina computes")
    out = {}

    section("Seed 001, step 1: forward pass (i1 = 0.05, i2 = 0.10, target 0.1, no biases)", print_fn)
    r = backprop()
    for name, formula in (("net_h1", "0.05*0.14 + 0.1*0.19"), ("out_h1", "1/(1 + e^-net_h1)"),
                          ("net_h2", "0.05*0.24 + 0.1*0.29"), ("out_h2", "1/(1 + e^-net_h2)"),
                          ("net_o1", "0.35*out_h1 + 0.4*out_h2"), ("out_o1", "1/(1 + e^-net_o1)"),
                          ("E", "1/2 (0.1 - out_o1)^2")):
        step(f"{name:7s} = {formula:26s} = {r[name]:.6f}", print_fn)
    for name, seed, note in (("net_h1", 0.026, ""), ("out_h1", 0.50, "0.5065 is truncated to 0.50; it rounds to 0.51"),
                             ("net_h2", 0.041, ""), ("out_h2", 0.51, ""), ("net_o1", 0.38, ""),
                             ("out_o1", 0.59, ""), ("E", 0.12, "")):
        table.add(name, seed, r[name], atol=0.0075 if name == "out_h1" else 0.005, note=note or "rounded")

    section("Seed 001, step 2: dE/dw5 by the chain rule", print_fn)
    d_out = r["out_o1"] - TARGET
    d_act = r["out_o1"] * (1 - r["out_o1"])
    d_w5_factor = r["out_h1"]
    step(f"dE/dout_o1     = out_o1 - t           = {d_out:.6f}   (autograd: {r['dE/dout_o1']:.6f})", print_fn)
    step(f"dout_o1/dnet_o1 = out_o1 (1 - out_o1) = {d_act:.6f}", print_fn)
    step(f"dnet_o1/dw5    = out_h1                = {d_w5_factor:.6f}   (net_o1 = w5 out_h1 + w6 out_h2)", print_fn)
    step(f"dE/dw5 = {d_out:.4f} * {d_act:.4f} * {d_w5_factor:.4f} = {d_out * d_act * d_w5_factor:.6f}   "
         f"(autograd: {r['dE/dw5']:.6f})", print_fn)
    step(f"the slide uses dnet_o1/dw5 = w5 = 0.35: 0.49 * 0.24 * 0.35 = {0.49 * 0.24 * 0.35:.4f} -> 0.04", print_fn)
    table.add("dE/dout_o1", 0.49, r["dE/dout_o1"], atol=0.005, note="rounded")
    table.add("dout_o1/dnet_o1", 0.24, d_act, atol=0.005, note="rounded")
    table.add("dnet_o1/dw5", 0.35, d_w5_factor, why="the derivative of w5 * out_h1 in w5 is out_h1 = 0.5065, "
              "not w5 = 0.35")
    table.add("dE/dw5", 0.04, r["dE/dw5"], atol=0.005, why="0.4942 * 0.2411 * 0.5065 = 0.0604; the slide's "
              "0.04 comes from the wrong factor 0.35")
    out["forward"] = {k: r[k] for k in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "E")}
    out["chain"] = {"dE/dout_o1": d_out, "dout_o1/dnet_o1": d_act, "dnet_o1/dw5": d_w5_factor,
                    "dE/dw5": r["dE/dw5"], "autograd_dE/dout_o1": r["dE/dout_o1"]}
    out["gradients"] = {k: r[f"dE/d{k}"] for k in WEIGHTS}

    section("Seed 001, step 3: the exercise (w6, w1..w4, the new output)", print_fn)
    delta_o = d_out * d_act
    step(f"w6: ONE new factor, dnet_o1/dw6 = out_h2 = {r['out_h2']:.6f}; the other two are w5's: "
         f"dE/dw6 = {delta_o:.6f} * {r['out_h2']:.6f} = {r['dE/dw6']:.6f}", print_fn)
    for h, (wa, wb), w_out in (("h1", ("w1", "w2"), "w5"), ("h2", ("w3", "w4"), "w6")):
        d_h = r[f"out_{h}"] * (1 - r[f"out_{h}"])
        step(f"{wa}, {wb}: THREE new factors, dnet_o1/dout_{h} = {w_out} = {WEIGHTS[w_out]}, "
             f"dout_{h}/dnet_{h} = {d_h:.6f}, dnet_{h}/d{wa} = i1 = 0.05 (d{wb}: i2 = 0.10):", print_fn)
        step(f"   dE/d{wa} = {delta_o:.6f} * {WEIGHTS[w_out]} * {d_h:.6f} * 0.05 = {r[f'dE/d{wa}']:.7f};  "
             f"dE/d{wb} = {r[f'dE/d{wb}']:.7f}", print_fn)
    step("every gradient uses the OLD weights (w5 = 0.35 in dE/dw1): compute them all, then update all", print_fn)
    updates = {}
    for eta, why in ((SLIDE_ETA, "the slide's: 0.35 - eta 0.04 = 0.31"), (MAZUR_ETA, "Mazur's example")):
        new = {k: v - eta * out["gradients"][k] for k, v in WEIGHTS.items()}
        after = forward({k: tensor(v, dtype=np.float64) for k, v in new.items()})
        updates[eta] = {"weights": new, "out_o1": after["out_o1"].item(), "E": after["E"].item(),
                        "error_went_down": after["E"].item() < r["E"]}
        step(f"eta = {eta} ({why}): " + ", ".join(f"{k}' = {v:.6f}" for k, v in new.items()), print_fn)
        step(f"   new output {after['out_o1'].item():.6f} (was {r['out_o1']:.6f}), E = {after['E'].item():.6f} "
             f"(was {r['E']:.6f}): the error went {'DOWN' if updates[eta]['error_went_down'] else 'UP'}", print_fn)
    out["updates"] = updates
    out["slide_eta"] = SLIDE_ETA
    table.add("w5' (eta = 1)", 0.31, updates[SLIDE_ETA]["weights"]["w5"], atol=0.005,
              why=f"0.35 - 0.0604 = {updates[SLIDE_ETA]['weights']['w5']:.4f}: follows from the wrong dE/dw5")
    table.add("error after one step", "goes down?", "down" if updates[SLIDE_ETA]["error_went_down"] else "up",
              agrees=True, note=f"E {r['E']:.4f} -> {updates[SLIDE_ETA]['E']:.4f} (not worked on the slide)")

    out["edges"] = edge_kernels(output_dir, quick, print_fn)
    table.add("edge kernel sum", 0, int(np.sum(EDGE_KERNEL)), note="a flat region gives 0: only edges respond")
    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out


# ---- edge kernels on a real image -------------------------------------------------------------------
def load_images(print_fn=print) -> list:
    """Grey images (name, float32 H x W in [0, 1], where it came from): an MNIST test digit when the
    files are found locally ($LAMINA_DATA or ~/.cache/lamina; nothing is downloaded), scikit-learn's
    bundled photo 'china.jpg' (needs scikit-learn and pillow), else a drawn square."""
    images = []
    try:
        from ..datasets import mnist

        digits = mnist(train=False, download=False)
        images.append(("mnist_digit", digits.data[0].astype(np.float32) / 255,
                       f"MNIST test image 0 (label {int(digits.targets[0])})"))
    except (FileNotFoundError, OSError, ValueError) as err:
        print_fn(f"  (no MNIST digit: {str(err).splitlines()[0]})")
    try:
        rgb = _sample_photo("china.jpg")
        images.append(("photo", rgb @ np.float32([0.299, 0.587, 0.114]),
                       "scikit-learn's sample photo china.jpg, grey (0.299 R + 0.587 G + 0.114 B)"))
    except (ImportError, OSError) as err:
        print_fn(f"  (no sample photo: {err}; pip install scikit-learn pillow)")
    if not images:
        square = np.zeros((32, 32), np.float32)
        square[8:24, 8:24] = 1
        images.append(("square", square, "a drawn white square on black (no MNIST, no scikit-learn)"))
        print_fn("  falling back to a drawn square")
    return images


def _sample_photo(filename: str) -> np.ndarray:
    """One of scikit-learn's bundled photos as float32 H x W x 3 in [0, 1], read with pillow straight
    from scikit-learn's folder (importing scikit-learn itself takes a second)."""
    import importlib.util
    from pathlib import Path

    from PIL import Image

    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError("scikit-learn is not installed")
    path = Path(spec.origin).parent / "datasets" / "images" / filename
    with Image.open(path) as photo:
        return np.asarray(photo.convert("RGB"), dtype=np.float32) / 255


def apply_kernel(image, kernel) -> np.ndarray:
    """``F.conv2d`` of one grey H x W image with one 3x3 kernel (no padding): (H - 2) x (W - 2)."""
    x = Tensor._wrap(np.ascontiguousarray(image, dtype=np.float32)[None, None])
    w = Tensor._wrap(np.asarray(kernel, dtype=np.float32)[None, None])
    return F.conv2d(x, w).data[0, 0]


def edge_kernels(output_dir, quick=False, print_fn=print) -> dict:
    section("Seed 001, step 4: the edge kernel on a real image (and seed 003's Laplacian)", print_fn)
    step("seed 001's kernel [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]] (8 x centre - its 8 neighbours) and seed 003's "
         "Laplacian [[0,1,0],[1,-4,1],[0,1,0]]", print_fn)
    step("both sum to 0: a flat patch gives 0, an edge or a corner gives a large |response|", print_fn)
    results = {}
    images = load_images(print_fn)
    for name, image, source in images:
        maps = {"edge8": apply_kernel(image, EDGE_KERNEL), "laplacian4": apply_kernel(image, LAPLACIAN)}
        results[name] = {"source": source, "input_shape": list(image.shape)}
        step(f"{source}: input {image.shape[0]} x {image.shape[1]}", print_fn)
        for kind, fmap in maps.items():
            strong = float(np.mean(np.abs(fmap) > 0.5))
            stats = {"output_shape": list(fmap.shape), "min": float(fmap.min()), "max": float(fmap.max()),
                     "mean": float(fmap.mean()), "mean_abs": float(np.abs(fmap).mean()), "fraction_above_0.5": strong}
            results[name][kind] = stats
            step(f"   {kind:10s}: output {fmap.shape[0]} x {fmap.shape[1]}, min {stats['min']:+.3f}, "
                 f"max {stats['max']:+.3f}, mean {stats['mean']:+.4f}, mean |y| {stats['mean_abs']:.4f}, "
                 f"|y| > 0.5 on {strong:.1%} of pixels", print_fn)
        results[name]["png"] = _save_png(output_dir, name, image, maps, print_fn)
    return results


def _save_png(output_dir, name, image, maps, print_fn):
    plt = pyplot(print_fn)
    if plt is None:
        return None
    path = output_path(output_dir, f"seed001_edges_{name}.png")
    figure, axes = plt.subplots(1, 3, figsize=(12, 4))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title(f"input {image.shape[0]}x{image.shape[1]}")
    for axis, (kind, fmap) in zip(axes[1:], maps.items()):
        limit = float(np.percentile(np.abs(fmap), 99)) or 1.0
        axis.imshow(np.abs(fmap), cmap="gray", vmin=0, vmax=limit)
        axis.set_title(f"|{kind}|: {fmap.shape[0]}x{fmap.shape[1]}")
    for axis in axes:
        axis.set_axis_off()
    figure.tight_layout()
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)
    print_fn(f"  saved {path}")
    return str(path)
