"""Lesson: what has the network learned? (course seed 002: visualising a class by optimising the input; seed 001:
the learned filters and the feature maps of a convolutional network.)

On LeNet-5 trained on MNIST and the small CNN trained on Fashion-MNIST (``_trained``):

- class visualisation (Simonyan et al. 2013): start from a black image and climb the gradient of one digit's
  score, ``I <- I + lr * d(S_c(I) - l2 ||I||^2)/dI``. Plain, the result scores far higher than any real digit
  but looks like a faint, high-frequency pattern: the network's score rewards strokes in the right places and
  does not care whether the image looks natural. "With a prior" (Yosinski et al. 2015): the image is shifted at
  random by a pixel or two before each step, blurred every few steps, penalised for its total variation and kept
  in the data range [0, 1]: the same strokes, smoother and more digit-like;
- the first convolution's filters (5 x 5 for LeNet-5, 3 x 3 for the CNN): edge and stroke detectors;
- the feature maps of a test image after the first and second convolutions: the first still look like the image,
  each picking out strokes of one orientation; the second are coarser and more abstract.
"""
from __future__ import annotations

import numpy as np

from ...interpret import class_visualization, conv_filters, feature_maps
from ...random import Generator
from ...viz import image_grid
from ._trained import test_set, trained

NAME = "interpret_features"
DESCRIPTION = "class visualisation of every digit (plain and with a prior), first-layer filters and feature maps"

SEED = 0
FULL = {"steps": 200}
QUICK = {"steps": 40}
PLAIN = dict(lr=0.1, l2=1e-2)
WITH_PRIOR = dict(lr=0.1, l2=1e-3, prior=True)
LAYERS = {"mnist": ("c1", "act1", "c3", "act3"), "fashion": ("0", "2", "4", "6")}
SECOND_MAPS = 16
MODEL_NAME = {"mnist": "LeNet-5 (MNIST)", "fashion": "the CNN (Fashion-MNIST)"}


def visualise_classes(model, steps: int, options: dict) -> dict:
    """One image per class (10), by gradient ascent: the images, the score trajectories (steps + 1, 10) and the
    softmax probability each image gets for its class."""
    image, scores = class_visualization(model, list(range(10)), (1, 28, 28), steps=steps, generator=Generator(SEED),
                                        **options)
    return {"images": image.numpy(), "scores": scores, "probability": _class_probability(model, image)}


def _class_probability(model, image):
    from ... import functional as F
    from ...autograd import no_grad
    with no_grad():
        p = F.softmax(model(image), dim=1).numpy()
    return p[np.arange(10), np.arange(10)]


def class_figures(name, net, steps, output_dir) -> tuple:
    results, paths = {}, []
    ways = (("plain", PLAIN, "gradient ascent with an L2 penalty only"),
            ("prior", WITH_PRIOR, "with jitter, blur, a total-variation penalty and clipping to [0, 1]"))
    for kind, options, how in ways:
        found = visualise_classes(net.model, steps, options)
        titles = [f"{net.classes[c]}: S={found['scores'][-1, c]:.1f}, p={found['probability'][c]:.2f}"
                  for c in range(10)]
        path = f"{output_dir}/class_visualization_{name}_{kind}.png"
        image_grid(found["images"], titles=titles, ncols=5, panel_size=1.9, path=path, dpi=110,
                   title=f"The input that {MODEL_NAME[name]} scores highest for each class after {steps} steps, "
                         f"{how} (S: class score, p: its probability).")
        results[kind], paths = found, paths + [path]
    return results, paths


def filter_and_map_figures(name, net, image, output_dir) -> list:
    model = net.model
    modules = dict(model.named_modules())
    first_conv, first_act, _, second_act = LAYERS[name]
    filters = conv_filters(modules[first_conv]).numpy()
    kernel = "x".join(str(s) for s in filters.shape[2:])
    paths = [f"{output_dir}/filters_{name}.png", f"{output_dir}/feature_maps_{name}.png"]
    image_grid(filters, titles=[f"filter {k}" for k in range(len(filters))], ncols=min(8, (len(filters) + 1) // 2),
               normalize="all", panel_size=1.6,
               path=paths[0], dpi=110,
               title=f"The {len(filters)} learned {kernel} filters of {MODEL_NAME[name]}'s first convolution, on one "
                     f"grey scale (white: positive weights, black: negative).")
    first = feature_maps(model, first_act, image).numpy()[0]
    second = feature_maps(model, second_act, image).numpy()[0]
    second = second[:SECOND_MAPS]
    pictures = [image.numpy()[0, 0]] + list(first) + list(second)
    titles = (["input"] + [f"conv 1 map {k}" for k in range(len(first))]
              + [f"conv 2 map {k}" for k in range(len(second))])
    image_grid(pictures, titles=titles, ncols=8, panel_size=1.3, path=paths[1], dpi=110,
               title=f"One test image and its feature maps after {MODEL_NAME[name]}'s first convolution and ReLU "
                     f"({first.shape[-1]}x{first.shape[-1]}) and the first {len(second)} after the second "
                     f"({second.shape[-1]}x{second.shape[-1]}), each on its own grey scale.")
    return paths


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Draw the class visualisations of every digit (plain, with a prior), the first-layer filters and the feature
    maps of both networks.

    Returns ``{"classes": {"plain": {...}, "prior": {...}}, "feature_map_shapes": {...}, "figures": [paths]}``;
    each class result holds ``images`` (10, 1, 28, 28), ``scores`` (steps + 1, 10) and ``probability`` (10,).
    """
    steps = (QUICK if quick else FULL)["steps"]
    figures, shapes = [], {}
    mnist = trained("mnist", quick)
    classes, paths = class_figures("mnist", mnist, steps, output_dir)
    figures += paths
    for kind, found in classes.items():
        rise = found["scores"][-1] - found["scores"][0]
        print(f"class visualisation ({kind}, {steps} steps): score rise per digit "
              + " ".join(f"{r:.1f}" for r in rise) + "; probability of the digit "
              + " ".join(f"{p:.2f}" for p in found["probability"]))
    for name in ("mnist", "fashion"):
        net = mnist if name == "mnist" else trained("fashion", quick)
        x, _, _ = test_set(name, 1)
        figures += filter_and_map_figures(name, net, x, output_dir)
        modules = dict(net.model.named_modules())
        shapes[name] = {layer: feature_maps(net.model, modules[layer], x).shape for layer in LAYERS[name][1::2]}
    print()
    return {"classes": classes, "feature_map_shapes": shapes, "figures": figures}
