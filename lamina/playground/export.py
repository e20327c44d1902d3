"""A session as a Python script that uses Lamina: it builds the same data (same seed), the same network
with the same initial weights, trains it for the session's epochs and prints the same losses."""
from __future__ import annotations

import datetime

from .datasets import FEATURES

OPTIMIZERS = {
    "sgd": "lm.optim.SGD(model.parameters(), lr={learning_rate!r})",
    "momentum": "lm.optim.SGD(model.parameters(), lr={learning_rate!r}, momentum={momentum!r})",
    "rmsprop": "lm.optim.RMSprop(model.parameters(), lr={learning_rate!r}, alpha={alpha!r})",
    "adam": "lm.optim.Adam(model.parameters(), lr={learning_rate!r}, betas=({beta1!r}, {beta2!r}))",
}
ACTIVATIONS = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()", "linear": "nn.LinearActivation()"}

TEMPLATE = '''"""Exported from the Lamina playground ({date}): {summary}.

Run: python {filename} [--epochs N]   (the page stood at epoch {epochs}: train loss {train_loss}, test loss {test_loss})
{note}"""
import argparse

import numpy as np

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.playground.datasets import features, make_dataset, split

CONFIG = {config!r}


def load_data():
{data}
    (train_points, train_labels), (test_points, test_labels) = split(points, labels, {train_ratio!r}, seed={seed!r})
    inputs = {features!r}
    return (lm.tensor(features(train_points, inputs)), targets(train_labels),
            lm.tensor(features(test_points, inputs)), targets(test_labels))


def targets(labels):
{targets}


def build_model():
    model = nn.Sequential(
{modules}
    )
    generator = lm.Generator({seed!r})  # the playground's initial weights: U(-0.5, 0.5), biases 0.1
    for module in model:
        if isinstance(module, nn.Linear):
            nn.init.uniform_(module.weight, -0.5, 0.5, generator=generator)
            nn.init.constant_(module.bias, 0.1)
    return model


def data_loss(output, target):
{loss}


def penalty(model):
{penalty}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default={epochs!r})
    args = parser.parse_args()
    x_train, y_train, x_test, y_test = load_data()
    model = build_model()
    optimizer = {optimizer}
    batch_size = {batch_size!r}
    for epoch in range(1, args.epochs + 1):
        for start in range(0, x_train.shape[0], batch_size):
            loss = data_loss(model(x_train[start:start + batch_size]), y_train[start:start + batch_size])
            extra = penalty(model)
            if extra is not None:
                loss = loss + extra
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch % 100 == 0 and epoch < args.epochs:
            print(f"epoch {{epoch}}: train loss {{evaluate(model, x_train, y_train):.6f}}")
    train_loss, test_loss = evaluate(model, x_train, y_train), evaluate(model, x_test, y_test)
    print(f"epoch {{args.epochs}}: train loss {{train_loss:.6f}}, test loss {{test_loss:.6f}}")


def evaluate(model, x, y):
    with lm.no_grad():
        return data_loss(model(x), y).item()


if __name__ == "__main__":
    main()
'''


def _data_code(session) -> str:
    c = session.config
    if c["dataset"] != "csv":
        return (f"    points, labels = make_dataset({c['dataset']!r}, noise={c['noise'] / 100!r}, seed={c['seed']!r}, "
                f"classes={c['classes']!r})")
    points, labels = session.uploaded[:2]
    rows = ",\n".join(f"        [{x!r}, {y!r}, {t!r}]" for (x, y), t in zip(points.tolist(), labels.tolist()))
    return (f"    data = np.array([  # the uploaded CSV file: x1, x2, label\n{rows},\n    ])\n"
            f"    points, labels = data[:, :2], data[:, 2]")


def _modules(session) -> str:
    c = session.config
    lines, width = [], len(c["features"])
    for n in c["layers"]:
        lines += [f"        nn.Linear({width}, {n}), {ACTIVATIONS[c['activation']]},"]
        width = n
    lines.append(f"        nn.Linear({width}, {c['classes'] if session.multiclass else 1}),")
    if c["problem"] == "classification" and not session.multiclass:
        lines.append("        nn.Tanh(),  # the Playground's output: tanh against labels +1 / -1")
    return "\n".join(lines)


def _penalty(c) -> str:
    if c["regularization"] == "none" or c["regularization_rate"] == 0:
        return "    return None  # no regularisation"
    term = "w.abs().sum()" if c["regularization"] == "l1" else "0.5 * (w * w).sum()"
    return (f"    weights = [m.weight for m in model if isinstance(m, nn.Linear)]\n"
            f"    terms = [{term} for w in weights]\n"
            f"    total = terms[0]\n    for term in terms[1:]:\n        total = total + term\n"
            f"    return {c['regularization_rate']!r} * total  # {c['regularization'].upper()}")


def export_script(session, filename: str = "playground_run.py") -> str:
    """The text of a script that reproduces ``session``'s run from its configuration and seed."""
    c = session.config
    multiclass = session.multiclass
    kind = f"{c['classes']}-class " if multiclass else ""
    summary = (f"{kind}{c['problem']} of {c['dataset']}, inputs {', '.join(c['features'])}, hidden layers "
               f"{c['layers'] or 'none'} ({c['activation']}), {c['optimizer']} lr {c['learning_rate']}")
    note = ("\nThe weights were edited by hand on the page; this script reproduces the run without those edits.\n"
            if session.edited else "")
    return TEMPLATE.format(
        date=datetime.date.today().isoformat(), summary=summary, filename=filename, epochs=session.epoch,
        train_loss=f"{session.losses[0]:.6f}", test_loss=f"{session.losses[1]:.6f}", note=note, config=c,
        data=_data_code(session), train_ratio=c["train_ratio"] / 100, seed=c["seed"],
        features=[f for f in FEATURES if f in c["features"]],
        targets=("    return lm.tensor(labels.astype(np.int64))" if multiclass
                 else "    return lm.tensor(labels.astype(np.float32).reshape(-1, 1))"),
        modules=_modules(session),
        loss=("    return F.cross_entropy(output, target)" if multiclass
              else "    return 0.5 * F.mse_loss(output, target)  # the Playground's 0.5 (output - target)^2"),
        penalty=_penalty(c), optimizer=OPTIMIZERS[c["optimizer"]].format(**c), batch_size=c["batch_size"])
