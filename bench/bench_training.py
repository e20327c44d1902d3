"""One training epoch of an MLP and of LeNet-5 on MNIST-sized data: Lamina against PyTorch CPU.

Same architecture, batch size, float32, SGD with momentum 0.9, 2 threads each, in one run.
Prints the seconds per epoch and the ratio Lamina / PyTorch (below 1: Lamina is faster).

    python bench/bench_training.py                 # both workloads, medians of 3 epochs of 60,000 per side
    python bench/bench_training.py --samples 6000  # a shorter run
    python bench/bench_training.py --repeat 5      # medians of 5 alternating runs (noisy machines)

One epoch on a shared machine varies by 20-60 % from process to process, so each side runs 3 times
by default, alternating, each in a fresh process, and the ratio of the medians is printed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.functional as F  # noqa: E402
from lamina import nn  # noqa: E402


def mnist_arrays(samples):
    """Real MNIST from LAMINA_DATA (or ../shared/data), as float32 (N, 1, 28, 28) in [0, 1]."""
    from lamina.datasets import mnist

    root = os.environ.get("LAMINA_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    x, y = mnist(root=root, train=True, download=False).as_tensors()
    return x.numpy()[:samples], y.numpy()[:samples]


def lamina_models():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    return mlp, lenet


def torch_models(torch):
    tn = torch.nn
    mlp = tn.Sequential(tn.Flatten(), tn.Linear(784, 256), tn.ReLU(), tn.Linear(256, 128), tn.ReLU(),
                        tn.Linear(128, 10))
    lenet = tn.Sequential(tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(6, 16, 5), tn.ReLU(),
                          tn.MaxPool2d(2), tn.Flatten(), tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84),
                          tn.ReLU(), tn.Linear(84, 10))
    return mlp, lenet


def epoch_lamina(model, x, y, batch_size):
    optimizer = lm.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    order = np.random.default_rng(0).permutation(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        index = order[i:i + batch_size]
        loss = F.cross_entropy(model(lm.from_numpy(x[index])), lm.from_numpy(y[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start, loss.item()


def epoch_torch(torch, model, x, y, batch_size):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    order = np.random.default_rng(0).permutation(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), batch_size):
        index = order[i:i + batch_size]
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x[index])), torch.from_numpy(y[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start, loss.item()


def run_one(library, workload, samples):
    """Time one epoch of ``workload`` with ``library`` in this process; print the seconds."""
    x, y = mnist_arrays(samples)
    batch = {"mlp": 128, "lenet": 64}[workload]
    k = ("mlp", "lenet").index(workload)
    if library == "torch":
        import torch

        torch.set_num_threads(2)
        torch.manual_seed(0)
        seconds, loss = epoch_torch(torch, torch_models(torch)[k], x, y, batch)
    else:
        lm.manual_seed(0)
        seconds, loss = epoch_lamina(lamina_models()[k], x, y, batch)
    print(f"{seconds} {loss}")


def time_epoch(library, workload, samples):
    """(seconds, last loss) of one epoch in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--samples", str(samples), "--run-one", library, workload],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[-2]), float(out[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--only", choices=["mlp", "lenet"])
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs per side; medians are printed")
    parser.add_argument("--run-one", nargs=2, metavar=("LIBRARY", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        return run_one(*args.run_one, args.samples)
    # each side runs in a fresh process: PyTorch's OpenMP threads keep spinning after its ops and
    # would slow NumPy's BLAS threads down if both lived in one process
    names = {"mlp": "MLP 784-256-128-10, batch 128", "lenet": "LeNet-5, batch 64"}
    print(f"{'workload':34s} {'lamina s':>9s} {'pytorch s':>9s} {'ratio':>6s}")
    for workload in ([args.only] if args.only else ["mlp", "lenet"]):
        runs = {"torch": [], "lamina": []}
        for _ in range(args.repeat):
            for library in runs:
                runs[library].append(time_epoch(library, workload, args.samples))
        t_lm = statistics.median(seconds for seconds, _ in runs["lamina"])
        t_torch = statistics.median(seconds for seconds, _ in runs["torch"])
        loss_lm, loss_torch = runs["lamina"][-1][1], runs["torch"][-1][1]
        spread = ""
        if args.repeat > 1:
            ratios = sorted(a / b for (a, _), (b, _) in zip(runs["lamina"], runs["torch"]))
            spread = f"  run ratios {ratios[0]:.2f}-{ratios[-1]:.2f}"
        print(f"{names[workload]:34s} {t_lm:9.2f} {t_torch:9.2f} {t_lm / t_torch:6.2f}   "
              f"(last loss {loss_lm:.3f} vs {loss_torch:.3f}){spread}")


if __name__ == "__main__":
    main()
