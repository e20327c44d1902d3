"""Callbacks: EarlyStopping, ModelCheckpoint, CSVLogger, LearningRateScheduler, TerminateOnNaN, History."""
import csv
import math

import numpy as np
import pytest

import lamina as lm
from lamina import nn
from lamina.optim import SGD, lr_scheduler
from lamina.train import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler, Model,
                          ModelCheckpoint, TerminateOnNaN)


def blobs(n_per_class=10, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    x = np.concatenate([rng.normal(c, 0.7, (n_per_class, 2)) for c in centres]).astype(np.float32)
    return x, np.repeat(np.arange(3), n_per_class)


def compiled(lr=0.1, metrics=("accuracy",)):
    lm.manual_seed(0)
    model = Model(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3)))
    model.compile(SGD(model.parameters(), lr=lr), "cross_entropy", metrics=list(metrics))
    return model


class Scripted(Callback):
    """Overwrites ``logs[key]`` with a scripted value per epoch (runs before the callbacks after it)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class Snapshots(Callback):
    """The weights at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([p.data.copy() for p in self.model.parameters()])


def fit(model, callbacks, epochs=10, **kwargs):
    x, y = blobs()
    return model.fit(x, y, epochs=epochs, batch_size=10, verbose=0, callbacks=callbacks, **kwargs)


# ---- EarlyStopping ---------------------------------------------------------------------------------
def test_early_stopping_waits_patience_epochs_without_improvement():
    stop = EarlyStopping(monitor="val_loss", patience=2)
    history = fit(compiled(), [Scripted("val_loss", [1.0, 0.5, 0.6, 0.5, 0.4, 0.3]), stop])
    # best 0.5 at epoch 1; epochs 2 and 3 do not improve (0.5 is not < 0.5): stop after epoch 3
    assert history.history["val_loss"] == [1.0, 0.5, 0.6, 0.5]
    assert stop.stopped_epoch == 3 and stop.best == 0.5 and stop.best_epoch == 1


def test_early_stopping_with_patience_0_stops_at_the_first_bad_epoch_and_min_delta_counts():
    history = fit(compiled(), [Scripted("val_loss", [1.0, 1.1, 0.5]), EarlyStopping(patience=0)])
    assert len(history.history["loss"]) == 2
    stop = EarlyStopping(patience=1, min_delta=0.1)
    history = fit(compiled(), [Scripted("val_loss", [1.0, 0.95, 0.91, 0.5, 0.4]), stop])
    assert len(history.history["loss"]) == 2  # 0.95 is not an improvement of more than 0.1


def test_early_stopping_mode_auto_maximises_accuracies():
    stop = EarlyStopping(monitor="val_accuracy", patience=1)
    history = fit(compiled(), [Scripted("val_accuracy", [0.5, 0.8, 0.7, 0.9]), stop])
    assert len(history.history["loss"]) == 3 and stop.best == 0.8
    for mode, epochs in (("auto", 3), ("min", 3), ("max", 2)):  # auto: an error is minimised
        stop = EarlyStopping(monitor="val_error", mode=mode, patience=0)
        assert len(fit(compiled(), [Scripted("val_error", [0.1, 0.05, 0.2]), stop]).history["loss"]) == epochs
    with pytest.raises(ValueError, match="mode"):
        fit(compiled(), [EarlyStopping(mode="lowest")])


def test_early_stopping_on_a_real_plateau():
    model = compiled(lr=0.0)  # nothing changes: val_loss is flat from the first epoch
    x, y = blobs()
    history = model.fit(x, y, epochs=10, validation_data=(x, y), verbose=0, callbacks=[EarlyStopping(patience=2)])
    assert len(history.history["val_loss"]) == 3


def test_early_stopping_warns_when_the_monitor_is_missing():
    with pytest.warns(RuntimeWarning, match="'val_loss' is not in the logs"):
        history = fit(compiled(), [EarlyStopping()], epochs=2)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("restore", [True, False])
def test_restore_best_weights(restore):
    snapshots = Snapshots()
    model = compiled(lr=0.5)
    fit(model, [Scripted("val_loss", [1.0, 0.2, 0.3, 0.4, 0.5]), snapshots,
                EarlyStopping(patience=3, restore_best_weights=restore)])
    assert len(snapshots.weights) == 5  # stopped after epoch 4 (three epochs worse than epoch 1)
    expected = snapshots.weights[1] if restore else snapshots.weights[-1]
    for p, w in zip(model.parameters(), expected):
        np.testing.assert_array_equal(p.data, w)
    assert not np.array_equal(snapshots.weights[1][0], snapshots.weights[-1][0])  # the weights did move


def test_restore_best_weights_also_when_training_ends_without_stopping():
    snapshots = Snapshots()
    model = compiled(lr=0.5)
    fit(model, [Scripted("val_loss", [1.0, 0.2, 0.3]), snapshots,
                EarlyStopping(patience=5, restore_best_weights=True)], epochs=3)
    for p, w in zip(model.parameters(), snapshots.weights[1]):
        np.testing.assert_array_equal(p.data, w)


# ---- ModelCheckpoint -------------------------------------------------------------------------------
def test_model_checkpoint_saves_every_epoch_with_the_epoch_in_the_name(tmp_path):
    from lamina import io

    snapshots = Snapshots()
    model = compiled()
    fit(model, [snapshots, ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.npz", monitor="loss")], epochs=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and names[0].startswith("ckpt-01-") and names[2].startswith("ckpt-03-")
    fresh = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    fresh.load_state_dict(io.load(tmp_path / names[1]))  # a checkpoint of lm.Model(net) loads into net
    for p, w in zip(fresh.parameters(), snapshots.weights[1]):
        np.testing.assert_array_equal(p.data, w)


def test_model_checkpoint_save_best_only(tmp_path):
    checkpoint = ModelCheckpoint(str(tmp_path / "best-{epoch}.npz"), save_best_only=True)
    fit(compiled(), [Scripted("val_loss", [1.0, 0.5, 0.7, 0.4, 0.9]), checkpoint], epochs=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.npz", "best-2.npz", "best-4.npz"]


def test_model_checkpoint_with_the_optimizer_state(tmp_path):
    from lamina import io

    model = compiled()
    fit(model, [ModelCheckpoint(tmp_path / "full.npz", monitor="loss", save_weights_only=False)], epochs=2)
    saved = io.load(tmp_path / "full.npz")
    assert saved["epoch"] == 2 and list(saved["model"]) == list(model.state_dict())
    assert saved["optimizer"]["param_groups"][0]["lr"] == 0.1


# ---- CSVLogger ---------------------------------------------------------------------------------------
def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    x, y = blobs()
    history = compiled().fit(x, y, epochs=3, validation_split=0.2, verbose=0, callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert [row["epoch"] for row in rows] == ["0", "1", "2"]
    for key in ("loss", "val_accuracy", "lr"):
        np.testing.assert_allclose([float(row[key]) for row in rows], history.history[key], rtol=1e-12)


def test_csv_logger_append_adds_rows_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    fit(compiled(), [CSVLogger(path)], epochs=2)
    fit(compiled(), [CSVLogger(path, append=True)], epochs=1)
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 3 and lines[0].startswith("epoch,")


# ---- LearningRateScheduler ---------------------------------------------------------------------------
def test_learning_rate_scheduler_with_a_function():
    model = compiled(lr=0.1)
    history = fit(model, [LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)], epochs=3)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.025])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


def test_learning_rate_scheduler_uses_the_lr_it_sets():
    seen = []

    class RecordLR(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(self.model.optimizer.param_groups[0]["lr"])

    fit(compiled(lr=1.0), [LearningRateScheduler(lambda epoch, lr: lr / 10), RecordLR()], epochs=2)
    np.testing.assert_allclose(seen, [0.1] * 3 + [0.01] * 3)  # 3 batches per epoch


def test_learning_rate_scheduler_with_a_lamina_scheduler():
    model = compiled(lr=0.1)
    schedule = lr_scheduler.StepLR(model.optimizer, step_size=1, gamma=0.5)
    history = fit(model, [LearningRateScheduler(schedule)], epochs=3)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.025])  # the lr each epoch trained with
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.0125)


def test_learning_rate_scheduler_with_reduce_on_plateau():
    model = compiled(lr=0.1)
    plateau = lr_scheduler.ReduceLROnPlateau(model.optimizer, factor=0.5, patience=0)
    history = fit(model, [Scripted("val_loss", [1.0, 1.0, 0.5, 0.6]), LearningRateScheduler(plateau)], epochs=4)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.05, 0.05])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


def test_learning_rate_scheduler_rejects_other_things():
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)


# ---- TerminateOnNaN, History, hook order --------------------------------------------------------------
def test_terminate_on_nan_stops_at_the_bad_batch_without_an_error(capsys):
    x, y = blobs()
    x[25] = np.nan  # batch 3 of 3 in epoch 1
    seen = []

    class CountBatches(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)

    model = compiled()
    history = model.fit(x, y, epochs=5, batch_size=10, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(), CountBatches()])
    assert seen == [0, 1, 2] and len(history.history["loss"]) == 1
    assert math.isnan(history.history["loss"][0])
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    assert "invalid loss" in capsys.readouterr().out


def test_hooks_run_in_keras_order():
    calls = []

    class Recorder(Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *args: calls.append((name,) + tuple(a for a in args if isinstance(a, int)))
            return super().__getattribute__(name)

    x, y = blobs(5)  # 15 samples, batch 10: two batches
    compiled().fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[Recorder()])
    epoch = [("on_batch_begin", 0), ("on_batch_end", 0), ("on_batch_begin", 1), ("on_batch_end", 1)]
    assert calls == ([("on_train_begin",), ("on_epoch_begin", 0)] + epoch + [("on_epoch_end", 0), ("on_epoch_begin", 1)]
                     + epoch + [("on_epoch_end", 1), ("on_train_end",)])


def test_batch_logs_are_running_means_and_params_are_set():
    logs_seen, params = [], {}

    class Watch(Callback):
        def on_train_begin(self, logs=None):
            params.update(self.params)

        def on_batch_end(self, batch, logs=None):
            logs_seen.append(dict(logs))

    x, y = blobs()
    history = compiled().fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[Watch()])
    assert params == {"epochs": 1, "steps": 3, "verbose": 0, "batch_size": 10}
    assert logs_seen[-1]["loss"] == pytest.approx(history.history["loss"][0])
    assert set(logs_seen[0]) == {"loss", "accuracy"}


def test_fit_rejects_non_callbacks():
    with pytest.raises(TypeError, match="Callback instances"):
        fit(compiled(), [lambda epoch: None])
