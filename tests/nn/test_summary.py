"""summary(): exact parameter counts of known Keras models, the table, FLOPs, and no side effects."""

import math

import pytest

import lamina as lm
from lamina import nn
from lamina.train import Model, summary


def dense_autoencoder():
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 784), nn.Sigmoid())


def deep_autoencoder():
    sizes = [784, 128, 64, 32, 64, 128, 784]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    layers[-1] = nn.Sigmoid()
    return nn.Sequential(*layers)


def test_dense_autoencoder_has_50992_parameters():
    result = summary(dense_autoencoder(), (784,), print_fn=None)
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (50_992, 50_992, 0)


def test_deep_autoencoder_has_222384_parameters():
    assert summary(deep_autoencoder(), (784,), print_fn=None).total_params == 222_384
    assert summary(deep_autoencoder(), 784, print_fn=None).total_params == 222_384  # an int is one dimension



def test_keras_mnist_convnet_has_34826_parameters_and_keras_shapes():
    convnet = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    result = summary(convnet, (1, 28, 28), print_fn=None, flops=True)
    assert result.total_params == 34_826
    shapes = [layer.output_shape for layer in result.layers]
    assert shapes == [(None, 32, 26, 26), (None, 32, 26, 26), (None, 32, 13, 13), (None, 64, 11, 11),
                      (None, 64, 11, 11), (None, 64, 5, 5), (None, 1600), (None, 1600), (None, 10)]
    assert [layer.params for layer in result.layers] == [320, 0, 0, 18_496, 0, 0, 0, 0, 16_010]
    assert result.layers[0].flops == 2 * (1 * 3 * 3) * 32 * 26 * 26   # multiply-adds x2
    assert result.layers[2].flops == 4 * 32 * 13 * 13                  # one per window element
    assert result.layers[7].flops == 0                                 # dropout is an identity in eval


def test_table_has_keras_columns_layer_names_and_output_shapes():
    lines = []
    result = summary(dense_autoencoder(), (784,), print_fn=lines.append)
    text = "\n".join(lines)
    assert text == result.text == str(result)
    for expected in ("Layer (type)", "Output Shape", "Param #", "0 (Linear)", "1 (ReLU)", "2 (Linear)",
                     "3 (Sigmoid)", "(None, 32)", "(None, 784)", "25,120", "25,872", "Total params: 50,992",
                     "Trainable params: 50,992", "Non-trainable params: 0"):
        assert expected in text, expected
    assert "FLOPs" not in text
    assert len(lines) == len(text.splitlines())  # print_fn receives one line per call


def test_summary_prints_with_print(capsys):
    summary(nn.Sequential(nn.Linear(3, 2)), (3,))
    assert "Total params: 8" in capsys.readouterr().out


def test_frozen_parameters_are_non_trainable_and_buffers_are_not_parameters():
    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(10, 4)
            self.head = nn.Linear(4, 2)
            self.register_buffer("running_mean", lm.zeros(4))  # state, not a parameter

        def forward(self, x):
            return self.head(self.encoder(x) - self.running_mean)

    net = WithBuffer()
    net.encoder.requires_grad_(False)
    result = summary(net, (10,), print_fn=None)
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (54, 10, 44)
    assert [layer.name for layer in result.layers] == ["encoder", "head"]


def test_batchnorm_running_statistics_are_not_counted():
    result = summary(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)), (4,), print_fn=None)
    assert result.total_params == 15 + 6  # gamma and beta; running mean/var are buffers


def test_flops_of_a_dense_network():
    result = summary(dense_autoencoder(), (784,), print_fn=None, flops=True)
    per_layer = [2 * 784 * 32, 32, 2 * 32 * 784, 784]
    assert [layer.flops for layer in result.layers] == per_layer
    assert result.total_flops == sum(per_layer)
    assert "FLOPs" in result.text and f"{sum(per_layer):,}" in result.text


def test_a_layer_called_twice_shows_its_parameters_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = nn.Linear(5, 5)

        def forward(self, x):
            return self.shared(self.shared(x))

    result = summary(Twice(), (5,), print_fn=None)
    assert [layer.params for layer in result.layers] == [30, 0]
    assert result.total_params == 30


def test_a_container_with_its_own_parameters_gets_a_row():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.scale = nn.Parameter(lm.ones(2))

        def forward(self, x):
            return self.fc(x) * self.scale

    result = summary(Scaled(), (3,), print_fn=None)
    assert [(layer.name, layer.params) for layer in result.layers] == [("fc", 8), ("Scaled", 2)]
    assert result.total_params == 10


def test_summary_restores_modes_and_removes_hooks():
    net = deep_autoencoder()
    net.train()
    net[0].eval()
    summary(net, (784,), print_fn=None)
    assert net.training and not net[0].training and net[1].training
    assert all(len(m._forward_hooks) == 0 for m in net.modules())
    assert all(p.grad is None for p in net.parameters())


def test_several_inputs_and_model_summary():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 4), nn.Linear(2, 4)

        def forward(self, x, z):
            return self.a(x) + self.b(z)

    assert summary(Pair(), [(3,), (2,)], print_fn=None).total_params == 16 + 12
    model = Model(dense_autoencoder())
    result = model.summary((784,), print_fn=None)
    assert result.total_params == 50_992 and result.layers[0].name == "0"  # no "module." prefix


def test_a_new_layer_reports_its_own_flops_without_any_edit_to_summary():
    class Squash(nn.Module):
        """x / (1 + |x|): three operations per element."""

        def forward(self, x):
            return x / (1 + x.abs())

        def flops(self, input_shape, output_shape):
            return 3 * math.prod(output_shape)

    result = summary(nn.Sequential(nn.Linear(4, 5), Squash(), nn.Tanh()), (4,), print_fn=None, flops=True)
    assert [layer.flops for layer in result.layers] == [2 * 4 * 5, 3 * 5, 5]  # Tanh: the elementwise default


# ---- multiply-adds (MACs): the count model zoos publish as "FLOPs" ----------------------------------
def test_macs_count_the_multiply_adds_of_convolutions_and_linear_layers_only():
    convnet = nn.Sequential(nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(32 * 13 * 13, 10))
    macs = summary(convnet, (1, 28, 28), print_fn=None, flops="macs")
    flops = summary(convnet, (1, 28, 28), print_fn=None, flops=True)
    conv, linear = (1 * 3 * 3) * 32 * 26 * 26, 32 * 13 * 13 * 10       # one per weight per output position
    assert [layer.flops for layer in macs.layers] == [conv, 0, 0, 0, 0, linear]
    assert macs.total_flops == macs.total_macs == conv + linear and macs.counts == "macs"
    assert flops.layers[0].flops == 2 * conv and flops.layers[5].flops == 2 * linear
    assert flops.total_flops > 2 * macs.total_macs                    # BN, ReLU and pooling count in FLOPs only
    assert flops.counts == "flops" and flops.total_macs is None
    assert summary(convnet, (1, 28, 28), print_fn=None, flops="flops").total_flops == flops.total_flops


def test_the_cost_column_and_total_say_what_they_count():
    macs = summary(dense_autoencoder(), (784,), print_fn=None, flops="macs").text
    assert "MACs (mult-adds)" in macs and "FLOPs" not in macs
    assert "Total MACs: 50,176 per sample (0.00 G multiply-adds of the convolutions and Linear layers)" in macs
    flops = summary(dense_autoencoder(), (784,), print_fn=None, flops=True).text
    assert "FLOPs (mult-add = 2)" in flops and "a multiply-add counts 2" in flops and "MACs" not in flops


def test_a_layer_may_count_its_own_macs():
    class Scale(nn.Module):
        def forward(self, x):
            return x * 3.0

        def macs(self, input_shape, output_shape):
            return 7

    result = summary(nn.Sequential(nn.Linear(4, 5), Scale()), (4,), print_fn=None, flops="macs")
    assert [layer.flops for layer in result.layers] == [4 * 5, 7]
    deconv = summary(nn.ConvTranspose2d(3, 2, 3), (3, 4, 4), print_fn=None, flops="macs")
    assert deconv.total_macs == 3 * 4 * 4 * 2 * 9                      # each input element times each kernel weight


def test_a_bad_flops_argument_is_a_clear_error():
    for bad in ("gflops", 2, None):
        with pytest.raises(ValueError, match="summary: flops must be False, True, 'flops' or 'macs'"):
            summary(dense_autoencoder(), (784,), print_fn=None, flops=bad)


def test_torchvisions_published_gflops_are_multiply_adds():
    """torchvision's model table: ResNet-18 1.81, AlexNet 0.71, VGG-16 15.47 "GFLOPS" at 224x224, which are
    multiply-adds of the convolutions and Linear layers (rounded to two decimals); FLOPs are about twice that."""
    from lamina.models import alexnet, resnet18, vgg16

    for model, published in ((resnet18(), 1.81), (alexnet(), 0.71), (vgg16(init_weights=False), 15.47)):
        result = summary(model, (3, 224, 224), print_fn=None, flops="macs")
        assert round(result.total_macs / 1e9, 2) == published, type(model).__name__
        assert f"({published:.2f} G multiply-adds" in result.text
