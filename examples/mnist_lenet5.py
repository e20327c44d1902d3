"""LeNet-5 on MNIST (the architecture of course seeds 003 and 004), Keras style. Target: >= 99.0 %.

    python examples/mnist_lenet5.py [--epochs 12]

conv 5x5 6 (pad 2) - ReLU - maxpool 2 - conv 5x5 16 - ReLU - maxpool 2 - 400 - 120 - 84 - 10.
"""
import argparse
import math

import lamina as lm
from lamina import nn
from lamina.datasets import mnist
from lamina.train import LearningRateScheduler

from mnist_mlp import data_root


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),     # 6 x 14 x 14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),               # 16 x 5 x 5
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def main(epochs=12, seed=0):
    lm.manual_seed(seed)
    x_train, y_train = mnist(root=data_root(), train=True).as_tensors()
    x_test, y_test = mnist(root=data_root(), train=False).as_tensors()
    model = lm.Model(lenet5())
    model.summary((1, 28, 28))
    optimizer = lm.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    model.compile(optimizer=optimizer, loss="cross_entropy", metrics=["accuracy"])
    cosine = LearningRateScheduler(lambda epoch, lr: 0.05 * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
    model.fit(x_train, y_train, epochs=epochs, batch_size=64, validation_data=(x_test, y_test),
              generator=lm.Generator(seed), callbacks=[cosine])
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=1000)
    print(f"test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    main(parser.parse_args().epochs)
