"""lamina.onnx.export: onnx.checker accepts each file and onnxruntime computes what Lamina computes (float32
tolerance), on the issue's models, with a dynamic batch size; names, opsets, file objects and errors."""
import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import lamina as lm
import lamina.functional as F
import lamina.onnx as lonnx
from lamina import nn
from lamina.onnx import ExportError

BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


def run_onnx(proto, *arrays):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: np.asarray(a, dtype=np.float32) for i, a in zip(session.get_inputs(), arrays)}
    return session.run(None, feeds)


def lamina_output(model, x):
    if hasattr(model, "eval"):
        model.eval()
    with lm.no_grad():
        out = model(x)
    return (out[0] if isinstance(out, tuple) else out).numpy()


def assert_exports(model, x, tmp_path, run_with=None, **options):
    """Export traced on ``x``, check the file, and compare onnxruntime with Lamina on ``run_with`` (default x)."""
    path = tmp_path / "model.onnx"
    lonnx.export(model, x, path, **options)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    x_run = x if run_with is None else run_with
    got = run_onnx(proto, x_run.numpy())[0]
    np.testing.assert_allclose(got, lamina_output(model, x_run), rtol=1e-4, atol=1e-5)
    return proto


def randomize_batch_norms(model, rng):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.data[...] = rng.normal(size=n)
            m.running_var.data[...] = rng.uniform(0.5, 2.0, size=n)
            m.weight.data[...] = rng.normal(size=n)
            m.bias.data[...] = rng.normal(size=n)


# ---- the models ---------------------------------------------------------------------------------------------
class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
            nn.AdaptiveAvgPool2d(1))
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(self.dropout(self.features(x).flatten(1)))


class InceptionResidual(nn.Module):
    """A residual block whose branch concatenates three Inception-like paths."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.Conv2d(8, 4, 1)
        self.b2 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
        self.b3 = nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1), nn.Conv2d(8, 4, 1))
        self.project = nn.Conv2d(12, 8, 1)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.stem(x).relu()
        branches = lm.cat([self.b1(x), self.b2(x), self.b3(x)], 1)
        x = x + self.project(branches)
        return self.head(x.mean((2, 3)))


class RecurrentClassifier(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])


class CumsumHead(nn.Module):
    def forward(self, x):
        return x.cumsum(1)


def mlp():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 4),
                         nn.LogSoftmax(1))


def decoder():
    return nn.Sequential(nn.Linear(4, 8 * 4 * 4), nn.Unflatten(1, (8, 4, 4)),
                         nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), nn.ReLU(),
                         nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())


# ---- outputs equal onnxruntime's ----------------------------------------------------------------------------
@pytest.mark.parametrize("make, shape", [
    (mlp, (2, 8)),
    (lambda: lm.models.LeNet5(), (2, 1, 32, 32)),
    (lambda: lm.models.LeNet5(activation="relu", pooling="max", input_size=28), (2, 1, 28, 28)),
    (lambda: lm.models.LeNet5(c3_connections="lecun", pooling="trainable"), (2, 1, 32, 32)),
    (BatchNormCNN, (2, 3, 16, 16)),
    (InceptionResidual, (2, 3, 8, 8)),
    (decoder, (2, 4)),
    (lambda: lm.models.Generator(16, 8, hidden=32), (2, 16)),
    (lambda: lm.models.Discriminator(8, hidden=32), (2, 1, 28, 28)),
], ids=["mlp", "lenet5", "lenet5-relu-max", "lenet5-lecun-trainable", "batchnorm-cnn", "inception-residual",
        "conv-transpose-decoder", "dcgan-generator-hidden", "dcgan-discriminator-hidden"])
def test_feed_forward_models_match_onnxruntime_with_another_batch_size(make, shape, tmp_path, rng):
    lm.manual_seed(0)
    model = make()
    randomize_batch_norms(model, rng)
    x = lm.tensor(rng.normal(size=shape).astype(np.float32))
    bigger = lm.tensor(rng.normal(size=(5,) + shape[1:]).astype(np.float32))
    assert_exports(model, x, tmp_path, run_with=bigger, dynamic_axes=BATCH)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_bidirectional_two_layer_recurrent_classifiers_match_onnxruntime(kind, tmp_path, rng):
    lm.manual_seed(1)
    model = RecurrentClassifier(kind)
    x = lm.tensor(rng.normal(size=(2, 7, 6)).astype(np.float32))
    proto = assert_exports(model, x, tmp_path, run_with=lm.tensor(rng.normal(size=(5, 9, 6)).astype(np.float32)),
                           dynamic_axes={"input": {0: "batch", 1: "time"}})
    ops = [node.op_type for node in proto.graph.node]
    assert ops.count(kind) == 4  # 2 layers x 2 directions, one ONNX node each
    assert {a.s for n in proto.graph.node if n.op_type == kind for a in n.attribute if a.name == "direction"} == \
        {b"forward", b"reverse"}


def test_recurrent_layer_returns_its_sequence_and_states(tmp_path, rng):
    """A bare nn.LSTM: the output sequence and both final states come out."""
    lm.manual_seed(2)
    model = nn.LSTM(3, 4)
    x = lm.tensor(rng.normal(size=(5, 2, 3)).astype(np.float32))
    proto = lonnx.export(model, x, tmp_path / "lstm.onnx", output_names=["y", "h_n", "c_n"])
    model.eval()
    with lm.no_grad():
        y, (h_n, c_n) = model(x)
    for got, want in zip(run_onnx(proto, x.numpy()), (y, h_n, c_n)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_a_function_of_tensors_exports_and_the_fused_relu_max_pool_is_converted(tmp_path, rng):
    weight = lm.tensor(rng.normal(size=(4, 2, 3, 3)).astype(np.float32))

    def net(x):
        y = F.relu_max_pool2d(F.conv2d(x, weight, padding=1), 2)
        return F.softmax(F.gelu(y.reshape(y.shape[0], -1)) * 2.0, dim=1)

    x = lm.tensor(rng.normal(size=(3, 2, 6, 6)).astype(np.float32))
    proto = assert_exports(net, x, tmp_path)
    assert "MaxPool" in [node.op_type for node in proto.graph.node]


class TinyUNet(nn.Module):
    """Down (max pooling), up (transposed convolution) and a skip concatenation: even sizes only."""

    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.bottom = nn.Conv2d(4, 8, 3, padding=1)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.out = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        skip = self.down(x)
        return self.out(lm.cat([skip, self.up(self.bottom(self.pool(skip)).relu())], 1))


def test_image_sizes_can_be_dynamic_for_a_fully_convolutional_model(tmp_path, rng):
    """One pixel more breaks the skip connection: the second trace doubles the sizes instead."""
    x = lm.tensor(rng.normal(size=(1, 1, 8, 8)).astype(np.float32))
    bigger = lm.tensor(rng.normal(size=(3, 1, 12, 16)).astype(np.float32))
    proto = assert_exports(TinyUNet(), x, tmp_path, run_with=bigger,
                           dynamic_axes={"input": {0: "n", 2: "h", 3: "w"}})
    dims = [d.dim_param for d in proto.graph.output[0].type.tensor_type.shape.dim]
    assert dims == ["n", "", "h", "w"]


def test_global_average_pooling_takes_any_image_size_and_fixed_windows_are_refused(tmp_path, rng):
    classifier = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                               nn.Linear(4, 2))
    x = lm.tensor(rng.normal(size=(1, 3, 8, 8)).astype(np.float32))
    dynamic = {"input": {0: "n", 2: "h", 3: "w"}}
    other_size = lm.tensor(rng.normal(size=(2, 3, 5, 7)).astype(np.float32))
    proto = assert_exports(classifier, x, tmp_path, run_with=other_size, dynamic_axes=dynamic)
    assert "GlobalAveragePool" in [node.op_type for node in proto.graph.node]
    with pytest.raises(ExportError, match="window changes with the size of the dynamic axes"):
        lonnx.export(nn.AvgPool2d(2, ceil_mode=True), x, io.BytesIO(), dynamic_axes=dynamic)


def test_a_slice_computed_from_a_dynamic_size_is_refused():
    def all_but_last(x):
        return x[:, : x.shape[1] - 1] * 2

    with pytest.raises(ExportError, match="changes with the size of the dynamic axes"):
        lonnx.export(all_but_last, lm.randn(2, 6), io.BytesIO(), dynamic_axes={"input": {1: "width"}})


@pytest.mark.parametrize("opset", [17, 20])
def test_layer_norm_and_gelu_in_a_transformer_feed_forward_block(opset, tmp_path, rng):
    """GELU is written out with Erf before opset 20 and is the Gelu node from it."""
    block = nn.Sequential(nn.Linear(6, 12), nn.GELU(), nn.Linear(12, 6), nn.LayerNorm(6))
    x = lm.tensor(rng.normal(size=(2, 4, 6)).astype(np.float32))
    proto = assert_exports(block, x, tmp_path, run_with=lm.tensor(rng.normal(size=(3, 7, 6)).astype(np.float32)),
                           dynamic_axes={"input": {0: "batch", 1: "tokens"}}, opset_version=opset)
    ops = {node.op_type for node in proto.graph.node}
    assert "LayerNormalization" in ops and ("Gelu" in ops) == (opset >= 20)


def test_padding_slicing_stacking_and_elementwise_ops(tmp_path, rng):
    index = lm.tensor([2, 0])

    def shapes(x):
        padded = F.pad(x, (1, 2), value=0.5).clamp(-0.5, 0.7)
        picked = lm.stack([padded, padded * 2], 1).index_select(2, index)
        total = x[:, :1].expand(x.shape[0], 3, 4).sum((1, 2)).reshape(-1, 1, 1, 1)
        return picked + total + x[:, :2].unsqueeze(1).sum(-1, keepdim=True).sigmoid().exp().abs().sqrt().log()

    x = lm.tensor(rng.normal(size=(2, 3, 4)).astype(np.float32))
    assert_exports(shapes, x, tmp_path, run_with=lm.tensor(rng.normal(size=(5, 3, 4)).astype(np.float32)),
                   dynamic_axes={"input": {0: "batch"}})


def test_three_dimensional_and_one_dimensional_layers(tmp_path, rng):
    volumes = nn.Sequential(nn.Conv3d(2, 3, 3, padding=1), nn.MaxPool3d(2), nn.AvgPool3d(2),
                            nn.ConvTranspose3d(3, 2, 2, stride=2))
    assert_exports(volumes, lm.tensor(rng.normal(size=(1, 2, 8, 8, 8)).astype(np.float32)), tmp_path)
    signals = nn.Sequential(nn.ConvTranspose1d(2, 3, 3, stride=2), nn.ReLU6(), nn.Hardswish(), nn.Softplus(beta=2),
                            nn.MaxPool1d(2), nn.AvgPool1d(2), nn.Flatten(), nn.Hardsigmoid(), nn.SiLU(), nn.Mish())
    for opset in (13, 14):  # HardSwish is an ONNX op from opset 14
        assert_exports(signals, lm.tensor(rng.normal(size=(2, 2, 9)).astype(np.float32)), tmp_path,
                       opset_version=opset)


# ---- the file ---------------------------------------------------------------------------------------------------
def test_names_initializers_and_dynamic_dimensions(tmp_path, rng):
    model = BatchNormCNN()
    x = lm.tensor(rng.normal(size=(2, 3, 16, 16)).astype(np.float32))
    proto = lonnx.export(model, x, tmp_path / "cnn.onnx", input_names=["image"], output_names=["logits"],
                         dynamic_axes={"image": {0: "n"}, "logits": [0]})
    assert [i.name for i in proto.graph.input] == ["image"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "n"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param  # named, not fixed
    names = {init.name for init in proto.graph.initializer}
    assert {"features.0.weight", "features.1.running_mean", "features.1.running_var", "fc.weight"} <= names
    assert model.training  # put back in training mode after the export
    assert run_onnx(proto, rng.normal(size=(7, 3, 16, 16)))[0].shape == (7, 5)


def test_several_inputs_get_default_names_in_order(tmp_path, rng):
    fc = nn.Linear(3, 3)

    def gated(a, b):
        return fc(a) * b.sigmoid() + b

    a, b = (lm.tensor(rng.normal(size=(2, 3)).astype(np.float32)) for _ in range(2))
    proto = lonnx.export(gated, (a, b), tmp_path / "gated.onnx", dynamic_axes={"input_0": [0], "input_1": [0]})
    assert [i.name for i in proto.graph.input] == ["input_0", "input_1"]
    a5, b5 = rng.normal(size=(2, 5, 3)).astype(np.float32)
    with lm.no_grad():
        expected = gated(lm.tensor(a5), lm.tensor(b5)).numpy()
    np.testing.assert_allclose(run_onnx(proto, a5, b5)[0], expected, rtol=1e-5, atol=1e-6)


def test_integer_inputs_are_refused():
    with pytest.raises(ExportError, match="input 0 has dtype int64: only floating-point inputs"):
        lonnx.export(nn.Embedding(10, 3), lm.tensor([[1, 2]]), io.BytesIO())


def test_without_dynamic_axes_the_shapes_are_fixed(tmp_path, rng):
    proto = lonnx.export(mlp(), lm.randn(2, 8), tmp_path / "mlp.onnx")
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 8]


def test_writes_into_a_binary_file_object_and_honours_the_opset(rng):
    buffer = io.BytesIO()
    model = mlp()
    x = lm.tensor(rng.normal(size=(2, 8)).astype(np.float32))
    lonnx.export(model, x, buffer, opset_version=13)
    proto = onnx.load_from_string(buffer.getvalue())
    assert proto.opset_import[0].version == 13
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], lamina_output(model, x), rtol=1e-4, atol=1e-5)
    assert lonnx.export(model, x, io.BytesIO()).opset_import[0].version == lonnx.DEFAULT_OPSET


def test_torch_style_call_with_its_usual_keywords(tmp_path, capsys, rng):
    model = mlp()
    x = lm.tensor(rng.normal(size=(2, 8)).astype(np.float32))
    lonnx.export(model, x, str(tmp_path / "mlp.onnx"), export_params=True, opset_version=14, do_constant_folding=True,
                 input_names=["features"], output_names=["log_probs"], verbose=True,
                 dynamic_axes={"features": {0: "batch_size"}, "log_probs": {0: "batch_size"}})
    assert "Gemm" in capsys.readouterr().out
    proto = onnx.load(tmp_path / "mlp.onnx")
    np.testing.assert_allclose(run_onnx(proto, x.numpy())[0], lamina_output(model, x), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="export_params=False"):
        lonnx.export(model, x, io.BytesIO(), export_params=False)


@pytest.mark.parametrize("opset", [lonnx.MIN_OPSET - 1, lonnx.MAX_OPSET + 1])
def test_an_opset_out_of_range_is_refused(opset):
    with pytest.raises(ValueError, match=f"opset_version must be from {lonnx.MIN_OPSET} to {lonnx.MAX_OPSET}"):
        lonnx.export(mlp(), lm.randn(2, 8), io.BytesIO(), opset_version=opset)


# ---- errors -----------------------------------------------------------------------------------------------------
def test_an_unsupported_op_names_the_op_and_the_layer(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), CumsumHead()))
    path = tmp_path / "never.onnx"
    with pytest.raises(ExportError, match=r'cumsum .*layer "1\.1" \(CumsumHead\)'):
        lonnx.export(model, lm.randn(2, 4), path)
    assert not path.exists()


def test_dropout_in_training_mode_is_refused():
    def train_time_dropout(x):
        return F.dropout(x, 0.5, training=True)

    with pytest.raises(ExportError, match="dropout in training mode"):
        lonnx.export(train_time_dropout, lm.randn(2, 4), io.BytesIO())


def test_unknown_dynamic_axes_names_are_refused():
    with pytest.raises(ValueError, match="dynamic_axes names \\['x'\\]"):
        lonnx.export(mlp(), lm.randn(2, 8), io.BytesIO(), dynamic_axes={"x": [0]})


def test_a_constant_sized_by_the_batch_follows_it_and_a_random_one_is_refused(tmp_path, rng):
    class ZerosState(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x) + lm.ones(x.shape[0], 3) * 0.5

    x = lm.tensor(rng.normal(size=(2, 4)).astype(np.float32))
    proto = assert_exports(ZerosState(), x, tmp_path, run_with=lm.tensor(rng.normal(size=(6, 4)).astype(np.float32)),
                           dynamic_axes=BATCH)
    assert "ConstantOfShape" in [node.op_type for node in proto.graph.node]

    def noisy(x):
        return x + lm.randn(*x.shape)

    with pytest.raises(ExportError, match=r"constant of shape \(2, 4\) used by add .* not one value repeated"):
        lonnx.export(noisy, x, io.BytesIO(), dynamic_axes=BATCH)


def test_a_mean_over_a_dynamic_axis_follows_its_length(tmp_path, rng):
    """mean = sum * (1 / count): the count changes with the sequence length, so the file holds ReduceMean."""
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())

    def pooled(x):
        return model(x).mean(1)

    x = lm.tensor(rng.normal(size=(2, 5, 3)).astype(np.float32))
    for opset in (17, 18):
        proto = assert_exports(pooled, x, tmp_path, run_with=lm.tensor(rng.normal(size=(4, 9, 3)).astype(np.float32)),
                               dynamic_axes={"input": {0: "batch", 1: "time"}}, opset_version=opset)
        assert "ReduceMean" in [node.op_type for node in proto.graph.node]

    def scaled_by_length(x):
        return x * (1.0 / x.shape[1] ** 2)

    with pytest.raises(ExportError, match="has other values when the dynamic axes have other sizes"):
        lonnx.export(scaled_by_length, x, io.BytesIO(), dynamic_axes={"input": {1: "time"}})
