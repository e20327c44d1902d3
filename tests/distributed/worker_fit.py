"""``Model.fit`` on MNIST digits, under ``mpiexec -n N`` (batch B a rank) or alone (batch N x B); rank 0 saves the
parameters and the history. Used by test_distributed.py."""
import argparse
import json

import numpy as np

import lamina as lm
import lamina.distributed as dist
from lamina import nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--global-batch", type=int, default=32)
    parser.add_argument("--ddp", action="store_true", help="wrap the network in DistributedDataParallel")
    args = parser.parse_args()
    dist.init()
    world = dist.get_world_size()
    lm.manual_seed(dist.get_rank())          # rank 0's weights must win
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10)).double()
    if args.ddp and world > 1:
        net = dist.DistributedDataParallel(net)
    images, labels = lm.datasets.mnist(root=args.data, train=True).as_tensors()
    x, y = images.numpy()[:1024].astype(np.float64), labels.numpy()[:1024]
    model = lm.Model(net)
    model.compile(optimizer=lm.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), loss="cross_entropy",
                  metrics=["accuracy"])
    history = model.fit(x[:768], y[:768], epochs=2, batch_size=args.global_batch // world, shuffle=False,
                        validation_data=(x[768:], y[768:]),
                        callbacks=[lm.train.CSVLogger(args.out + ".csv")], verbose=2)
    if dist.get_rank() == 0:
        plain = net.module if isinstance(net, dist.DistributedDataParallel) else net
        np.savez(args.out + ".npz", **{name: p.detach().numpy() for name, p in plain.named_parameters()})
        with open(args.out + ".json", "w") as handle:
            json.dump(history.history, handle)


if __name__ == "__main__":
    main()
