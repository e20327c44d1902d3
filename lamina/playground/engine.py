"""One playground session: a real Lamina network, its optimiser and its data, trained an epoch at a time.

An epoch is TensorFlow Playground's: the training points in order, one optimiser step every ``batch_size``
points (a last, smaller batch too). The loss the page shows is the Playground's

    two classes   L = mean 0.5 (tanh output - label)^2, labels +1 / -1
    regression    L = mean 0.5 (output - target)^2
    K classes     L = cross-entropy of the softmax of K outputs

and training minimises it plus ``rate x sum |w|`` (L1) or ``rate x sum w^2 / 2`` (L2) over the weights (not
the biases). Weights start as the Playground's, U(-0.5, 0.5), biases 0.1, from the configuration's seed.
``snapshot()`` is what the page draws: losses, the output and every neuron over a grid of the input plane
(bytes 0..255 for -1..1, base64), the weights and biases.
"""
from __future__ import annotations

import base64

import numpy as np  # host-side: data, grids and the page's byte maps

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..creation import tensor
from ..random import Generator
from .config import PlaygroundError, validate_config
from .datasets import DOMAIN, FEATURE_LABELS, features, make_dataset, split

GRID = 40  # cells per side of the heat maps
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.LinearActivation}
MAX_HISTORY = 2000


def build_model(n_inputs: int, layers: list, activation: str, outputs: int, binary: bool, seed: int):
    """nn.Sequential(Linear, act, ..., Linear[, Tanh]) with the Playground's initial weights from ``seed``."""
    modules, width = [], n_inputs
    for n in layers:
        modules += [nn.Linear(width, n), ACTIVATIONS[activation]()]
        width = n
    modules.append(nn.Linear(width, outputs))
    if binary:
        modules.append(nn.Tanh())
    model = nn.Sequential(*modules)
    generator = Generator(seed)
    for module in model:
        if isinstance(module, nn.Linear):
            nn.init.uniform_(module.weight, -0.5, 0.5, generator=generator)
            nn.init.constant_(module.bias, 0.1)
    return model


def build_optimizer(model, config: dict):
    params, lr = model.parameters(), config["learning_rate"]
    kind = config["optimizer"]
    if kind == "sgd":
        return optim.SGD(params, lr=lr)
    if kind == "momentum":
        return optim.SGD(params, lr=lr, momentum=config["momentum"])
    if kind == "rmsprop":
        return optim.RMSprop(params, lr=lr, alpha=config["alpha"])
    return optim.Adam(params, lr=lr, betas=(config["beta1"], config["beta2"]))


def data_loss(output, target, multiclass: bool):
    if multiclass:
        return F.cross_entropy(output, target)
    return 0.5 * F.mse_loss(output, target)


def penalty(model, kind: str, rate: float):
    """rate x sum |w| (L1) or rate x sum w^2 / 2 (L2) over the Linear weights; None for none."""
    if kind == "none" or rate == 0:
        return None
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    terms = [w.abs().sum() if kind == "l1" else 0.5 * (w * w).sum() for w in weights]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return rate * total


def train_epoch(model, optimizer, x, y, batch_size: int, multiclass: bool, regularization: str, rate: float):
    """One pass over (x, y) in order, an optimiser step per batch."""
    for start in range(0, x.shape[0], batch_size):
        loss = data_loss(model(x[start:start + batch_size]), y[start:start + batch_size], multiclass)
        extra = penalty(model, regularization, rate)
        if extra is not None:
            loss = loss + extra
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def to_bytes(values) -> str:
    """Values in [-1, 1] (clipped) as base64 of bytes 0..255: what the page's heat maps read."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)  # a diverged network draws as 0
    scaled = np.rint((np.clip(values, -1, 1) + 1) * 127.5).astype(np.uint8)
    return base64.b64encode(scaled.tobytes()).decode("ascii")


def _finite_list(parameter) -> list:
    """A parameter as nested lists for JSON, 4 decimals; a diverged value (inf, nan) shown as +-1e6 or 0."""
    return np.nan_to_num(parameter.detach().numpy().astype(np.float64), nan=0.0, posinf=1e6, neginf=-1e6).round(4).tolist()


def grid_points(cells: int = GRID) -> np.ndarray:
    """Cell centres of the input plane [-6, 6]^2, row by row from the top (x1 across, x2 up)."""
    centres = (np.arange(cells) + 0.5) / cells * 2 * DOMAIN - DOMAIN
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], 1)


class Session:
    """A playground: configuration, data, model and optimiser, trained and drawn on request."""

    def __init__(self, config: dict | None = None, grid: int = GRID):
        self.config = validate_config(config or {})
        self.grid = grid
        self.grid_x = grid_points(grid)
        self.uploaded = None  # (points, labels, problem) of a CSV file
        self.playing = False
        self.reset()

    # ---- building -------------------------------------------------------------------------------
    @property
    def multiclass(self) -> bool:
        return self.config["problem"] == "classification" and self.config["classes"] > 2

    def load_data(self):
        c = self.config
        if c["dataset"] == "csv":
            if self.uploaded is None or self.uploaded[2] != c["problem"]:
                raise PlaygroundError(f"dataset: no CSV file uploaded for {c['problem']}; upload one first")
            points, labels = self.uploaded[:2]
        else:
            points, labels = make_dataset(c["dataset"], c["noise"] / 100, c["seed"], c["classes"])
        self.points_train, self.points_test = split(points, labels, c["train_ratio"] / 100, c["seed"])
        self.x_train = tensor(features(self.points_train[0], c["features"]))
        self.x_test = tensor(features(self.points_test[0], c["features"]))
        self.x_grid = tensor(features(self.grid_x, c["features"]))
        self.y_train, self.y_test = self._targets(self.points_train[1]), self._targets(self.points_test[1])

    def _targets(self, labels):
        if self.multiclass:
            return tensor(labels.astype(np.int64))
        return tensor(labels.astype(np.float32).reshape(-1, 1))

    def reset(self):
        """New data (from the seed), new weights, epoch 0."""
        c = self.config
        self.load_data()
        outputs = c["classes"] if self.multiclass else 1
        self.model = build_model(len(c["features"]), c["layers"], c["activation"], outputs,
                                 c["problem"] == "classification" and not self.multiclass, c["seed"])
        self.optimizer = build_optimizer(self.model, c)
        self.epoch, self.history, self.edited = 0, [], False
        self.losses = self.evaluate()
        self.history.append(self.losses)

    def configure(self, updates: dict):
        """Apply checked settings; a change of the data, the network or the optimiser starts again."""
        config = validate_config(updates, self.config)
        if config["dataset"] == "csv" and (self.uploaded is None or self.uploaded[2] != config["problem"]):
            raise PlaygroundError(f"dataset: no CSV file uploaded for {config['problem']}; upload one first")
        self.config = config
        self.reset()

    def upload(self, points, labels):
        classes = 1 if self.config["problem"] == "regression" else max(2, int(labels.max()) + 1)
        self.uploaded = (points, labels, self.config["problem"])
        self.configure({"dataset": "csv", "classes": classes} if classes > 2 else {"dataset": "csv"})
        if classes > 2:
            self.config["classes"] = classes
            self.reset()

    # ---- training -------------------------------------------------------------------------------
    def step(self, epochs: int = 1):
        """Train ``epochs`` epochs; a diverging network (a learning rate of 10) runs on to inf / nan quietly."""
        with np.errstate(all="ignore"):
            self._step(epochs)

    def _step(self, epochs: int):
        c = self.config
        for _ in range(epochs):
            train_epoch(self.model, self.optimizer, self.x_train, self.y_train, c["batch_size"], self.multiclass,
                        c["regularization"], c["regularization_rate"])
            self.epoch += 1
        self.losses = self.evaluate()
        self.history.append(self.losses)
        del self.history[:-MAX_HISTORY]

    def evaluate(self) -> tuple:
        """(train loss, test loss) of the data term, as the Playground shows them."""
        with no_grad():
            train = data_loss(self.model(self.x_train), self.y_train, self.multiclass).item()
            test = (data_loss(self.model(self.x_test), self.y_test, self.multiclass).item()
                    if self.x_test.shape[0] else float("nan"))
        return train, test

    def set_weight(self, layer: int, to: int, source: int, value: float):
        """Set weight ``to`` <- ``source`` of Linear layer ``layer`` (0 = the first), checked against the network."""
        weight = self.linear(layer).weight
        rows, cols = weight.shape
        if not (0 <= to < rows and 0 <= source < cols):
            raise PlaygroundError(f"set_weight: layer {layer} has weights to 0..{rows - 1} from 0..{cols - 1}, "
                                  f"got to={to}, from={source}")
        weight.data[to, source] = value
        self.edited = True
        self.losses = self.evaluate()

    def set_bias(self, layer: int, to: int, value: float):
        """Set the bias of neuron ``to`` of Linear layer ``layer``."""
        bias = self.linear(layer).bias
        if not 0 <= to < bias.shape[0]:
            raise PlaygroundError(f"set_bias: layer {layer} has neurons 0..{bias.shape[0] - 1}, got to={to}")
        bias.data[to] = value
        self.edited = True
        self.losses = self.evaluate()

    def linear(self, layer: int):
        linears = [m for m in self.model if isinstance(m, nn.Linear)]
        if not 0 <= layer < len(linears):
            raise PlaygroundError(f"layer: expected 0..{len(linears) - 1}, got {layer}")
        return linears[layer]

    # ---- what the page draws --------------------------------------------------------------------
    def neuron_outputs(self) -> list:
        """Each hidden layer's activations over the grid, then the network's output, as host arrays."""
        layers, h = [], self.x_grid
        with no_grad():
            for module in self.model:
                h = module(h)
                if not isinstance(module, nn.Linear):
                    layers.append(h.numpy())
        if isinstance(self.model[-1], nn.Linear):  # regression or K classes: the last Linear is the output
            layers.append(h.numpy())
        return layers

    def surface(self, output) -> dict:
        if self.multiclass:
            e = np.exp(output - output.max(1, keepdims=True))
            p = e / e.sum(1, keepdims=True)
            return {"classes": base64.b64encode(p.argmax(1).astype(np.uint8).tobytes()).decode("ascii"),
                    "values": to_bytes(2 * p.max(1) - 1)}
        return {"values": to_bytes(output[:, 0])}

    def snapshot(self, full: bool = True) -> dict:
        """The state the page draws; ``full=False`` leaves out the data points (sent once per reset)."""
        with np.errstate(all="ignore"):
            outputs = self.neuron_outputs()
        state = {
            "epoch": self.epoch, "train_loss": self.losses[0], "test_loss": self.losses[1], "playing": self.playing,
            "grid": self.grid, "surface": self.surface(outputs[-1]), "edited": self.edited,
            "neurons": [[to_bytes(layer[:, j]) for j in range(layer.shape[1])] for layer in outputs[:-1]],
            "weights": [_finite_list(m.weight) for m in self.model if isinstance(m, nn.Linear)],
            "biases": [_finite_list(m.bias) for m in self.model if isinstance(m, nn.Linear)],
        }
        if full:
            state.update(config=self.config, history=self.history, feature_labels=FEATURE_LABELS,
                         inputs=[to_bytes(column / max(np.abs(column).max(), 1e-12)) for column in self.x_grid.numpy().T],
                         train=self._points(self.points_train), test=self._points(self.points_test))
        return state

    @staticmethod
    def _points(points_labels) -> list:
        points, labels = points_labels
        return np.concatenate([points, labels[:, None]], 1).round(3).tolist()
