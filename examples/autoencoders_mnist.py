"""Autoencoders on MNIST (course seeds 001 and 003): dense, deep, sparse, denoising and convolutional, beside PCA.

    OPENBLAS_NUM_THREADS=1 python examples/autoencoders_mnist.py [--models dense,deep,sparse,denoising,conv,pca]
                                                                 [--epochs N] [--out autoencoders_mnist_out]

Each autoencoder (``lamina.models``) learns to reproduce the 784 pixels of a digit through a 32-number code
(24.5 times shorter), trained with Adam on the binary cross-entropy between the input and the sigmoid output
(learning rate 2e-3 with a cosine decay to 0, batches of 128, the 60,000 training images; pixels in [0, 1]; Keras'
initialisation, Glorot-uniform weights and zero biases: with PyTorch's, ReLU code units die):
- dense      784-32-784, ReLU code (seed 003's "single dense layer", 50,992 parameters);
- deep       784-128-64-32-64-128-784 (seed 003's "deep autoencoder", 222,384 parameters);
- sparse     784-32-784 with the L1 "sparsity constraint" on the code: + 1e-4 * sum |code| / batch (Keras'
             activity_regularizer); fewer code units are active per image, at some cost in reconstruction;
- denoising  784-128-64-32-... trained on inputs with Gaussian noise (std 0.5, clipped to [0, 1]), clean targets;
             tested on clean and on noisy test digits (the same noise for every model);
- conv       3x3 stride-2 convolutions 1-16-32 (28 -> 14 -> 7), a Linear layer to 32 numbers, and back with
             transposed convolutions;
- pca        PCA with 32 components fitted on the training images (``lamina.models.PCA``): the best LINEAR code of
             that size; the autoencoders' ReLUs let them do better.
Prints each test metric (BCE and MSE per pixel on the 10,000 test images) and a table, and saves PNG pictures of
test originals beside reconstructions (one per model, and all 32-number codes side by side) into --out. Each model's
metrics are also saved there (<name>.json, .npz), so that subsets run separately (``--models dense,pca`` in one
process, ``--models conv`` in another) come together in the final table and picture of the last run.

Measured (2026-12-03, the defaults, each model in its own process with --models NAME, then --models '' for the
table; 2 cores shared with the lead's and five other helpers' jobs, load 12-23, OPENBLAS_NUM_THREADS=1 under
nice -n 5, so the wall times are very pessimistic: each process got 2-5 % of a core. CPU time is given too):

    model       epochs  test BCE/pixel  test MSE/pixel  active code units  mean |code|  wall (CPU)
    dense           50          0.0909          0.0094               31.9         8.02  19 min (about 60 s)
    deep            25          0.0856          0.0079               25.0         7.20  25 min (69 s)
    sparse          40          0.0919          0.0097               30.6         1.60  17 min (about 55 s)
    denoising       10          0.1382          0.0246               20.1         2.81  19 min (37 s)
    conv             6          0.0848          0.0078               26.1        17.19  29 min (69 s)
    pca              -               -          0.0168                  -            -   7 min (12 s)

- dense reaches the goal (BCE <= 0.092; Keras' tutorial reports about 0.09-0.10) and deep is lower still;
- every autoencoder trained on clean digits reconstructs the test digits with about half PCA's squared error
  (0.0078-0.0097 against 0.0168 for PCA's 32 components, which keep 74 % of the training variance);
- sparse: the L1 penalty shrinks the code 5-fold (mean |code| 1.60 against 8.02) for 1 % more BCE; with ReLU
  codes most units stay on (30.6 of 32), as in Keras' tutorial, where the penalty lowers the code's mean;
- denoising, on the test digits with the same noise (std 0.5, clipped): MSE 0.0210 against the clean-trained deep
  network's 0.0809 (BCE 0.126 against 0.416); on clean digits it is worse (0.0246): the clipped noise brightens
  the background by about 0.2 on average, so clean digits are unlike anything it was trained on.
"""
import argparse
import json
import os
import time

import numpy as np  # host-side: metrics and pictures

import lamina as lm
import lamina.functional as F
from lamina.data import DataLoader, TensorDataset
from lamina.datasets import mnist
from lamina.models import PCA, conv_autoencoder, dense_autoencoder

NOISE_STD = 0.5
MODELS = {  # name: (what it is, builder, default epochs)
    "dense": ("784-32-784", lambda g: dense_autoencoder((784, 32), generator=g), 50),
    "deep": ("784-128-64-32-64-128-784", lambda g: dense_autoencoder((784, 128, 64, 32), generator=g), 25),
    "sparse": ("784-32-784, L1 1e-4 on the code", lambda g: dense_autoencoder((784, 32), activity_l1=1e-4,
                                                                                generator=g), 40),
    "denoising": (f"784-128-64-32-..., noise std {NOISE_STD}",
                  lambda g: dense_autoencoder((784, 128, 64, 32), noise_std=NOISE_STD, noise_clip=(0.0, 1.0),
                                              generator=g), 10),
    "conv": ("conv 16-32, code 32", lambda g: conv_autoencoder(32, channels=(16, 32), generator=g), 6),
    "pca": ("PCA, 32 components", None, 0),
}
SHOWN = 10  # test digits in the pictures


def data_root(folder=None):
    if folder:
        return folder
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def load(root, train_size=None, test_size=None):
    """(x_train, x_test (N, 784) float32 in [0, 1], y_test): the first ``train_size`` / ``test_size`` images."""
    x_train, _ = mnist(root=root, train=True).as_tensors()
    x_test, y_test = mnist(root=root, train=False).as_tensors()
    x_train, x_test = x_train.numpy()[:train_size], x_test.numpy()[:test_size]
    return x_train.reshape(len(x_train), 784), x_test.reshape(len(x_test), 784), y_test.numpy()[:test_size]


def noisy(x, seed):
    """x + N(0, NOISE_STD^2) noise, clipped to [0, 1], from a fixed generator (the same for every model)."""
    rng = np.random.default_rng(seed)
    return np.clip(x + NOISE_STD * rng.standard_normal(x.shape).astype(np.float32), 0.0, 1.0)


def as_model_input(name, x):
    return x.reshape(len(x), 1, 28, 28) if name == "conv" else x


def train(name, model, x_train, epochs, batch_size, lr, seed):
    """Adam on the mean binary cross-entropy (+ the code's L1 penalty when the model has one), cosine decay."""
    inputs = as_model_input(name, x_train)
    loader = DataLoader(TensorDataset(inputs, x_train), batch_size=batch_size, shuffle=True,
                        generator=lm.Generator(seed))
    optimizer = lm.optim.Adam(model.parameters(), lr=lr)
    scheduler = lm.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    model.train()
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for xb, target in loader:
            output = model(xb)
            loss = F.binary_cross_entropy(output.reshape(len(target), -1), target) + lm.nn.activity_penalty(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        print(f"  {name} epoch {epoch + 1:3d}  training loss {total / len(loader):.4f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)


def reconstruct(name, model, x, batch_size=1000):
    """The model's reconstructions of x (N, 784) and its codes, in eval mode (no noise), as arrays."""
    model.eval()
    outputs, codes = [], []
    with lm.no_grad():
        for i in range(0, len(x), batch_size):
            xb = lm.from_numpy(as_model_input(name, x[i:i + batch_size]))
            code = model.encode(xb)
            codes.append(code.numpy())
            outputs.append(model.decode(code).numpy().reshape(len(code), 784))
    return np.concatenate(outputs), np.concatenate(codes)


def bce_per_pixel(target, output, eps=1e-7):
    """Mean binary cross-entropy per pixel, -[t ln p + (1 - t) ln(1 - p)] (p clipped to [eps, 1 - eps])."""
    p, target = np.clip(output.astype(np.float64), eps, 1 - eps), target.astype(np.float64)
    return float(-(target * np.log(p) + (1 - target) * np.log1p(-p)).mean())


def mse_per_pixel(target, output):
    return float(((target.astype(np.float64) - output) ** 2).mean())


def save_rows(path, rows, labels, title):
    """A PNG of image rows: ``rows`` a list of (n, 784) arrays, one labelled row each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(rows[0])
    fig = Figure(figsize=(1.0 * n + 1.8, 1.05 * len(rows) + 0.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(images[c], 0, 1).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=90)
    return path


def run_pca(x_train, x_test):
    pca = PCA(32).fit(x_train)
    output = pca.inverse_transform(pca.transform(x_test)).astype(np.float32)
    return output, pca


def save_result(out, name, result, shown):
    """``<out>/<name>.json`` (the metrics) and ``<name>.npz`` (the pictured reconstructions), for the summary."""
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(result, f, indent=1)
    arrays = {key.replace(" ", "_"): images for key, images in shown.items() if key.startswith(name)}
    np.savez(os.path.join(out, f"{name}.npz"), **arrays)


def load_results(out, test_size):
    """Every model's saved result in ``out`` (this run's and earlier ``--models`` runs' on the same test images)."""
    results, shown = {}, {}
    for name in MODELS:
        path = os.path.join(out, f"{name}.json")
        if os.path.exists(path):
            with open(path) as f:
                result = json.load(f)
            if result.get("test_images") != test_size:
                continue
            results[name] = result
            with np.load(os.path.join(out, f"{name}.npz")) as arrays:
                shown.update({k.replace("_", " "): arrays[k] for k in arrays.files})
    return results, shown


def main(models=tuple(MODELS), epochs=None, out="autoencoders_mnist_out", data=None, seed=0, batch_size=128, lr=2e-3,
         train_size=None, test_size=None):
    """Train and test the chosen models; returns {name: {"bce", "mse", ...}} on the test images. The final table
    and picture also show the models that earlier runs (``--models`` subsets) saved in ``out``."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise SystemExit(f"autoencoders_mnist: unknown models {unknown}; choose from {list(MODELS)}")
    os.makedirs(out, exist_ok=True)
    x_train, x_test, _ = load(data_root(data), train_size, test_size)
    x_noisy = noisy(x_test, seed + 1)
    print(f"{len(x_train)} training and {len(x_test)} test images; models: {', '.join(models)}")
    results, shown = {}, {}
    for name in models:
        what, build, default_epochs = MODELS[name]
        start = time.perf_counter()
        if name == "pca":
            output, pca = run_pca(x_train, x_test)
            result = {"parameters": int(pca.components_.size + pca.mean_.size),
                      "explained_variance": float(pca.explained_variance_ratio_.sum())}
        else:
            lm.manual_seed(seed)
            model = build(lm.Generator(seed))
            train(name, model, x_train, default_epochs if epochs is None else epochs, batch_size, lr, seed)
            output, codes = reconstruct(name, model, x_test)
            result = {"parameters": int(sum(p.numel() for p in model.parameters())),
                      "bce": bce_per_pixel(x_test, output),
                      "active_code_units": float((codes > 0).mean() * codes.shape[1]),
                      "mean_abs_code": float(np.abs(codes).mean())}
            if name == "denoising" or name == "deep":
                from_noisy, _ = reconstruct(name, model, x_noisy)
                result["bce_noisy"] = bce_per_pixel(x_test, from_noisy)
                result["mse_noisy"] = mse_per_pixel(x_test, from_noisy)
                shown[f"{name} (noisy in)"] = from_noisy[:SHOWN]
        result["mse"], result["seconds"] = mse_per_pixel(x_test, output), time.perf_counter() - start
        result["test_images"] = len(x_test)
        result["epochs"] = 0 if name == "pca" else (default_epochs if epochs is None else epochs)
        results[name], shown[name] = result, output[:SHOWN]
        save_result(out, name, result, shown)
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in result.items() if k in ("bce", "mse", "bce_noisy", "mse_noisy"))
        print(f"{name} ({what}): test {metrics}  ({result['seconds']:.0f} s)", flush=True)
        rows, labels = [x_test[:SHOWN], output[:SHOWN]], ["original", name]
        if "bce_noisy" in result:
            rows, labels = rows + [x_noisy[:SHOWN], shown[f"{name} (noisy in)"]], labels + ["noisy", "from noisy"]
        save_rows(os.path.join(out, f"{name}.png"), rows, labels, f"{name} ({what}): test MSE {result['mse']:.4f}")
    everything, saved = load_results(out, len(x_test))
    summarise({**everything, **results}, {**saved, **shown}, x_test, out)
    return results


def summarise(results, shown, x_test, out):
    print("\nmodel        parameters   epochs   test BCE/pixel   test MSE/pixel   active code units   mean |code|   "
          "time")
    for name in [n for n in MODELS if n in results]:
        r = results[name]
        bce, active, size = (f"{r[k]:.{d}f}" if k in r else "-"
                             for k, d in (("bce", 4), ("active_code_units", 1), ("mean_abs_code", 2)))
        print(f"{name:<12} {r['parameters']:>10,}   {r['epochs']:>6}   {bce:>14}   {r['mse']:>14.4f}   {active:>17}   "
              f"{size:>11}   {r['seconds']:.0f} s")
    code32 = [n for n in ("pca", "dense", "sparse", "conv", "deep") if n in shown]
    if code32:
        path = save_rows(os.path.join(out, "codes_of_32.png"), [x_test[:SHOWN]] + [shown[n] for n in code32],
                         ["original"] + [f"{n}\nMSE {results[n]['mse']:.4f}" for n in code32],
                         "The same test digits through a 32-number code: PCA beside the autoencoders")
        print(f"pictures in {out}/ (e.g. {path})")
    if "denoising" in results and "deep" in results:
        print(f"on noisy test digits (std {NOISE_STD}): denoising MSE {results['denoising']['mse_noisy']:.4f}, "
              f"the same network trained on clean digits {results['deep']['mse_noisy']:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ",".join(MODELS) + " ('' to summarise the saved results)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs for every model (default: each its own)")
    parser.add_argument("--out", default="autoencoders_mnist_out", help="folder for the PNG pictures")
    parser.add_argument("--data", default=None, help="data root holding mnist/ (default: $LAMINA_DATA)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--train-size", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--test-size", type=int, default=None, help="use only the first N test images")
    args = parser.parse_args()
    main(tuple(m for m in args.models.split(",") if m), args.epochs, args.out, args.data, args.seed, args.batch_size,
         args.lr, args.train_size, args.test_size)
