"""Lesson: which pixels does the network look at? (course seed 002, interpreting a trained network: saliency
maps, and the attribution methods that refine them.)

On LeNet-5 trained on MNIST and a small CNN (batch norm, dropout) trained on Fashion-MNIST (``_trained``: trained
on first use and cached), four test images each (two in quick mode), and the class each network predicts:

- saliency ``|dS/dx|`` (Simonyan et al. 2013): how much a small change of each pixel moves the score; noisy,
  because the gradient of a ReLU network jumps from pixel to pixel;
- SmoothGrad (Smilkov et al. 2017): the saliency averaged over noisy copies of the image, which removes that noise;
- integrated gradients (Sundararajan et al. 2017): ``(x - x') * average gradient on the path from a black image x'``;
  signed (red raises the score, blue lowers it) and complete: the pixels' shares add up to S(x) - S(x');
- occlusion (Zeiler and Fergus 2014): the drop of the score when a 4 x 4 patch is blacked out;
- Grad-CAM (Selvaraju et al. 2017): the last convolution's rectified maps weighted by their average gradient, a
  coarse map of where the evidence lies, upsampled to the image.

A check that the maps mean something (pixel flipping, Samek et al. 2017): black out the 5 % of the pixels an
attribution ranks highest, and compare the score's drop with the drop for 5 % of the pixels chosen at random.
"""
from __future__ import annotations

import time

import numpy as np

from ...interpret import grad_cam, integrated_gradients, occlusion, saliency, smooth_grad
from ...random import Generator
from ...viz import attribution_grid
from . import _plot
from ._trained import predictions, test_set, trained

NAME = "interpret_attribution"
DESCRIPTION = ("saliency, SmoothGrad, integrated gradients, occlusion and Grad-CAM of LeNet-5 (MNIST) and a CNN "
               "(Fashion-MNIST)")

SEED = 0
DELETED = 0.05
FULL = {"images": 4, "nt_samples": 25, "n_steps": 50, "check_images": 200}
QUICK = {"images": 2, "nt_samples": 8, "n_steps": 16, "check_images": 16}
# Grad-CAM's layer: the rectified maps of the last convolution with spatial extent (LeNet's c5 is 1 x 1); the
# maps before the ReLU gave blobs on the background, as the paper's choice of rectified maps suggests
CAM_LAYER = {"mnist": "act3", "fashion": "6"}
MODEL_NAME = {"mnist": "LeNet-5 on MNIST", "fashion": "the CNN on Fashion-MNIST"}


def attributions(model, x, target, layer, sizes) -> dict:
    """Every method's attribution of ``target`` for the images ``x``, as NumPy arrays (N, 1, 28, 28) (Grad-CAM
    upsampled), and the seconds each took: ``({name: array}, {name: seconds})``."""
    methods = {
        "saliency": lambda: saliency(model, x, target),
        "SmoothGrad": lambda: smooth_grad(model, x, target, stdevs=0.15, nt_samples=sizes["nt_samples"],
                                          generator=Generator(SEED)),
        "integrated gradients": lambda: integrated_gradients(model, x, target, n_steps=sizes["n_steps"]),
        "occlusion": lambda: occlusion(model, x, (1, 4, 4), (1, 2, 2), target=target, perturbations_per_eval=64),
        "Grad-CAM": lambda: grad_cam(model, x, target, layer=layer, relu_attributions=True, upsample=True,
                                     interpolate_mode="bilinear"),
    }
    maps, seconds = {}, {}
    for name, method in methods.items():
        start = time.perf_counter()
        maps[name] = method().numpy()
        seconds[name] = (time.perf_counter() - start) / len(x)
    return maps, seconds


def deletion_drop(model, x, target, ranking, fraction: float = DELETED) -> float:
    """The mean drop of the target score when the ``fraction`` of pixels ranked highest by ``ranking`` (N, ...)
    are set to 0 (black)."""
    x = np.asarray(x)
    flat = ranking.reshape(len(x), -1)
    k = max(1, round(fraction * flat.shape[1]))
    top = np.argsort(-flat, axis=1)[:, :k]
    deleted = x.reshape(len(x), -1).copy()
    np.put_along_axis(deleted, top, 0.0, axis=1)
    rows = np.arange(len(x))
    before = _scores(model, x)[rows, target]
    after = _scores(model, deleted.reshape(x.shape))[rows, target]
    return float(np.mean(before - after))


def _scores(model, x):
    from ...autograd import no_grad
    from ...tensor import Tensor
    with no_grad():
        return model(Tensor(np.asarray(x, dtype=np.float32))).numpy()


def pixel_flipping(model, x, target, maps: dict) -> dict:
    """``deletion_drop`` for each attribution (Grad-CAM and signed maps ranked by their value) and for a random
    ranking, which every meaningful attribution should beat."""
    drops = {name: deletion_drop(model, x, target, values) for name, values in maps.items()}
    drops["random pixels"] = deletion_drop(model, x, target, Generator(SEED).numpy.random(np.shape(x)))
    return drops


def _row_titles(y, predicted, confidence, classes):
    return [f"{classes[t]} -> {classes[p]} ({c:.0%})" for t, p, c in zip(y, predicted, confidence)]


def study(name: str, quick: bool, output_dir, print_fn=print) -> dict:
    sizes = QUICK if quick else FULL
    net = trained(name, quick, print_fn=print_fn)
    model = net.model
    x, y, classes = test_set(name, sizes["check_images"])
    predicted, confidence = predictions(model, x)
    layer = dict(model.named_modules())[CAM_LAYER[name]]
    shown = slice(0, sizes["images"])
    maps, seconds = attributions(model, x[shown], predicted[shown].tolist(), layer, sizes)
    _, delta = integrated_gradients(model, x[shown], predicted[shown].tolist(), n_steps=sizes["n_steps"],
                                    return_convergence_delta=True)
    figure = attribution_grid(
        x[shown].numpy(), maps, row_titles=_row_titles(y.numpy()[shown], predicted[shown], confidence[shown], classes),
        title=f"Which pixels make {MODEL_NAME[name]} (test accuracy {net.accuracy:.1%}) give its predicted class "
              f"(true -> predicted, confidence): five attribution methods side by side.",
        path=f"{output_dir}/attribution_{name}.png", dpi=110)
    del figure
    all_maps, _ = attributions(model, x, predicted.tolist(), layer, sizes)
    drops = pixel_flipping(model, x.numpy(), predicted, all_maps)
    print_fn(_plot.table(["method", "ms per image", f"score drop, top {DELETED:.0%} pixels deleted"],
                         [[m, 1000 * seconds[m] if m in seconds else None, d] for m, d in drops.items()],
                         title=f"{MODEL_NAME[name]} ({net.source}; test accuracy {net.accuracy:.1%}): "
                               f"{len(y)} test images"))
    print_fn(f"integrated gradients add up to S(x) - S(black): largest |sum - difference| = "
             f"{float(np.abs(delta.numpy()).max()):.2e} with {sizes['n_steps']} Gauss-Legendre steps\n")
    return {"accuracy": net.accuracy, "source": net.source, "drops": drops, "ig_delta": np.abs(delta.numpy()),
            "seconds": seconds, "figure": f"{output_dir}/attribution_{name}.png"}


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Draw ``attribution_mnist.png`` and ``attribution_fashion.png`` and print the pixel-flipping check.

    Returns ``{"mnist": {...}, "fashion": {...}, "figures": [paths]}``, each with the model's ``accuracy``, the
    score ``drops`` per method (and for random pixels), ``ig_delta`` (integrated gradients' completeness error
    per image) and ``seconds`` per image per method.
    """
    results = {name: study(name, quick, output_dir) for name in ("mnist", "fashion")}
    results["figures"] = [results[name]["figure"] for name in ("mnist", "fashion")]
    return results
