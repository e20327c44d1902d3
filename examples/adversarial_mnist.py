"""Adversarial examples on MNIST, and adversarial training against them (course seed 002, "Fooling NN").

    python examples/adversarial_mnist.py [--epochs 3 --adv-epochs 12 --eps 0.3 --pgd-samples 10000]

Two copies of one small CNN (Wong et al. 2020's MNIST network: conv 4x4/2 16 - ReLU - conv 4x4/2 32 - ReLU -
1568 - 100 - 10) are trained on the 60,000 training images: one normally, one adversarially with FGSM and a
random start (Wong, Rice and Kolter 2020, "Fast is better than free": start in the eps-ball, one step of
alpha = 1.25 eps = 0.375, eps ramped up from 0 over the first epochs). Both are then attacked on the
10,000 test images: FGSM at eps = 0.1, 0.2, 0.3 and PGD (Madry et al. 2018) with 20 steps of 0.01 from a
random start at eps = 0.3, all in the L-infinity norm with pixels kept in [0, 1].
Goals: the adversarially trained model keeps >= 97 % clean and >= 80 % PGD-20 accuracy at eps = 0.3;
the normally trained one falls below 5 % under PGD-20.

Measured (RESULTS_PENDING)
"""
import argparse
import math
import time

import numpy as np

import lamina as lm
from lamina import nn
from lamina.adversarial import AdversarialTraining, fgsm, pgd
from lamina.datasets import mnist
from lamina.train import Callback, LearningRateScheduler


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 4, stride=2, padding=1), nn.ReLU(),     # 16 x 14 x 14
        nn.Conv2d(16, 32, 4, stride=2, padding=1), nn.ReLU(),    # 32 x 7 x 7
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 100), nn.ReLU(),
        nn.Linear(100, 10),
    )


def accuracy(model, x, y, attack=None, batch_size=500) -> float:
    """Accuracy on ``(x, y)``, each batch first replaced by ``attack(model, x, y)`` when given."""
    correct = 0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        if attack is not None:
            xb = attack(model, xb, yb)
        with model.evaluating():
            correct += int((model(xb).argmax(1).numpy() == yb.numpy()).sum())
    return correct / len(x)


def pgd_attack(eps, alpha, steps, seed):
    generator = lm.Generator(seed)
    return lambda model, x, y: pgd(model, x, y, eps=eps, alpha=alpha, steps=steps, generator=generator)


class RobustCheck(Callback):
    """Prints the PGD accuracy on a few training images after each epoch: a sudden fall is FGSM training's
    "catastrophic overfitting"."""

    def __init__(self, x, y, eps, seed):
        super().__init__()
        self.x, self.y, self.attack = x, y, pgd_attack(eps, eps / 4, 10, seed)

    def on_epoch_end(self, epoch, logs=None):
        print(f"    PGD-10 accuracy on {len(self.x)} training images: {accuracy(self.model, self.x, self.y, self.attack):.2%}")


def triangle(lr_max, epochs):
    """Learning rate per epoch: up linearly to lr_max by 40 % of training, then down towards 0."""
    peak = max(1.0, 0.4 * epochs)
    return lambda epoch, lr: lr_max * ((epoch + 1) / peak if epoch + 1 <= peak else
                                       max(0.02, (epochs - epoch) / (epochs - peak + 1)))


def train(x, y, epochs, lr, seed, adversary=None, check=None, batch_size=100, verbose=2):
    lm.manual_seed(seed)
    model = lm.Model(small_cnn())
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=lr), loss="cross_entropy", metrics=["accuracy"])
    callbacks = [LearningRateScheduler(triangle(lr, epochs))] + [c for c in (adversary, check) if c is not None]
    model.fit(x, y, epochs=epochs, batch_size=batch_size, generator=lm.Generator(seed), callbacks=callbacks, verbose=verbose)
    return model


def robustness(model, x, y, pgd_samples, eps_pgd, alpha, steps, seed) -> dict:
    results = {"clean": accuracy(model, x, y)}
    for eps in (0.1, 0.2, 0.3):
        results[f"FGSM eps={eps}"] = accuracy(model, x, y, lambda m, xb, yb, e=eps: fgsm(m, xb, yb, eps=e))
    results[f"PGD-{steps} eps={eps_pgd}"] = accuracy(model, x[:pgd_samples], y[:pgd_samples],
                                                     pgd_attack(eps_pgd, alpha, steps, seed))
    return results


def main(epochs=3, adv_epochs=12, eps=0.3, ramp_epochs=2, lr=2e-3, adv_lr=3e-3, pgd_steps=20, pgd_alpha=0.01,
         pgd_samples=10000, train_samples=None, test_samples=None, seed=0, data=None, verbose=2):
    root = data  # None: $LAMINA_DATA/mnist, else ~/.cache/lamina/mnist (downloaded once)
    x_train, y_train = mnist(root=root, train=True).as_tensors()
    x_test, y_test = mnist(root=root, train=False).as_tensors()
    if test_samples:
        x_test, y_test = x_test[:test_samples], y_test[:test_samples]
    if train_samples:
        x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    pgd_samples = min(pgd_samples, len(x_test))
    check = RobustCheck(x_train[:500], y_train[:500], eps, seed)
    timings, models = {}, {}

    print(f"Standard training: {epochs} epochs")
    start = time.perf_counter()
    models["standard"] = train(x_train, y_train, epochs, lr, seed, verbose=verbose)
    timings["standard"] = time.perf_counter() - start

    print(f"Adversarial training (FGSM with a random start, eps {eps}, alpha {1.25 * eps:.3f}, eps ramped over "
          f"{ramp_epochs} epochs): {adv_epochs} epochs")
    adversary = AdversarialTraining(eps=eps, method="fgsm", ramp_epochs=ramp_epochs, generator=lm.Generator(seed))
    start = time.perf_counter()
    models["adversarial"] = train(x_train, y_train, adv_epochs, adv_lr, seed, adversary, check, verbose=verbose)
    timings["adversarial"] = time.perf_counter() - start

    print(f"\nTest accuracy ({len(x_test)} images; PGD on the first {pgd_samples}, {pgd_steps} steps of {pgd_alpha}, "
          "random start):")
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        results[name] = robustness(model, x_test, y_test, pgd_samples, eps, pgd_alpha, pgd_steps, seed)
        timings[f"attacks on {name}"] = time.perf_counter() - start
    keys = list(results["standard"])
    print(f"{'model':<14}" + "".join(f"{k:>18}" for k in keys))
    for name, row in results.items():
        print(f"{name:<14}" + "".join(f"{row[k]:>18.2%}" for k in keys))
    print("time: " + ", ".join(f"{k} {v / 60:.1f} min" for k, v in timings.items()))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs of standard training")
    parser.add_argument("--adv-epochs", type=int, default=12, help="epochs of adversarial training")
    parser.add_argument("--eps", type=float, default=0.3, help="L-infinity radius of training and of PGD")
    parser.add_argument("--ramp-epochs", type=float, default=2, help="epochs over which eps grows from 0")
    parser.add_argument("--pgd-steps", type=int, default=20)
    parser.add_argument("--pgd-alpha", type=float, default=0.01)
    parser.add_argument("--pgd-samples", type=int, default=10000, help="test images attacked with PGD")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="the data folder (holding mnist/) or the MNIST folder itself (default: $LAMINA_DATA)")
    args = parser.parse_args()
    main(args.epochs, args.adv_epochs, args.eps, args.ramp_epochs, pgd_steps=args.pgd_steps, pgd_alpha=args.pgd_alpha,
         pgd_samples=args.pgd_samples, seed=args.seed, data=args.data)
