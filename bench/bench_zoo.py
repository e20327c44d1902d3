"""ResNet-18 inference on one 3x224x224 image (eval mode, no graph): Lamina against PyTorch CPU.

    python bench/bench_zoo.py                      # 20 forward passes per side, 2 threads each
    python bench/bench_zoo.py --repeat 10 --threads 1

Method (bench/bench_training.py's): each library runs in its own fresh worker process (the PyTorch worker
never imports Lamina), both build ResNet-18 (1000 classes, 11.7 M parameters, 1.81 G multiply-adds) and run
one warm-up pass, then they take turns, one forward pass each, in ABBA order with a pause between turns so
that the other side's idle threads stop spinning and both sides see the same slow spells of a shared machine.
Printed: the median and best seconds per forward pass of each side, the median of the per-turn ratios
Lamina / PyTorch (below 1: Lamina is faster) with their range, and each worker's peak resident memory during
the warm-up and the passes (VmHWM reset once the model is built, and its rise over the RSS then: the memory
the forward pass itself needs). The input is the same image on
both sides; the printed top-1 class and logit checksum come from different random weights, so they differ.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))


def serve(library, threads):
    """Worker: build ResNet-18, warm up, say "ready"; then one timed forward pass per line on stdin; at the end
    print the RSS once the model was built, the peak since and how the peak was measured."""
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    sys.path.insert(0, BENCH)
    sys.path.insert(0, os.path.dirname(BENCH))  # this checkout's lamina, not an installed one
    import numpy as np
    from bench_training import memory_mark

    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    if library == "torch":
        import torch

        sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tests", "models"))
        from torch_zoo import resnet

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model, x = resnet("resnet18").eval(), torch.from_numpy(x)

        def forward():
            with torch.no_grad():
                return model(x).numpy()
    else:
        import lamina as lm

        lm.manual_seed(0)
        model, x = lm.models.resnet18().eval(), lm.from_numpy(x)

        def forward():
            with lm.no_grad():
                return model(x).numpy()

    rss, method, peak = memory_mark()  # after building the model: the peak's rise is the forward pass's memory
    forward()
    print("ready", flush=True)
    for _ in sys.stdin:
        begin = time.perf_counter()
        logits = forward()
        print(time.perf_counter() - begin, int(logits.argmax()), float(logits.sum()), flush=True)
    print(rss, peak(), method, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="forward passes per side")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads per side")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between turns")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return serve(args.worker[0], int(args.worker[1]))
    libraries = ("lamina", "torch")
    workers = {lib: subprocess.Popen([sys.executable, __file__, "--worker", lib, str(args.threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for lib in libraries}
    seconds = {lib: [] for lib in libraries}
    try:
        for worker in workers.values():
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        last = {}
        for turn in range(args.repeat):
            for lib in (libraries if turn % 2 == 0 else libraries[::-1]):
                time.sleep(args.pause)
                workers[lib].stdin.write("go\n")
                workers[lib].stdin.flush()
                took, top1, checksum = workers[lib].stdout.readline().split()
                seconds[lib].append(float(took))
                last[lib] = (int(top1), float(checksum))
        memory = {}
        for lib, worker in workers.items():
            worker.stdin.close()
            rss, peak, method = worker.stdout.readline().split()
            memory[lib] = (float(peak), float(peak) - float(rss), method)
    finally:
        for worker in workers.values():
            if not worker.stdin.closed:
                worker.stdin.close()
            worker.wait()
    ratios = sorted(a / b for a, b in zip(seconds["lamina"], seconds["torch"]))
    print(f"ResNet-18, one 3x224x224 image, eval mode, {args.threads} thread(s) per side, {args.repeat} passes each")
    print(f"{'library':8s} {'median s':>9s} {'best s':>8s} {'peak MB':>8s} {'(+ model)':>9s}  top-1, logit sum")
    for lib in libraries:
        peak, rise, method = memory[lib]
        print(f"{lib:8s} {statistics.median(seconds[lib]):9.3f} {min(seconds[lib]):8.3f} {peak:8.0f} {rise:+9.0f}  "
              f"{last[lib][0]}, {last[lib][1]:.3f}")
    print(f"ratio Lamina / PyTorch: median {statistics.median(ratios):.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f}); "
          f"memory peaks by {memory['lamina'][2]}")


if __name__ == "__main__":
    main()
