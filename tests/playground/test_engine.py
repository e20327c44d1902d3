"""The engine: a real Lamina network trained as TensorFlow Playground trains, checked against PyTorch."""
import base64

import numpy as np
import pytest
import torch

from lamina import nn
from lamina.playground.config import PlaygroundError
from lamina.playground.engine import Session, to_bytes

torch.set_num_threads(1)


def torch_copy(session):
    """The session's network as a torch.nn.Sequential with the same weights."""
    acts = {"ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh, "Sigmoid": torch.nn.Sigmoid, "LinearActivation": torch.nn.Identity}
    layers = []
    for module in session.model:
        if isinstance(module, nn.Linear):
            linear = torch.nn.Linear(module.in_features, module.out_features).double()
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(module.weight.detach().numpy()))
                linear.bias.copy_(torch.tensor(module.bias.detach().numpy()))
            layers.append(linear)
        else:
            layers.append(acts[type(module).__name__]())
    return torch.nn.Sequential(*layers)


def test_the_network_is_a_lamina_sequential_with_the_playgrounds_start():
    session = Session({"layers": [4, 2], "features": ["x1", "x2", "x1x2"]})
    linears = [m for m in session.model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 4), (4, 2), (2, 1)]
    assert type(session.model[-1]).__name__ == "Tanh"
    for m in linears:
        assert np.abs(m.weight.detach().numpy()).max() <= 0.5 and np.all(m.bias.detach().numpy() == np.float32(0.1))
    again = Session({"layers": [4, 2], "features": ["x1", "x2", "x1x2"]})
    np.testing.assert_array_equal(linears[0].weight.detach().numpy(), again.model[0].weight.detach().numpy())


@pytest.mark.parametrize("settings, torch_optimizer", [
    ({"optimizer": "sgd", "regularization": "l2", "regularization_rate": 0.01},
     lambda p: torch.optim.SGD(p, lr=0.03)),
    ({"optimizer": "momentum", "regularization": "l1", "regularization_rate": 0.003, "activation": "relu"},
     lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.9)),
    ({"optimizer": "rmsprop", "activation": "sigmoid", "learning_rate": 0.01},
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99)),
    ({"optimizer": "adam", "batch_size": 7, "learning_rate": 0.01},
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999))),
])
def test_an_epoch_is_the_playgrounds_epoch(settings, torch_optimizer):
    """Batches in order, loss 0.5 mean (out - y)^2 + the penalty on weights only: the same as PyTorch."""
    session = Session(settings)
    reference = torch_copy(session)
    opt = torch_optimizer(reference.parameters())
    x = torch.tensor(session.x_train.numpy(), dtype=torch.float64)
    y = torch.tensor(session.y_train.numpy(), dtype=torch.float64)
    kind, rate, bs = session.config["regularization"], session.config["regularization_rate"], session.config["batch_size"]
    for _ in range(2):
        for start in range(0, len(x), bs):
            loss = 0.5 * torch.mean((reference(x[start:start + bs]) - y[start:start + bs]) ** 2)
            weights = [m.weight for m in reference if isinstance(m, torch.nn.Linear)]
            if kind == "l1":
                loss = loss + rate * sum(w.abs().sum() for w in weights)
            elif kind == "l2":
                loss = loss + rate * sum(0.5 * (w * w).sum() for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
    session.step(2)
    assert session.epoch == 2
    mine = [m.weight.detach().numpy() for m in session.model if isinstance(m, nn.Linear)]
    theirs = [m.weight.detach().numpy() for m in reference if isinstance(m, torch.nn.Linear)]
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, atol=2e-5)
    with torch.no_grad():
        test = 0.5 * torch.mean((reference(torch.tensor(session.x_test.numpy(), dtype=torch.float64))
                                 - torch.tensor(session.y_test.numpy(), dtype=torch.float64)) ** 2).item()
    assert session.losses[1] == pytest.approx(test, rel=1e-4)


def test_circle_is_learnt():
    session = Session({"optimizer": "adam", "learning_rate": 0.03})
    start = session.losses[1]
    session.step(40)
    assert start > 0.3 and session.losses[1] < 0.1
    assert len(session.history) == 2  # one entry per step() call: the start, then after the 40 epochs


def test_three_arm_spiral_and_regression_draw_their_outputs():
    session = Session({"dataset": "spiral", "classes": 3, "layers": [8, 8], "optimizer": "adam",
                       "learning_rate": 0.01, "features": ["x1", "x2", "sinx1", "sinx2"]})
    assert session.model[-1].out_features == 3 and session.y_train.numpy().dtype == np.int64
    before = session.losses[0]
    session.step(5)
    assert session.losses[0] < before
    state = session.snapshot()
    classes = np.frombuffer(base64.b64decode(state["surface"]["classes"]), np.uint8)
    assert classes.shape == (session.grid ** 2,) and classes.max() <= 2
    assert [len(layer) for layer in state["neurons"]] == [8, 8] and len(state["inputs"]) == 4
    regression = Session({"problem": "regression", "dataset": "plane", "layers": [3], "activation": "linear"})
    regression.step(5)
    assert regression.losses[1] < 0.01 and isinstance(regression.model[-1], nn.Linear)


def test_snapshot_maps_the_grid_as_bytes():
    session = Session()
    state = session.snapshot()
    for layer in state["neurons"] + [[state["surface"]["values"]]]:
        for b64 in layer:
            assert len(base64.b64decode(b64)) == session.grid ** 2
    assert len(state["train"]) == 250 and len(state["test"]) == 250
    assert [np.array(w).shape for w in state["weights"]] == [(4, 2), (2, 4), (1, 2)]
    assert "train" not in session.snapshot(full=False)
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(to_bytes([-1, 0, 1, 5])), np.uint8), [0, 128, 255, 255])


def test_a_weight_can_be_read_and_edited():
    session = Session()
    session.set_weight(1, 0, 3, 2.5)
    assert session.model[2].weight.detach().numpy()[0, 3] == 2.5 and session.edited
    with pytest.raises(PlaygroundError, match=r"set_weight: layer 1 has weights to 0..1 from 0..3, got to=2"):
        session.set_weight(1, 2, 0, 1.0)
    with pytest.raises(PlaygroundError, match=r"layer: expected 0..2, got 5"):
        session.set_weight(5, 0, 0, 1.0)


def test_a_change_of_settings_starts_again_and_a_bad_one_changes_nothing():
    session = Session()
    session.step(3)
    session.configure({"layers": [6, 6, 6]})
    assert session.epoch == 0 and len([m for m in session.model if isinstance(m, nn.Linear)]) == 4
    with pytest.raises(PlaygroundError):
        session.configure({"layers": [6] * 7})
    with pytest.raises(PlaygroundError, match="no CSV file uploaded"):
        session.configure({"dataset": "csv"})
    assert session.config["layers"] == [6, 6, 6] and session.config["dataset"] == "circle"


def test_an_uploaded_csv_becomes_the_data(rng):
    points = rng.uniform(-5, 5, (200, 2))
    labels = np.where(points[:, 0] > 0, 1.0, -1.0)
    session = Session()
    session.upload(points, labels)
    assert session.config["dataset"] == "csv" and session.x_train.shape[0] + session.x_test.shape[0] == 200
    three = np.floor((points[:, 0] + 5) / 10 * 3)
    session.upload(points, three)
    assert session.config["classes"] == 3 and session.model[-1].out_features == 3
