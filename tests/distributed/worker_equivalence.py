"""Trains a model on MNIST digits for ``--steps`` steps and saves its parameters (rank 0): run under
``mpiexec -n N`` with per-rank batch B, or alone with batch N x B on the same samples. Used by
test_distributed.py; step s uses samples [s N B, (s + 1) N B), rank r the r-th block of B of them."""
import argparse

import numpy as np

import lamina as lm
import lamina.distributed as dist
from lamina import nn


def build(kind: str) -> nn.Module:
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    return lm.models.LeNet5(input_size=28)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--global-batch", type=int, default=16)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--accumulate", type=int, default=1, help="micro-batches per step, with no_sync")
    args = parser.parse_args()
    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    lm.manual_seed(rank + 1)          # different initial weights on each rank: DDP must broadcast rank 0's
    net = build(args.model)
    if rank == 0:
        lm.manual_seed(0)
        net = build(args.model)
    net = net.double() if args.dtype == "float64" else net
    model = dist.DistributedDataParallel(net, bucket_cap_mb=0.05) if world > 1 else net
    optimizer = lm.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    images, labels = lm.datasets.mnist(root=args.data, train=True).as_tensors()
    x_all = images.numpy().astype(args.dtype)
    y_all = labels.numpy()
    per_rank = args.global_batch // world
    micro = per_rank // args.accumulate
    for step in range(args.steps):
        start = (step * args.global_batch) % (len(x_all) - args.global_batch) + rank * per_rank
        optimizer.zero_grad()
        for m in range(args.accumulate):
            x = lm.from_numpy(x_all[start + m * micro:start + (m + 1) * micro])
            y = lm.from_numpy(y_all[start + m * micro:start + (m + 1) * micro])
            last = m == args.accumulate - 1
            loss = nn.functional.cross_entropy(model(x), y) / args.accumulate
            if world > 1 and not last:
                with model.no_sync():
                    loss.backward()
            else:
                loss.backward()
        optimizer.step()
    if rank == 0:
        np.savez(args.out, **{name: p.detach().numpy() for name, p in net.named_parameters()})


if __name__ == "__main__":
    main()
