"""An MLP 784-256-128-10 on MNIST, written as a plain PyTorch-style loop. Target: >= 98 % test accuracy.

    python examples/mnist_mlp.py [--epochs 15]

Reads MNIST from $LAMINA_DATA (or ../shared/data), else downloads it (checksums verified).
"""
import argparse
import os
import time


import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.data import DataLoader, TensorDataset
from lamina.datasets import mnist


def data_root():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def evaluate(model, x, y, batch_size=1000):
    model.eval()
    correct = 0
    with lm.no_grad():
        for i in range(0, len(x), batch_size):
            correct += int((model(lm.from_numpy(x[i:i + batch_size])).argmax(1).numpy() == y[i:i + batch_size]).sum())
    model.train()
    return correct / len(x)


def main(epochs=15, seed=0):
    lm.manual_seed(seed)
    x_train, y_train = mnist(root=data_root(), train=True).as_tensors()
    x_test, y_test = mnist(root=data_root(), train=False).as_tensors()
    x_test, y_test = x_test.numpy(), y_test.numpy()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=128, shuffle=True, generator=lm.Generator(seed))

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    optimizer = lm.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    scheduler = lm.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        print(f"epoch {epoch + 1:2d}  loss {total / len(loader):.4f}  "
              f"test accuracy {evaluate(model, x_test, y_test):.2%}  ({time.perf_counter() - start:.1f} s)")
    accuracy = evaluate(model, x_test, y_test)
    print(f"test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    main(parser.parse_args().epochs)
