"""One training epoch of an MLP and of LeNet-5 on MNIST-sized data: Lamina against PyTorch CPU.

Same architecture, batch size, float32, SGD with momentum 0.9, 2 threads each, in one run.
Prints the seconds per epoch and the ratio Lamina / PyTorch (below 1: Lamina is faster).

    python bench/bench_training.py                 # both workloads, 3 epochs of 60,000 per side
    python bench/bench_training.py --samples 6000  # a shorter run
    python bench/bench_training.py --repeat 5      # medians of 5 epochs per side

Each side trains in its own process (PyTorch's OpenMP threads would slow NumPy's BLAS threads down
in a shared one). The two processes take turns: a block of steps of one side, then of the other,
with a pause between blocks for idle threads to stop spinning. A shared machine's slow spells last
seconds, so taking turns gives both sides the same share of them; an epoch is the sum of its blocks.
"""
import argparse
import itertools
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


def lamina_step(model):
    """One SGD-with-momentum step of ``model`` on a batch (x, y) of NumPy arrays; returns the loss."""
    optimizer = lm.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step(x, y):
        loss = F.cross_entropy(model(lm.from_numpy(x)), lm.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def torch_step(torch, model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step(x, y):
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


BATCH = {"mlp": 128, "lenet": 64}


def serve_blocks(library, workload, samples):
    """Worker: say "ready", then for each line "K" on stdin train the next K batches of the epoch
    (shuffled with a fixed seed) and print their seconds and the last loss."""
    x, y = mnist_arrays(samples)
    k = ("mlp", "lenet").index(workload)
    if library == "torch":
        import torch

        torch.set_num_threads(2)
        torch.manual_seed(0)
        step = torch_step(torch, torch_models(torch)[k])
    else:
        lm.manual_seed(0)
        step = lamina_step(lamina_models()[k])
    batch = BATCH[workload]
    order = np.random.default_rng(0).permutation(len(x))
    starts = iter(range(0, len(x), batch))
    print("ready", flush=True)
    for line in sys.stdin:
        loss, begin = None, time.perf_counter()
        for i in itertools.islice(starts, int(line)):
            index = order[i:i + batch]
            loss = step(x[index], y[index])
        seconds = time.perf_counter() - begin
        print(seconds, float("nan") if loss is None else loss.item(), flush=True)


def interleaved_epoch(workload, samples, block, pause):
    """One epoch per side, the two worker processes taking turns block by block (ABBA order).
    Returns {library: (seconds, last loss)} and the per-block ratios Lamina / PyTorch."""
    libraries = ("torch", "lamina")
    workers = {lib: subprocess.Popen([sys.executable, __file__, "--samples", str(samples), "--worker", lib, workload],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for lib in libraries}
    try:
        for worker in workers.values():
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        steps = -(-samples // BATCH[workload])
        times, losses = {lib: [] for lib in libraries}, {}
        for turn in range(-(-steps // block)):
            for lib in (libraries if turn % 2 == 0 else libraries[::-1]):
                time.sleep(pause)  # the other side's idle BLAS/OpenMP threads stop spinning
                workers[lib].stdin.write(f"{block}\n")
                workers[lib].stdin.flush()
                seconds, loss = workers[lib].stdout.readline().split()
                times[lib].append(float(seconds))
                losses[lib] = float(loss)
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    ratios = [a / b for a, b in zip(times["lamina"], times["torch"])]
    return {lib: (sum(times[lib]), losses[lib]) for lib in libraries}, ratios


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--only", choices=["mlp", "lenet"])
    parser.add_argument("--repeat", type=int, default=3, help="epochs per side; medians are printed")
    parser.add_argument("--block", type=int, default=100, help="training steps per turn")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between turns")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return serve_blocks(*args.worker, args.samples)
    names = {"mlp": "MLP 784-256-128-10, batch 128", "lenet": "LeNet-5, batch 64"}
    print(f"{'workload':34s} {'lamina s':>9s} {'pytorch s':>9s} {'ratio':>6s}")
    for workload in ([args.only] if args.only else ["mlp", "lenet"]):
        epochs, block_ratios = [], []
        for _ in range(args.repeat):
            result, ratios = interleaved_epoch(workload, args.samples, args.block, args.pause)
            epochs.append(result)
            block_ratios += ratios
        t_lm = statistics.median(e["lamina"][0] for e in epochs)
        t_torch = statistics.median(e["torch"][0] for e in epochs)
        epoch_ratios = sorted(e["lamina"][0] / e["torch"][0] for e in epochs)
        block_ratios.sort()
        tenth = max(0, len(block_ratios) // 10)
        print(f"{names[workload]:34s} {t_lm:9.2f} {t_torch:9.2f} {t_lm / t_torch:6.2f}   "
              f"(last loss {epochs[-1]['lamina'][1]:.3f} vs {epochs[-1]['torch'][1]:.3f}; "
              f"epoch ratios {epoch_ratios[0]:.2f}-{epoch_ratios[-1]:.2f}, "
              f"blocks of {args.block} steps {block_ratios[tenth]:.2f}-{block_ratios[-1 - tenth]:.2f} (10th-90th pct))")


if __name__ == "__main__":
    main()
