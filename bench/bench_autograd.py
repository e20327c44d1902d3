"""Per-op autograd overhead: Lamina against PyTorch in one run.

Times (1) a tiny ``(a + b).sum().backward()`` on 1x1 tensors and (2) the cost of one recorded
op (a chain of 100 additions with backward, divided by 100). Prints each time and the ratio
Lamina / PyTorch (below 1 means Lamina is faster).

    python bench/bench_autograd.py
"""
import timeit

import lamina as lm

def best_time(fn, number, repeat=7):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number

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

def main():
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is needed for the comparison: pip install -e '.[bench]'")
    torch.set_num_threads(1)
    rows = []
    for name, make, number, per in (("tiny (a+b).sum().backward()", tiny_backward, 2000, 1),
                                    ("per recorded op (chain of 100 adds)", chain, 50, 100)):
        t_lm = best_time(make(lm), number) / per
        t_torch = best_time(make(torch), number) / per
        rows.append((name, t_lm, t_torch))
    print(f"{'workload':40s} {'lamina':>10s} {'pytorch':>10s} {'ratio':>7s}")
    for name, t_lm, t_torch in rows:
        print(f"{name:40s} {t_lm * 1e6:8.1f}us {t_torch * 1e6:8.1f}us {t_lm / t_torch:7.2f}")

if __name__ == "__main__":
    main()
