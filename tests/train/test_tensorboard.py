"""TensorBoard logs, read back with TensorBoard's own event reader."""
import glob
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import lamina as lm
from lamina import nn
from lamina.train.tensorboard import TensorBoard
from lamina.utils.tensorboard import SummaryWriter


def read_events(folder):
    """TensorBoard's accumulator over the one event file in ``folder``, everything kept."""
    files = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
    assert len(files) == 1, files
    accumulator = EventAccumulator(files[0], size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def test_summary_writer_logs_scalars_histograms_and_images_from_lamina_tensors(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    for step in range(3):
        writer.add_scalar("loss", lm.tensor(1.0 / (step + 1)), step)
    writer.add_scalars("pair", {"a": 1.0, "b": lm.tensor(2.0)}, 0)
    values = lm.from_numpy(np.random.default_rng(0).standard_normal(1000))
    writer.add_histogram("weights", values, 0)
    writer.add_images("inputs", lm.from_numpy(np.random.default_rng(1).random((4, 1, 8, 6)).astype(np.float32)), 0)
    writer.close()
    events = read_events(tmp_path)
    assert [(e.step, round(e.value, 6)) for e in events.Scalars("loss")] == [(0, 1.0), (1, 0.5), (2, 0.333333)]
    histogram = events.Histograms("weights")[0].histogram_value
    assert histogram.num == 1000
    assert histogram.sum == pytest.approx(float(values.sum()), rel=1e-5)
    assert histogram.min == pytest.approx(float(values.min())) and histogram.max == pytest.approx(float(values.max()))
    image = events.Images("inputs")[0]
    assert (image.height, image.width) == (8, 4 * 6)       # the 4 images side by side in one grid
    for run, value in (("a", 1.0), ("b", 2.0)):             # add_scalars: one run per key, as in PyTorch
        assert [e.value for e in read_events(tmp_path / "pair" / run).Scalars("pair")] == [value]


def fit_with_tensorboard(log_dir, **options):
    lm.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = lm.Model(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
    model.compile(optimizer=lm.optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:16], y[:16]), verbose=0,
                        callbacks=[TensorBoard(log_dir, **options)])
    return model, history


def test_the_callback_logs_each_epoch_of_fit_in_keras_layout(tmp_path):
    model, history = fit_with_tensorboard(tmp_path, histogram_freq=1, write_graph=False, update_freq=2)
    train, validation = read_events(tmp_path / "train"), read_events(tmp_path / "validation")
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in validation.Scalars("epoch_loss")], history.history["val_loss"],
                               rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_accuracy")] == [0, 1, 2]
    assert [e.value for e in train.Scalars("epoch_learning_rate")] == pytest.approx([0.1] * 3)
    assert [e.step for e in train.Scalars("batch_loss")] == [2, 4, 6, 8, 10, 12]    # 4 batches an epoch
    tags = train.Tags()["histograms"]
    assert {"0.weight", "0.bias", "2.weight", "0.weight/gradient", "2.bias/gradient"} <= set(tags)
    last = train.Histograms("0.weight")[-1].histogram_value
    assert last.num == 32 and last.sum == pytest.approx(float(model.module[0].weight.sum()), rel=1e-5)


def test_the_callback_rejects_a_bad_update_frequency():
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard("logs", update_freq=0)


def test_the_model_graph_reaches_tensorboard_through_the_onnx_export(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    writer.add_graph(model, lm.randn(1, 4))
    writer.close()
    graph = read_events(tmp_path).Graph()
    assert [node.op for node in graph.node if node.op in ("Gemm", "Relu")] == ["Gemm", "Relu", "Gemm"]
    with pytest.raises(ValueError, match="example input"):
        SummaryWriter(str(tmp_path / "other")).add_graph(model)


def test_the_callback_writes_the_graph_traced_on_the_first_batch(tmp_path):
    fit_with_tensorboard(tmp_path, write_graph=True)
    ops = [node.op for node in read_events(tmp_path / "train").Graph().node]
    assert ops.count("Gemm") == 2 and "Relu" in ops
