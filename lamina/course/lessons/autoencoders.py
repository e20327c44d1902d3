"""Lesson: autoencoders (course seed 003, "Auto-encoder", "Single Dense Layer Example", "Deep Autoencoders",
and its question "How does this method differ from other dimensionality reduction methods like PCA?").

Part 1, the parameter counts of seed 003's two Keras summaries, computed from the models themselves
(``lamina.models.dense_autoencoder`` and ``lamina.nn.summary``): a Dense layer from n to m units has
n * m weights + m biases, so 784-32-784 has 784*32 + 32 + 32*784 + 784 = 50,992 parameters and the deep
784-128-64-32-64-128-784 has 222,384; its code is 784 / 32 = 24.5 times shorter than the image.

Part 2, AE vs PCA on MNIST: PCA with 32 components (``lamina.models.PCA``) is the best LINEAR code of 32
numbers (the least squared error of any rank-32 projection, Eckart-Young); the autoencoders, trained with
Adam on the binary cross-entropy, are free to be nonlinear. Both are fitted on the same training digits and
compared by the reconstruction MSE per pixel on the same test digits, with pictures of the reconstructions
and PCA's error for every code size beside the autoencoders' (their 32-number codes).

Measured (2026-12-03, ``lamina course autoencoders``, full mode: 20,000 training digits, 20 epochs; 4 min on the
shared 2 cores, 29 s of CPU): test MSE per pixel PCA-32 0.0174 (74.7 % of the variance), 784-32-784 0.0108,
784-128-64-32-64-128-784 0.0112. Quick mode (2,000 digits, 8 epochs) is too short for the autoencoders to catch
up with PCA (0.035 against 0.018), and the lesson says so; examples/autoencoders_mnist.py trains them fully.
"""
from __future__ import annotations

import numpy as np

from ... import functional as F
from ... import optim
from ...autograd import no_grad
from ...models import PCA, dense_autoencoder
from ...nn.summary import summary
from ...random import Generator
from ...tensor import Tensor
from . import _plot
from .fitting import load_mnist

NAME = "autoencoders"
DESCRIPTION = "seed 003's autoencoders: parameter counts from the models; AE vs PCA on MNIST, with pictures"

SEED = 0
CODE = 32
SEED003_TOTALS = {"784-32-784": 50_992, "784-128-64-32-64-128-784": 222_384}   # as printed on the slides
ARCHITECTURES = {"784-32-784": (784, 32), "784-128-64-32-64-128-784": (784, 128, 64, 32)}
FULL = {"train": 20000, "test": 2000, "epochs": 20, "batch": 128, "lr": 2e-3}
QUICK = {"train": 2000, "test": 500, "epochs": 8, "batch": 64, "lr": 2e-3}
PCA_SIZES = (2, 4, 8, 16, 32, 64, 128)
SHOWN = 8


# ---- part 1: parameter counts ---------------------------------------------------------------------
def parameter_counts() -> dict:
    """For each of seed 003's architectures: its summary's layers [(name, output shape, params)] and total."""
    counts = {}
    for label, sizes in ARCHITECTURES.items():
        result = summary(dense_autoencoder(sizes), (784,), print_fn=None)
        layers = [(layer.type, layer.output_shape, layer.params) for layer in result.layers if layer.type == "Linear"]
        counts[label] = {"layers": layers, "total": result.total_params, "seed003": SEED003_TOTALS[label]}
    return counts


# ---- part 2: AE vs PCA ----------------------------------------------------------------------------
def load_digits(sizes: dict):
    """(x_train, x_test): the first ``sizes`` MNIST training and test digits, flattened to (n, 784) in [0, 1]."""
    train, test = load_mnist(True, limit=sizes["train"]), load_mnist(False, limit=sizes["test"])
    if train is None or test is None:
        raise FileNotFoundError("autoencoders: this lesson needs MNIST; put its four .gz files in $LAMINA_DATA/mnist/")
    return tuple(x.numpy().reshape(len(x.numpy()), 784) for x, _ in (train, test))


def train_autoencoder(sizes, x_train, config: dict, seed: int = SEED):
    """A dense autoencoder trained with Adam on the binary cross-entropy; (model, mean loss of each epoch)."""
    model = dense_autoencoder(sizes, generator=Generator(seed))
    opt = optim.Adam(model.parameters(), lr=config["lr"])
    order_rng, losses, batch = np.random.default_rng(seed), [], config["batch"]
    for _ in range(config["epochs"]):
        order, total = order_rng.permutation(len(x_train)), 0.0
        for i in range(0, len(x_train), batch):
            xb = Tensor(x_train[order[i:i + batch]])
            loss = F.binary_cross_entropy(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        losses.append(total / len(x_train))
    return model, losses


def reconstruct(model, x):
    model.eval()
    with no_grad():
        return model(Tensor(x)).numpy()


def mse(x, y) -> float:
    return float(((x.astype(np.float64) - y) ** 2).mean())


def _plot_reconstructions(x_test, rows: dict, output_dir) -> str:
    images = [("original", x_test[:SHOWN])] + [(label, r[:SHOWN]) for label, r in rows.items()]
    fig, axes = _plot.figure(len(images), SHOWN, size=(1.1, 1.2))
    for r, (label, batch) in enumerate(images):
        for c in range(SHOWN):
            ax = axes[r * SHOWN + c]
            ax.imshow(np.clip(batch[c], 0, 1).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r * SHOWN].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"The same test digits through a code of {CODE} numbers", fontsize=11)
    return _plot.save(fig, output_dir, "autoencoders_vs_pca.png")


def _plot_errors(pca_errors: dict, ae_errors: dict, output_dir) -> str:
    fig, ax = _plot.figure(1, 1, size=(6.4, 4.6))
    ax.plot(list(pca_errors), list(pca_errors.values()), "o-", color="black", label="PCA, k components")
    for (label, error), marker in zip(ae_errors.items(), ("s", "^", "D")):
        ax.plot([CODE], [error], marker, markersize=9, label=f"autoencoder {label}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(pca_errors), [str(k) for k in pca_errors])
    ax.set_xlabel("code size k (numbers per image)")
    ax.set_ylabel("test reconstruction MSE per pixel")
    ax.set_title("Reconstruction error against code size: PCA and the autoencoders")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    return _plot.save(fig, output_dir, "autoencoders_error_vs_code.png")


def pca_reconstruction(pca, k: int, x):
    """x through the first k principal axes of a fitted PCA: ((x - mean) W_k^T) W_k + mean. The axes are nested
    (PCA(k) keeps the first k of PCA(n) for k < n), so one fit serves every code size."""
    axes = pca.components_[:k]
    return (x - pca.mean_) @ axes.T @ axes + pca.mean_


def compare_with_pca(config: dict) -> dict:
    """Train the two autoencoders and fit PCA on the same digits; test MSE of each, and the reconstructions."""
    x_train, x_test = load_digits(config)
    pca = PCA(max(PCA_SIZES)).fit(x_train)
    pca_out = {k: pca_reconstruction(pca, k, x_test) for k in PCA_SIZES}
    models = {label: train_autoencoder(sizes, x_train, config) for label, sizes in ARCHITECTURES.items()}
    ae_out = {label: reconstruct(model, x_test) for label, (model, _) in models.items()}
    return {"x_test": x_test, "pca_out": pca_out, "ae_out": ae_out,
            "pca_mse": {k: mse(x_test, out) for k, out in pca_out.items()},
            "ae_mse": {label: mse(x_test, out) for label, out in ae_out.items()},
            "ae_losses": {label: losses for label, (_, losses) in models.items()},
            "pca_parameters": CODE * 784 + 784, "pca_explained": float(pca.explained_variance_ratio_[:CODE].sum())}


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Both parts; print the tables, save ``autoencoders_vs_pca.png`` and ``autoencoders_error_vs_code.png``.

    Returns ``{"parameters": {architecture: {"layers", "total", "seed003"}}, "pca_mse": {k: mse},
    "ae_mse": {architecture: mse}, "ae_losses": {...}, "pca_parameters", "pca_explained", "figures": [paths]}``.
    """
    counts = parameter_counts()
    for label, c in counts.items():
        rows = [[kind, shape, params] for kind, shape, params in c["layers"]]
        rows.append(["total", "", f"{c['total']:,} (seed 003: {c['seed003']:,})"])
        print(_plot.table(["layer", "output shape", "parameters"], rows, title=f"Autoencoder {label} (Dense = Linear)"))
        print()
    config = QUICK if quick else FULL
    comparison = compare_with_pca(config)
    rows = [[f"PCA, {CODE} components", f"{comparison['pca_parameters']:,}", comparison["pca_mse"][CODE],
             f"SVD of {config['train']} digits ({100 * comparison['pca_explained']:.1f} % of the variance)"]]
    for label, error in comparison["ae_mse"].items():
        rows.append([f"autoencoder {label}", f"{counts[label]['total']:,}", error,
                     f"{config['epochs']} epochs of Adam on {config['train']} digits"])
    print(_plot.table(["code of 32 numbers", "parameters", "test MSE/pixel", "fitted by"], rows,
                      title=f"AE vs PCA on {config['test']} MNIST test digits"))
    best = min(comparison["ae_mse"].values())
    print("The autoencoders' nonlinear codes beat PCA's best linear one." if best < comparison["pca_mse"][CODE] else
          "PCA wins here: its code is exact after one SVD, while these autoencoders have had too little training "
          "to find a better nonlinear one (run without --quick: more digits and epochs).")
    print()
    pictures = {f"PCA {CODE}": comparison["pca_out"][CODE], **{f"AE {k}": v for k, v in comparison["ae_out"].items()}}
    figures = [_plot_reconstructions(comparison["x_test"], pictures, output_dir),
               _plot_errors(comparison["pca_mse"], comparison["ae_mse"], output_dir)]
    return {"parameters": counts, "figures": figures,
            **{k: comparison[k] for k in ("pca_mse", "ae_mse", "ae_losses", "pca_parameters", "pca_explained")}}
