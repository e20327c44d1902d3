"""A small CNN on Fashion-MNIST with batch normalisation and dropout. Target: >= 91 % test accuracy.

    python examples/fashion_mnist_cnn.py [--epochs 10]
"""
import argparse
import math

import lamina as lm
from lamina import nn
from lamina.datasets import fashion_mnist
from lamina.train import LearningRateScheduler

from mnist_mlp import data_root


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # 32 x 14 x 14
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),  # 64 x 7 x 7
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(128, 10),
    )


def main(epochs=10, seed=0):
    lm.manual_seed(seed)
    x_train, y_train = fashion_mnist(root=data_root(), train=True).as_tensors()
    x_test, y_test = fashion_mnist(root=data_root(), train=False).as_tensors()
    model = lm.Model(small_cnn())
    model.summary((1, 28, 28))
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=2e-3), loss="cross_entropy", metrics=["accuracy"])
    cosine = LearningRateScheduler(lambda epoch, lr: 2e-3 * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
    model.fit(x_train, y_train, epochs=epochs, batch_size=128, validation_data=(x_test, y_test),
              generator=lm.Generator(seed), callbacks=[cosine])
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=1000)
    print(f"test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    main(parser.parse_args().epochs)
