"""The course lessons (lamina/course/lessons/): each runs in quick mode into a temporary folder, writes
real PNG files and returns numbers that show what the lesson claims."""
import importlib
import math
import os
import struct
import sys

import matplotlib  # noqa: F401  (every lesson draws its figures with it)
import numpy as np
import pytest

from lamina.course.lessons import _plot
from lamina.random import Generator

LESSONS = ("optimizers", "learning_rate", "vanishing_gradients", "fitting", "separability", "rnn_gradients")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Small matmuls on a busy 2-core machine: OpenBLAS with 2 threads measured 120x slower than with
    1 (13.9 ms against 0.11 ms for (50, 784) @ (784, 128)); the lessons' numbers pass either way."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def lesson(name):
    return importlib.import_module(f"lamina.course.lessons.{name}")


@pytest.fixture(scope="module")
def run_quick(tmp_path_factory, shared_data):
    """``run_quick(name)``: each lesson runs once (quick mode) for the whole module, into its own temporary folder."""
    cache = {}

    def run_quick(name):
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("LAMINA_DATA", str(shared_data))
                cache[name] = (lesson(name).run(output_dir=str(folder), quick=True), folder)
        return cache[name]

    return run_quick


def assert_pngs(figures, folder, expected):
    assert len(figures) == expected
    for path in figures:
        assert os.path.dirname(os.path.abspath(path)) == os.path.abspath(folder)
        with open(path, "rb") as f:
            head = f.read(24)
        assert head[:8] == PNG_MAGIC, path
        width, height = struct.unpack(">II", head[16:24])  # the IHDR chunk
        assert width >= 400 and height >= 300, (path, width, height)
        assert os.path.getsize(path) > 20_000, path   # a real picture, not an empty canvas


# ---- the protocol the course CLI relies on ---------------------------------------------------------
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_protocol(name):
    module = lesson(name)
    assert module.NAME == name
    assert isinstance(module.DESCRIPTION, str) and module.DESCRIPTION
    assert callable(module.run)


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    for key in [k for k in sys.modules if k == "matplotlib" or k.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, key, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        _plot.figure()


def test_table_aligns_columns():
    text = _plot.table(["name", "value"], [["a", 1.5], ["longer", None]], title="T")
    lines = text.splitlines()
    assert lines[0] == "T" and lines[2].startswith("name")
    assert len({len(line) for line in lines[2:]}) == 1            # every row as wide as the header
    assert lines[4].endswith("1.5000") and lines[5].endswith("-")


# ---- optimizers ----------------------------------------------------------------------------------
def test_optimizers_race(run_quick):
    result, folder = run_quick("optimizers")
    module = lesson("optimizers")
    assert_pngs(result["figures"], folder, expected=3)
    for name, function in module.FUNCTIONS.items():
        for opt, r in result[name].items():
            x, y = r["final_point"]
            assert r["final_loss"] == pytest.approx(float(function.f(np.float32(x), np.float32(y))), rel=1e-4,
                                                    abs=1e-6)
            assert r["lr"] == module.LEARNING_RATES[name][opt]
    rosenbrock, beale, saddle = result["rosenbrock"], result["beale"], result["saddle"]
    start = math.dist(module.FUNCTIONS["rosenbrock"].start, (1, 1))
    assert rosenbrock["Momentum"]["distance"] < rosenbrock["SGD"]["distance"] / 10
    assert rosenbrock["SGD"]["distance"] < start and rosenbrock["Adam"]["distance"] < start
    # Beale: momentum, Nesterov, Adagrad and Adam reach the minimum within the quick run, plain SGD not yet
    assert beale["SGD"]["steps_to_goal"] is None
    for opt in ("Momentum", "Nesterov", "Adagrad", "Adam"):
        assert beale[opt]["steps_to_goal"] is not None and beale[opt]["distance"] < 1e-2
    # saddle: plain SGD is still on the ridge; momentum and the adaptive methods have escaped
    assert saddle["SGD"]["steps_to_goal"] is None and saddle["SGD"]["final_loss"] > -1
    for opt in ("Momentum", "RMSprop", "Adam"):
        assert saddle[opt]["steps_to_goal"] is not None and saddle[opt]["final_loss"] <= -1


def test_adam_and_momentum_beat_sgd_on_rosenbrock():
    module = lesson("optimizers")
    rosenbrock, rates = module.FUNCTIONS["rosenbrock"], module.LEARNING_RATES["rosenbrock"]
    races = {opt: module.race(rosenbrock, opt, rates[opt], 1000) for opt in ("SGD", "Momentum", "Adam")}
    assert races["SGD"].steps_to_goal is None
    for opt in ("Momentum", "Adam"):
        assert races[opt].steps_to_goal is not None
        assert math.dist(races[opt].final_point, (1, 1)) < math.dist(races["SGD"].final_point, (1, 1))


def test_tune_prefers_the_rate_that_reaches_the_goal():
    assert lesson("optimizers").tune("beale", "SGD", steps=700, grid=(0.002, 0.02)) == 0.02


# ---- learning rate -------------------------------------------------------------------------------
def test_learning_rate_too_small_good_too_large(run_quick):
    result, folder = run_quick("learning_rate")
    assert_pngs(result["figures"], folder, expected=1)
    from lamina.datasets.toy import REGRESSION_TABLE
    table = np.asarray(REGRESSION_TABLE, dtype=np.float64)
    design = np.column_stack([table[:, :2], np.ones(len(table))])
    eigenvalues = np.linalg.eigvalsh(2 / len(table) * design.T @ design)
    assert result["limits"]["stable_below"] == pytest.approx(2 / eigenvalues.max(), rel=1e-6)
    coef = np.linalg.lstsq(design, table[:, 2], rcond=None)[0]
    assert result["minimum_loss"] == pytest.approx(np.mean((design @ coef - table[:, 2]) ** 2), rel=1e-4)

    runs = result["runs"]
    small, good, large = runs["too small"], runs["good"], runs["too large"]
    assert large["lr"] > result["limits"]["stable_below"] > good["lr"] > small["lr"]
    assert large["diverged"] and not large["converged"]
    assert large["diverged_at"] < 20
    assert not math.isfinite(large["final_loss"]) or large["final_loss"] > 1e3 * large["losses"][0]
    assert good["converged"] and not good["diverged"]
    assert good["final_loss"] == pytest.approx(result["minimum_loss"], abs=2e-4)
    assert not small["converged"] and not small["diverged"]
    assert small["final_loss"] > 100 * good["final_loss"]
    assert all(np.diff(small["losses"]) <= 1e-6)      # slow, but every step goes downhill


# ---- vanishing gradients -------------------------------------------------------------------------
def test_sigmoid_gradients_vanish_relu_gradients_do_not(run_quick):
    result, folder = run_quick("vanishing_gradients")
    assert_pngs(result["figures"], folder, expected=1)
    norms, ratio = result["norms"], result["ratio"]
    assert all(len(values) == 10 for values in norms.values())
    assert ratio["sigmoid"] == pytest.approx(norms["sigmoid"][0] / norms["sigmoid"][-1])
    assert ratio["sigmoid"] < 1e-5                      # seven orders of magnitude on MNIST
    assert ratio["relu"] > 1e3 * ratio["sigmoid"]
    assert 0.1 < ratio["relu + He init"] < 10           # He initialisation: every layer the same order
    assert all(np.diff(norms["sigmoid"][1:]) > 0)       # shrinking layer after layer towards the input


def test_gradient_norms_are_those_of_backward():
    import lamina as lm
    module = lesson("vanishing_gradients")
    model = module.deep_network("sigmoid", 3, 2, layers=3, width=4)
    x, y = lm.randn(5, 3, generator=lm.Generator(1)), lm.tensor([0, 1, 1, 0, 1])
    norms = module.gradient_norms(model, x, y)
    lm.functional.cross_entropy(model(x), y).backward()   # a second backward accumulates: twice the grads
    expected = [np.linalg.norm(m.weight.grad.numpy()) / 2 for m in model if isinstance(m, lm.nn.Linear)]
    assert norms == pytest.approx(expected, rel=1e-5)


# ---- gradients through time: vanilla RNN against LSTM -------------------------------------------------
def test_rnn_gradient_vanishes_faster_than_the_lstms(run_quick):
    result, folder = run_quick("rnn_gradients")
    assert_pngs(result["figures"], folder, expected=1)
    module = lesson("rnn_gradients")
    r = result["results"]
    rnn, lstm, open_lstm = (r[name] for name in module.MODELS)
    for model in (rnn, lstm, open_lstm):
        assert model["ratios"].shape == (result["seeds"], module.STEPS)
        assert np.all(model["ratios"][:, 0] == 1) and np.all(np.isfinite(np.log(model["ratios"])))
        assert model["ratio"] == pytest.approx(np.exp(np.log(model["ratios"]).mean(axis=0)))
    assert rnn["ratio"][10] < 1e-2 and rnn["ratio"][50] < 1e-10          # vanished within tens of steps
    assert rnn["decay_per_step"] < lstm["decay_per_step"] < open_lstm["decay_per_step"]
    assert rnn["ratio"][50] < lstm["ratio"][50] / 10
    assert open_lstm["ratio"][50] > 1e4 * lstm["ratio"][50] and open_lstm["ratio"][50] > 1e-7
    assert np.all(open_lstm["ratios"][:, 50] > rnn["ratios"][:, 50])    # every seed, not only on average
    assert rnn["forget_gate"] is None
    assert lstm["forget_gate"] == pytest.approx(0.5, abs=0.05)           # sigmoid(about 0)
    assert open_lstm["forget_gate"] == pytest.approx(1 / (1 + math.exp(-1)), abs=0.05)


def test_rnn_gradient_norms_follow_the_chain_rule():
    """dL/dh_(t-1) = (dL/dh_t * (1 - h_t^2)) W_hh for h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)."""
    module = lesson("rnn_gradients")
    run = module.gradient_norms("rnn", seed=3, steps=6)
    w_hh = run["cell"].weight_hh.detach().numpy()
    g, expected = run["v"].numpy(), []
    for h in reversed([s.detach().numpy() for s in run["states"]]):
        expected.append(np.linalg.norm(g))
        g = (g * (1 - h * h)) @ w_hh
    np.testing.assert_allclose(run["norms"], expected, rtol=1e-10)
    lstm = module.gradient_norms("lstm", seed=3, forget_bias=1.0, steps=6)
    assert lstm["norms"][0] == pytest.approx(np.linalg.norm(lstm["v"].numpy()))   # dL/dh_T = v
    assert lstm["cell"].bias_ih.detach().numpy()[module.HIDDEN:2 * module.HIDDEN] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="forget_bias is for an LSTM"):
        module.make_cell("rnn", Generator(0), 1.0)


# ---- under- and over-fitting ---------------------------------------------------------------------
@pytest.mark.usefixtures("needs_mnist")
def test_fitting_overfits_and_regularisation_helps(run_quick):
    result, folder = run_quick("fitting")
    assert_pngs(result["figures"], folder, expected=2)
    models = result["models"]
    under, over = models["under-fitting (784-2-10)"], models["over-fitting (no regularisation)"]
    regularised = {name: r for name, r in models.items() if not name.startswith(("under", "over"))}
    assert len(regularised) == 4
    assert under["train_accuracy"] < 0.6 and under["val_accuracy"] < 0.6            # too small to fit
    assert over["train_accuracy"] > 0.99                                           # memorised
    assert over["gap"] > 0.05 and over["gap"] > 2 * under["gap"]
    assert over["val_loss"] > 1.1 * over["min_val_loss"]                           # it climbs after its minimum
    for name, r in regularised.items():
        assert r["val_loss"] < over["val_loss"], name
    dropout = next(r for name, r in models.items() if name.startswith("dropout"))
    assert dropout["gap"] < over["gap"]
    early = next(r for name, r in models.items() if name.startswith("early"))
    assert early["epochs"] < result["sizes"]["epochs"]
    assert early["val_loss"] == pytest.approx(early["min_val_loss"], rel=1e-4)      # the best weights, restored
    for r in models.values():
        assert len(r["curves"]["val_loss"]) == r["epochs"]
        assert r["gap"] == pytest.approx(r["train_accuracy"] - r["val_accuracy"])


# ---- separability --------------------------------------------------------------------------------
def test_perceptron_fails_on_xor_mlp_does_not(run_quick):
    result, folder = run_quick("separability")
    assert_pngs(result["figures"], folder, expected=2)
    perceptron = result["perceptron"]
    for gate in ("and", "or"):
        assert perceptron[gate]["converged"] and perceptron[gate]["accuracy"] == 1.0
    xor = perceptron["xor"]
    assert not xor["converged"] and xor["cycle"] is not None and xor["accuracy"] < 1.0
    assert result["mlp"]["xor"]["accuracy"] == 1.0
    assert result["mlp"]["spiral"]["train_accuracy"] >= 0.95
    assert result["mlp"]["spiral"]["test_accuracy"] >= 0.9


def test_replayed_epoch_returns_to_its_start_on_xor():
    module = lesson("separability")
    history = module.perceptron_on("xor")["history"]
    start, length = history.cycle
    assert length == 1
    path = module.replay_epoch("xor", history.weights[start])
    assert np.allclose(path[-1], path[0]) and not all(np.allclose(w, path[0]) for w in path[1:-1])
