"""One training epoch of an MLP and of LeNet-5 on MNIST: Lamina, written three ways, against PyTorch CPU.

Workloads: MLP 784-256-128-10 with batch 128, LeNet-5 with batch 64; SGD with momentum 0.9,
lr 0.01, float32, 2 threads each side. PyTorch always runs the tutorial order. Lamina runs as:

    tutorial       optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()
    forward-first  loss = loss_fn(model(x), y); optimizer.zero_grad(); loss.backward(); optimizer.step()
    fit            lm.Model(module).compile(optimizer=SGD(...), loss="cross_entropy"), then per block
                   of K batches model.fit(DataLoader(Subset(TensorDataset(x, y), block), batch_size=B), verbose=0)

The order matters: freeing the gradients before the forward pass changes how memory is allocated.

    python bench/bench_training.py                            # all rows, 3 epochs of 60,000 per side
    python bench/bench_training.py --samples 3200 --repeat 1  # a quick check
    python bench/bench_training.py --only mlp --orders tutorial,fit

Method: for each (workload, order) and each epoch, Lamina and PyTorch train in two fresh worker
processes (PyTorch's OpenMP threads would slow NumPy's BLAS threads down in a shared one). The two
take turns, a block of K steps each (--block), in ABBA order, with a pause (--pause) between blocks
for idle threads to stop spinning: a shared machine's slow spells last seconds, so taking turns
gives both sides the same share of them (blocks of 25 steps by default: an MLP epoch is 19 turns,
so one slow spell cannot decide it). An epoch is the sum of its blocks; both sides see the same
shuffled batches, each gathered from the data when it is used, inside the timing, as a DataLoader
does. The data reach the workers as .npy files: the PyTorch worker never imports Lamina, whose import
sets glibc's malloc (lamina.backend.retain_freed_memory) and made PyTorch itself 20-35 % faster on the
development machine; PyTorch is measured as its users run it.
Printed: the medians over epochs (--repeat) of the seconds per epoch and of the per-epoch ratio
Lamina / PyTorch (below 1: Lamina is faster), the range of those ratios, the last epoch's losses
(fit: Keras' mean loss over its last block), and the medians of each worker's peak resident memory
during training: the kernel's high-water mark (VmHWM), reset at "ready" (data loaded, model built)
through /proc/self/clear_refs, and that peak minus the RSS at "ready". Where clear_refs is not
writable, the peak is ru_maxrss, the peak since the process started, and the output says so.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
# measure the checkout this file is in, not whichever lamina the environment has installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

ORDERS = ("tutorial", "forward-first", "fit")
BATCH = {"mlp": 128, "lenet": 64}
NAMES = {"mlp": "MLP b128", "lenet": "LeNet-5 b64"}


def mnist_arrays(samples):
    """Real MNIST from LAMINA_DATA (or ../shared/data), as float32 (N, 1, 28, 28) in [0, 1]."""
    from lamina.datasets import mnist

    root = os.environ.get("LAMINA_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    x, y = mnist(root=root, train=True, download=False).as_tensors()
    return x.numpy()[:samples], y.numpy()[:samples]


def save_mnist(samples, folder):
    """MNIST as x.npy and y.npy in ``folder``, for the workers: the PyTorch worker reads them with NumPy
    and never imports Lamina, whose import sets glibc's malloc (``retain_freed_memory``), which on the
    development machine made PyTorch itself 20-35 % faster; PyTorch is measured as its users run it."""
    x, y = mnist_arrays(samples)
    np.save(os.path.join(folder, "x.npy"), x)
    np.save(os.path.join(folder, "y.npy"), y)


def build(nn, workload):
    """The workload's network from ``nn`` (lamina.nn or torch.nn)."""
    if workload == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def lamina_trainer(module, order, batch, x, y):
    """``train(index)``: train ``module`` in ``order`` on the batches of samples ``index`` of the NumPy
    arrays ``x, y``, each batch gathered when it is used (as a DataLoader does); returns the loss."""
    import lamina as lm
    import lamina.functional as F

    optimizer = lm.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    if order == "fit":
        model = lm.Model(module).compile(optimizer=optimizer, loss="cross_entropy")
        data = lm.data.TensorDataset(x, y)

        def fit(index):
            batches = lm.data.DataLoader(lm.data.Subset(data, index), batch_size=batch, shuffle=False)
            return model.fit(batches, epochs=1, verbose=0).history["loss"][-1]

        return fit

    def train(index):
        for i in range(0, len(index), batch):
            xb, yb = lm.from_numpy(x[index[i:i + batch]]), lm.from_numpy(y[index[i:i + batch]])
            if order == "tutorial":
                optimizer.zero_grad()
                loss = F.cross_entropy(module(xb), yb)
            else:  # forward-first
                loss = F.cross_entropy(module(xb), yb)
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    return train


def torch_trainer(torch, module, batch, x, y):
    """``train(index)`` for PyTorch, always in the tutorial order."""
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.functional.cross_entropy

    def train(index):
        for i in range(0, len(index), batch):
            xb, yb = torch.from_numpy(x[index[i:i + batch]]), torch.from_numpy(y[index[i:i + batch]])
            optimizer.zero_grad()
            loss = loss_fn(module(xb), yb)
            loss.backward()
            optimizer.step()
        return loss.item()

    return train


def status_mb(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024


def memory_mark():
    """Reset the kernel's peak-RSS mark; returns the RSS now (MB) and a function giving the peak since."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return status_mb("VmRSS"), "VmHWM", lambda: status_mb("VmHWM")
    except OSError:  # the peak is then the whole process's, data loading included
        return status_mb("VmRSS"), "ru_maxrss", lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_blocks(library, workload, order, folder):
    """Worker: say "ready", then for each line "K" on stdin train the next K batches of the epoch
    (shuffled with a fixed seed) and print their seconds and the loss; at the end of stdin print
    the RSS at "ready", the peak RSS since and how the peak was measured."""
    x, y = np.load(os.path.join(folder, "x.npy")), np.load(os.path.join(folder, "y.npy"))
    batch = BATCH[workload]
    if library == "torch":
        import torch

        torch.set_num_threads(2)
        torch.manual_seed(0)
        train = torch_trainer(torch, build(torch.nn, workload), batch, x, y)
    else:
        import lamina as lm

        lm.manual_seed(0)
        train = lamina_trainer(build(lm.nn, workload), order, batch, x, y)
    shuffled = np.random.default_rng(0).permutation(len(x))
    start = 0
    rss, method, peak = memory_mark()
    print("ready", flush=True)
    for line in sys.stdin:
        begin = time.perf_counter()
        index = shuffled[start:start + int(line) * batch]
        loss = train(index)
        print(time.perf_counter() - begin, loss, flush=True)
        start += len(index)
    print(rss, peak(), method, flush=True)


def interleaved_epoch(workload, order, samples, block, pause, folder):
    """One epoch per side, two fresh worker processes taking turns block by block (ABBA order).
    Returns {library: (seconds, last loss, peak RSS MB, peak - RSS at ready MB, method)}."""
    libraries = ("torch", "lamina")
    workers = {lib: subprocess.Popen([sys.executable, __file__, "--worker", lib, workload, order, folder],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for lib in libraries}
    try:
        for worker in workers.values():
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        seconds, losses = dict.fromkeys(libraries, 0.0), {}
        for turn in range(-(-samples // (BATCH[workload] * block))):
            for lib in (libraries if turn % 2 == 0 else libraries[::-1]):
                time.sleep(pause)  # the other side's idle BLAS/OpenMP threads stop spinning
                workers[lib].stdin.write(f"{block}\n")
                workers[lib].stdin.flush()
                took, loss = workers[lib].stdout.readline().split()
                seconds[lib] += float(took)
                losses[lib] = float(loss)
        result = {}
        for lib, worker in workers.items():
            worker.stdin.close()
            rss, peak, method = worker.stdout.readline().split()
            result[lib] = (seconds[lib], losses[lib], float(peak), float(peak) - float(rss), method)
        return result
    finally:
        for worker in workers.values():
            if not worker.stdin.closed:
                worker.stdin.close()
            worker.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--only", choices=["mlp", "lenet"])
    parser.add_argument("--orders", default=",".join(ORDERS), help="Lamina's forms, comma-separated: "
                        + ", ".join(ORDERS))
    parser.add_argument("--repeat", type=int, default=3, help="epochs per side; medians are printed")
    parser.add_argument("--block", type=int, default=25, help="training steps per turn")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between turns")
    parser.add_argument("--worker", nargs=4, metavar=("LIBRARY", "WORKLOAD", "ORDER", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return serve_blocks(*args.worker)
    orders = args.orders.split(",")
    if any(order not in ORDERS for order in orders):
        parser.error(f"--orders: choose from {','.join(ORDERS)}")
    print(f"{args.samples} samples, {args.repeat} epoch(s) per side, turns of {args.block} steps; "
          "PyTorch in the tutorial order; medians over epochs; memory: peak RSS MB (+ over the RSS at ready)")
    print(f"{'workload':12s} {'lamina order':14s} {'lamina s':>8s} {'torch s':>8s} {'ratio':>6s} {'range':>10s} "
          f"{'loss lm':>8s} {'loss pt':>8s} {'lamina MB':>14s} {'torch MB':>14s}")
    methods = set()
    folder = tempfile.mkdtemp(prefix="lamina-bench-")
    save_mnist(args.samples, folder)
    for workload in ([args.only] if args.only else ["mlp", "lenet"]):
        for order in orders:
            epochs = [interleaved_epoch(workload, order, args.samples, args.block, args.pause, folder)
                      for _ in range(args.repeat)]
            ratios = sorted(e["lamina"][0] / e["torch"][0] for e in epochs)
            cells = []
            for lib in ("lamina", "torch"):
                methods.update(e[lib][4] for e in epochs)
                peak, rise = (statistics.median(e[lib][k] for e in epochs) for k in (2, 3))
                cells.append(f"{peak:7.0f} ({rise:+4.0f})")
            lm_s, pt_s = (statistics.median(e[lib][0] for e in epochs) for lib in ("lamina", "torch"))
            print(f"{NAMES[workload]:12s} {order:14s} {lm_s:8.2f} {pt_s:8.2f} {statistics.median(ratios):6.2f} "
                  f"{ratios[0]:4.2f}-{ratios[-1]:4.2f} {epochs[-1]['lamina'][1]:8.3f} {epochs[-1]['torch'][1]:8.3f} "
                  f"{cells[0]:>14s} {cells[1]:>14s}")
    shutil.rmtree(folder)
    if "ru_maxrss" in methods:
        print("note: /proc/self/clear_refs was not writable; some peaks are ru_maxrss, the peak since the "
              "process started (data loading included), not the peak during training")


if __name__ == "__main__":
    main()
