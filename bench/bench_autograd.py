"""Per-op autograd overhead: Lamina against PyTorch CPU (1 thread), each in its own process, taking turns.

Times (1) a tiny ``(a + b).sum().backward()`` on 1x1 tensors with requires_grad and (2) the cost of
one recorded op: a chain of 100 additions ``y = y + a`` then ``y.sum().backward()``, divided by 100.

    python bench/bench_autograd.py             # 6 turns per side
    python bench/bench_autograd.py --turns 10

Method: each library runs in its own persistent worker process (no shared interpreter, allocator
or threads). The two take turns in ABBA order with a short pause between turns; in each turn a
worker times both workloads, best of 7 timeit repeats. A shared machine's slow spells last seconds,
so taking turns gives both sides the same share of them. Printed: the median over turns of each
side's time, the ratio of the medians Lamina / PyTorch (below 1: Lamina is faster) and the range
of the per-turn ratios.
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
import timeit

# measure the checkout this file is in, not whichever lamina the environment has installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny_backward(lib):
    a = lib.ones(1, 1, requires_grad=True)
    b = lib.ones(1, 1, requires_grad=True)

    def step():
        (a + b).sum().backward()

    return step


def chain(lib, length=100):
    a = lib.ones(1, 1, requires_grad=True)

    def step():
        y = a
        for _ in range(length):
            y = y + a
        y.sum().backward()

    return step


# name, workload, calls per timeit repeat, ops per call
WORKLOADS = (("tiny (a+b).sum().backward()", tiny_backward, 2000, 1),
             ("per recorded op (chain of 100 adds)", chain, 50, 100))


def serve(library):
    """Worker: say "ready", then for each line on stdin print the best-of-7 seconds of each workload."""
    if library == "torch":
        import torch as lib

        lib.set_num_threads(1)
    else:
        import lamina as lib
    steps = [(make(lib), number, per) for _, make, number, per in WORKLOADS]
    for step, _, _ in steps:
        step()  # warm up
    print("ready", flush=True)
    for _ in sys.stdin:
        print(*(min(timeit.repeat(step, number=number, repeat=7)) / number / per for step, number, per in steps),
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=6, help="turns per side; medians are printed")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between turns")
    parser.add_argument("--worker", choices=["lamina", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return serve(args.worker)
    if importlib.util.find_spec("torch") is None:
        raise SystemExit("PyTorch is needed for the comparison: pip install -e '.[bench]'")
    libraries = ("torch", "lamina")
    workers = {lib: subprocess.Popen([sys.executable, __file__, "--worker", lib],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for lib in libraries}
    try:
        for worker in workers.values():
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        times = {lib: [] for lib in libraries}  # per turn, the seconds of each workload
        for turn in range(args.turns):
            for lib in (libraries if turn % 2 == 0 else libraries[::-1]):
                time.sleep(args.pause)  # the other side's idle threads stop spinning
                workers[lib].stdin.write("go\n")
                workers[lib].stdin.flush()
                times[lib].append([float(t) for t in workers[lib].stdout.readline().split()])
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    print(f"{args.turns} turns per side, medians over turns")
    print(f"{'workload':40s} {'lamina':>10s} {'pytorch':>10s} {'ratio':>7s} {'range':>10s}")
    for k, (name, *_) in enumerate(WORKLOADS):
        t_lm, t_torch = (statistics.median(turn[k] for turn in times[lib]) for lib in ("lamina", "torch"))
        ratios = sorted(a[k] / b[k] for a, b in zip(times["lamina"], times["torch"]))
        print(f"{name:40s} {t_lm * 1e6:8.2f}us {t_torch * 1e6:8.2f}us {t_lm / t_torch:7.2f} "
              f"{ratios[0]:4.2f}-{ratios[-1]:4.2f}")


if __name__ == "__main__":
    main()
