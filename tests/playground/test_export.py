"""The exported script reproduces the run (same seed, same loss), and a weight's gradient is explained."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lamina.playground.engine import Session
from lamina.playground.explain import explain_weight
from lamina.playground.export import export_script

ROOT = Path(__file__).resolve().parents[2]


def run_script(text, tmp_path, *args):
    path = tmp_path / "playground_run.py"
    path.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    epoch, train, test = re.fullmatch(r"epoch (\d+): train loss ([\d.]+), test loss ([\d.]+)", last).groups()
    return int(epoch), float(train), float(test)


@pytest.mark.parametrize("settings", [
    {},
    {"dataset": "xor", "noise": 20, "layers": [5, 3], "activation": "relu", "optimizer": "momentum",
     "regularization": "l1", "regularization_rate": 0.001, "features": ["x1", "x2", "x1x2"], "seed": 7},
    {"dataset": "spiral", "classes": 3, "layers": [6], "optimizer": "adam", "learning_rate": 0.01,
     "regularization": "l2", "regularization_rate": 0.003, "batch_size": 16, "train_ratio": 70},
])
def test_the_exported_script_reaches_the_same_loss(settings, tmp_path):
    session = Session(settings)
    session.step(3)
    epoch, train, test = run_script(export_script(session), tmp_path)
    assert epoch == 3
    assert train == pytest.approx(session.losses[0], abs=1.5e-6) and test == pytest.approx(session.losses[1], abs=1.5e-6)


def test_an_uploaded_csv_is_written_into_the_script(rng, tmp_path):
    session = Session({"problem": "regression", "dataset": "plane"})
    points = rng.uniform(-5, 5, (40, 2))
    session.upload(points, np.sin(points[:, 0]))
    session.step(2)
    session.set_weight(0, 0, 0, 0.25)
    text = export_script(session)
    assert "the uploaded CSV file" in text and "edited by hand" in text
    session.reset()
    session.step(2)  # the run without the edit is what the script reproduces
    _, train, test = run_script(text, tmp_path)
    assert train == pytest.approx(session.losses[0], abs=1.5e-6) and test == pytest.approx(session.losses[1], abs=1.5e-6)


def test_a_weights_gradient_is_the_engines_in_chain_rule_form():
    session = Session({"layers": [3, 2]})
    session.step(1)
    text = explain_weight(session, 1, 1, 2)
    bs = session.config["batch_size"]
    loss = 0.5 * ((session.model(session.x_train[:bs]) - session.y_train[:bs]) ** 2).mean()
    session.optimizer.zero_grad()
    loss.backward()
    expected = session.model[2].weight.grad.numpy()[1, 2]
    session.optimizer.zero_grad()
    value = float(re.search(r"  = (\S+)   \(the engine's gradient", text).group(1))
    assert value == pytest.approx(float(expected), rel=1e-4, abs=1e-9)
    assert "dL/dW2[1,2] = sum_n dL/dnet2[n,1] x out1[n,2]" in text.replace(" x d net2[n,1] / dW2[1,2] = sum_n dL/dnet2[n,1]", "")
    assert "<- linear" in text and "dL/dnet2" in text


def test_explaining_a_weight_that_is_not_there_is_refused():
    from lamina.playground.config import PlaygroundError

    with pytest.raises(PlaygroundError, match="explain: layer 0 has weights to 0..3 from 0..1, got to=0, from=5"):
        explain_weight(Session(), 0, 0, 5)


def test_a_neurons_bias_gradient_is_explained_and_edited():
    from lamina.playground.explain import explain_bias

    session = Session({"layers": [3, 2]})
    text = explain_bias(session, 0, 2)
    bs = session.config["batch_size"]
    loss = 0.5 * ((session.model(session.x_train[:bs]) - session.y_train[:bs]) ** 2).mean()
    loss.backward()
    expected = float(session.model[0].bias.grad.numpy()[2])
    session.optimizer.zero_grad()
    value = float(re.search(r"  = (\S+)   \(the engine's gradient", text).group(1))
    assert value == pytest.approx(expected, rel=1e-4, abs=1e-9)
    assert "dL/db1[2] = sum_n dL/dnet1[n,2] x dnet1[n,2]/db1[2]" in text
    session.set_bias(0, 2, -0.75)
    assert session.model[0].bias.detach().numpy()[2] == -0.75 and session.edited
