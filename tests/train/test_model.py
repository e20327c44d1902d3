"""Model: compile / fit / evaluate / predict on small problems, the training step, NaN handling."""
import math

import numpy as np
import pytest

import lamina as lm
from lamina import nn
from lamina.ops.loss import cross_entropy
from lamina.optim import SGD, Adam
from lamina.train import Callback, Model, progress


def blobs(n_per_class=60, seed=0):
    """Three well separated 2-D gaussians, classes 0, 1, 2 (shuffled)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    x = np.concatenate([rng.normal(c, 0.7, (n_per_class, 2)) for c in centres]).astype(np.float32)
    y = np.repeat(np.arange(3), n_per_class)
    order = rng.permutation(len(y))
    return x[order], y[order]


def classifier(seed=0):
    lm.manual_seed(seed)
    return Model(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)))


def params_of(model):
    return [p.data.copy() for p in model.parameters()]


def test_fit_reduces_the_loss_and_separates_the_blobs():
    x, y = blobs()
    model = classifier()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0, generator=lm.Generator(0))
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["accuracy"][-1] > 0.95
    assert model.evaluate(x, y, return_dict=True)["accuracy"] > 0.95


def test_history_keys_and_lengths():
    x, y = blobs(20)
    model = classifier()
    model.compile(SGD(model.parameters(), lr=0.1), "cross_entropy", metrics=["accuracy", "top_k_accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    assert history is model.history
    assert list(history.history) == ["loss", "accuracy", "top_k_accuracy", "val_loss", "val_accuracy",
                                     "val_top_k_accuracy", "lr"]
    assert all(len(values) == 3 for values in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert history.history["lr"] == [0.1, 0.1, 0.1]
    assert history.history["top_k_accuracy"] == [1.0, 1.0, 1.0]  # 3 classes, k=5


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = blobs(20)  # 60 samples: 0.25 -> the last 15 validate
    model = classifier()
    model.compile(SGD(model.parameters(), lr=0.0), "cross_entropy")  # lr 0: the weights stay put
    history = model.fit(x, y, epochs=1, batch_size=8, validation_split=0.25, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[45:], y[45:]), rel=1e-6)
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x[:45], y[:45]), rel=1e-6)
    assert history.history["val_loss"][0] != pytest.approx(model.evaluate(x[:15], y[:15]), rel=1e-6)


def test_validation_data_as_a_pair_and_as_tensors():
    x, y = blobs(20)
    model = classifier()
    model.compile("sgd", "cross_entropy", metrics=["accuracy"])
    history = model.fit(lm.tensor(x), lm.tensor(y), epochs=2, validation_data=(x[:10], y[:10]), verbose=0)
    assert len(history.history["val_accuracy"]) == 2


def test_evaluate_returns_a_scalar_a_list_or_a_dict_as_keras():
    x, y = blobs(20)
    model = classifier()
    model.compile("adam", "cross_entropy")
    loss = model.evaluate(x, y, batch_size=7)
    expected = cross_entropy(model(lm.tensor(x)), lm.tensor(y)).item()
    assert isinstance(loss, float) and loss == pytest.approx(expected, rel=1e-5)  # batch-weighted mean
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    values = model.evaluate(x, y)
    accuracy = np.mean(model(lm.tensor(x)).data.argmax(1) == y)
    assert isinstance(values, list) and values[0] == pytest.approx(expected, rel=1e-5)
    assert values[1] == pytest.approx(accuracy)
    assert model.evaluate(x, y, return_dict=True) == {"loss": values[0], "accuracy": values[1]}


def test_predict_runs_in_eval_mode_without_a_graph_and_restores_the_mode():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append((self.training, lm.is_grad_enabled()))
            return x * 2

    model = Model(Probe())
    model.train()
    out = model.predict(np.arange(10, dtype=np.float32).reshape(5, 2), batch_size=2)
    assert isinstance(out, np.ndarray) and out.shape == (5, 2)
    np.testing.assert_array_equal(out, np.arange(10).reshape(5, 2) * 2)
    assert seen == [(False, False)] * 3  # three batches: 2 + 2 + 1
    assert model.training and model.module.training


def test_float64_inputs_are_cast_to_the_parameters_dtype():
    x, y = blobs(10)
    model = classifier()
    model.compile("sgd", "cross_entropy")
    model.fit(x.astype(np.float64), y, epochs=1, verbose=0)
    assert model.predict(x.astype(np.float64)).dtype == np.float32


def test_regression_with_mse_reshapes_targets_to_the_output():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3  # shape (64,), the model outputs (64, 1)
    lm.manual_seed(0)
    model = Model(nn.Linear(3, 1))
    model.compile(SGD(model.parameters(), lr=0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    np.testing.assert_allclose(model.module.weight.data.ravel(), [1.0, -2.0, 0.5], atol=0.05)


@pytest.mark.parametrize("loss, head", [("bce_with_logits", []), ("bce", [nn.Sigmoid()])])
def test_binary_classification_with_one_output(loss, head):
    x, y = blobs(30)
    keep = y < 2
    x, y = x[keep], y[keep]
    lm.manual_seed(0)
    model = Model([nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), *head])
    model.compile(Adam(model.parameters(), lr=0.05), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] > 0.95


def test_callable_loss():
    x, y = blobs(10)
    model = classifier()
    model.compile("sgd", "cross_entropy")
    by_name = model.evaluate(x, y)
    model.compile("sgd", lambda output, target: cross_entropy(output, target) * 2)
    assert model.evaluate(x, y) == pytest.approx(2 * by_name)


def test_loss_module():
    x, y = blobs(10)
    model = classifier()
    model.compile("sgd", nn.CrossEntropyLoss())
    assert model.evaluate(x, y) == pytest.approx(cross_entropy(model(lm.tensor(x)), lm.tensor(y)).item(), rel=1e-5)
    assert "loss_fn" not in dict(model.named_children())  # a loss module is not a layer of the model


def test_model_fit_adds_activity_penalties_and_makes_codes_sparser():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 8)).astype(np.float32)

    def train(l1):
        lm.manual_seed(0)
        encoder = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        autoencoder = lm.Model(nn.Sequential(encoder, nn.ActivityRegularization(l1=l1), nn.Linear(16, 8)))
        autoencoder.compile(optimizer=lm.optim.Adam(autoencoder.parameters(), lr=0.01), loss="mse")
        autoencoder.fit(x, x, epochs=30, batch_size=32, verbose=0, generator=lm.Generator(0))
        with lm.no_grad():
            return float(encoder(lm.tensor(x)).abs().mean().item())

    assert train(l1=0.05) < 0.5 * train(l1=0.0)


def test_fit_accepts_a_dataloader():
    from lamina.data import dataloader as loaders
    from lamina.data import dataset as datasets
    x, y = blobs(20)
    train = loaders.DataLoader(datasets.TensorDataset(x, y), batch_size=16, shuffle=True, generator=lm.Generator(0))
    model = classifier()
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    history = model.fit(train, epochs=2, validation_data=train, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(train).shape == (60, 3)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(train, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="y must be None"):
        model.fit(train, y, verbose=0)


def test_the_same_generator_gives_the_same_training():
    x, y = blobs(20)
    weights = []
    for _ in range(2):
        model = classifier(seed=3)
        model.compile(SGD(model.parameters(), lr=0.1), "cross_entropy")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, generator=lm.Generator(7))
        weights.append(params_of(model))
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_gradient_hook_runs_between_backward_and_step():
    x, y = blobs(10)
    model = classifier()
    before = params_of(model)
    calls = []

    def hook(m):
        assert all(p.grad is not None for p in m.parameters())
        assert all(np.array_equal(p.data, b) for p, b in zip(m.parameters(), before))  # not stepped yet
        calls.append(1)
        for p in m.parameters():  # an "all-reduce" that averages with a worker whose gradient is 0
            p.grad.data[...] = 0

    model.compile(SGD(model.parameters(), lr=0.5), "cross_entropy", gradient_hook=hook)
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)
    assert len(calls) == 3
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


def test_batch_hook_turns_each_training_batch_into_the_one_trained_on():
    x, y = blobs(10)
    model = classifier()
    seen = []

    def hook(m, xb, yb):  # every sample relabelled class 2: the model learns to say 2
        assert m is model and m.training
        seen.append(len(xb))
        return xb, lm.from_numpy(np.full(len(yb), 2))

    model.batch_hook = hook
    model.compile(SGD(model.parameters(), lr=0.5), "cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0)
    assert seen == [10, 10, 10] * 3
    assert history.history["accuracy"][-1] == 1.0            # measured on the batches the hook returned
    assert (model.predict(x).argmax(1) == 2).all()
    assert model.evaluate(x, y, return_dict=True)["loss"] > 1.0  # evaluate sees the data as it is


def nan_data():
    x, y = blobs(20)
    x[37] = np.nan  # batch_size 10, no shuffle: batch 4 of epoch 1
    return x, y


def test_a_nan_loss_raises_naming_the_epoch_and_batch_and_leaves_the_weights_finite():
    x, y = nan_data()
    model = classifier()
    model.compile(SGD(model.parameters(), lr=0.1), "cross_entropy")
    with pytest.raises(FloatingPointError, match="epoch 1, batch 4 of 6"):
        model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_on_nan_warn_skips_the_batch_and_goes_on():
    x, y = nan_data()
    model = classifier()
    model.compile(SGD(model.parameters(), lr=0.1), "cross_entropy", on_nan="warn")
    with pytest.warns(RuntimeWarning) as record:
        history = model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0)
    assert ["epoch 1, batch 4" in str(w.message) for w in record] == [True, False]
    assert "epoch 2, batch 4" in str(record[1].message)
    assert len(history.history["loss"]) == 2 and math.isnan(history.history["loss"][0])
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    with pytest.raises(ValueError, match="on_nan"):
        model.compile("sgd", "cross_entropy", on_nan="skip")


def test_a_callback_can_stop_training():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    x, y = blobs(10)
    model = classifier()
    model.compile("sgd", "cross_entropy")
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[StopAfterTwo()])
    assert len(history.history["loss"]) == 2
    assert len(model.fit(x, y, epochs=3, verbose=0).history["loss"]) == 3  # the next fit resets the flag


def test_verbose_0_prints_nothing(capsys):
    x, y = blobs(10)
    model = classifier()
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    model.evaluate(x, y)
    model.predict(x)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = blobs(10)
    model = classifier()
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, validation_split=0.2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("Epoch 1/3") and lines[2].startswith("Epoch 3/3")
    assert all("loss:" in line and "val_accuracy:" in line for line in lines)
    assert "time left" in lines[0] and "time left" not in lines[2]


def test_verbose_1_without_tqdm_falls_back_to_lines(capsys, monkeypatch):
    monkeypatch.setattr(progress, "_tqdm", lambda: None)
    x, y = blobs(10)
    model = classifier()
    model.compile("adam", "cross_entropy")
    model.fit(x, y, epochs=2, verbose=1)
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_verbose_1_with_tqdm_shows_a_bar(capsys):
    x, y = blobs(10)
    model = classifier()
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "3/3" in out and "accuracy:" in out


def test_subclassing_model_as_keras_does():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 16)
            self.out = nn.Linear(16, 3)

        def forward(self, x):
            return self.out(lm.relu(self.hidden(x)))

    lm.manual_seed(0)
    x, y = blobs()
    net = Net()
    net.compile("adam", "cross_entropy", metrics=["accuracy"])
    history = net.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert list(net.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]


def test_a_wrapping_model_has_its_modules_state_dict_and_a_list_becomes_sequential():
    layers = [nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3)]
    model = Model(layers)
    assert isinstance(model.module, nn.Sequential)
    assert list(model.state_dict()) == list(model.module.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    other = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    other.load_state_dict(model.state_dict())
    model.load_state_dict(other.state_dict())
    np.testing.assert_array_equal(other[0].weight.data, model.module[0].weight.data)


def test_compile_errors_are_clear():
    model = classifier()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(*blobs(5), verbose=0)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        model.compile("adam", "hinge")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        model.compile("lbfgs", "mse")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.compile("adam", "mse", metrics=["f1"])
    model.compile("sgd", "cross_entropy")
    assert isinstance(model.optimizer, SGD) and model.optimizer.param_groups[0]["lr"] == SGD(
        model.parameters()).defaults["lr"]  # the class's own default, as PyTorch
    with pytest.raises(ValueError, match="x has 15 samples, y has 14"):
        model.fit(*blobs(5)[:1], blobs(5)[1][:14], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(*blobs(5), validation_split=1.0, verbose=0)
    with pytest.raises(NotImplementedError, match="subclass Model"):
        Model()(lm.zeros(1, 2))


def test_fit_on_empty_data_raises_instead_of_returning_silently():
    model = classifier()
    model.compile("adam", "cross_entropy")
    with pytest.raises(ValueError, match="no training samples"):
        model.fit(np.zeros((0, 2), np.float32), np.zeros(0, np.int64), verbose=0)
    from lamina.data import dataloader as loaders
    from lamina.data import dataset as datasets
    empty = loaders.DataLoader(datasets.TensorDataset(np.zeros((0, 2), np.float32), np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match="no batch in epoch 1"):
        model.fit(empty, epochs=2, verbose=0)
    batches = iter([(np.ones((4, 2), np.float32), np.zeros(4, np.int64))])
    with pytest.raises(ValueError, match="epoch 2"):
        model.fit(batches, epochs=2, verbose=0)  # a generator: used up after epoch 1
    x, y = blobs(5)
    with pytest.raises(ValueError, match="validation_data holds no samples"):
        model.fit(x, y, validation_data=(np.zeros((0, 2), np.float32), np.zeros(0, np.int64)), verbose=0)
    with pytest.raises(ValueError, match="x_val has 2 samples, y_val has 3"):
        model.fit(x, y, validation_data=(x[:2], y[:3]), verbose=0)


def test_model_state_dict_takes_pytorchs_arguments():
    model = lm.Model(lm.nn.Linear(2, 3))
    assert list(model.state_dict(prefix="net.")) == ["net.weight", "net.bias"]
    assert model.state_dict(keep_vars=True)["weight"] is model.module.weight
    result = model.load_state_dict(model.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
