"""lamina.models.lenet: LeNet-5 with Table I's C3 connections, MaskedConv2d and the parameter counts."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F
from lamina import optim
from lamina.models import LeNet5, MaskedConv2d, c3_connection_mask, lenet5_parameter_count

# LeCun et al. 1998, Table I: rows are S2 maps 0..5, columns C3 maps 0..15.
TABLE_I = [
    "X...XXX..XXXX.XX",
    "XX...XXX..XXXX.X",
    "XXX...XXX..X.XXX",
    ".XXX..XXXX..X.XX",
    "..XXX..XXXX.XX.X",
    "...XXX..XXXX.XXX",
]


def test_c3_mask_is_table_i():
    expected = np.array([[c == "X" for c in row] for row in TABLE_I], dtype=np.float32).T  # (16, 6)
    np.testing.assert_array_equal(c3_connection_mask("lecun"), expected)
    assert c3_connection_mask("lecun").sum() == 60
    np.testing.assert_array_equal(c3_connection_mask("full"), np.ones((16, 6)))
    with pytest.raises(ValueError, match="c3_connections"):
        c3_connection_mask("sparse")


def test_lenet_parameter_counts():
    lecun = LeNet5("lecun")
    assert lecun.c3.num_free_parameters() == 60 * 25 + 16 == 1516
    counts = lecun.parameter_counts()
    assert counts == {"c1": 6 * 26, "c3": 1516, "c5": 120 * (400 + 1), "f6": 84 * 121, "output": 10 * 85}
    assert lecun.num_free_parameters() == 156 + 1516 + 48120 + 10164 + 850 == 60806
    assert lecun.num_parameters() == 61706  # stored: the masked weights are kept (at zero)
    full = LeNet5("full")
    assert full.parameter_counts()["c3"] == 16 * (6 * 25 + 1) == 2416
    assert full.num_free_parameters() == full.num_parameters() == 61706


def test_lenet_trainable_subsampling_gives_the_papers_60000():
    model = LeNet5("lecun", pooling="trainable")
    counts = model.parameter_counts()
    paper = {"c1": 156, "s2": 12, "c3": 1516, "s4": 32, "c5": 48120, "f6": 10164}
    assert {k: counts[k] for k in paper} == paper
    assert sum(paper.values()) == 60000


@pytest.mark.parametrize("c3,pooling", [("full", "avg"), ("lecun", "avg"), ("lecun", "max"), ("full", "trainable"),
                                        ("lecun", "trainable")])
def test_lenet_parameter_count_from_shapes(c3, pooling):
    assert lenet5_parameter_count(c3, pooling) == LeNet5(c3, pooling=pooling).num_free_parameters()


@pytest.mark.parametrize("activation,pooling", [("tanh", "avg"), ("relu", "max"), ("tanh", "trainable")])
def test_lenet_forward_shapes(activation, pooling):
    model = LeNet5("lecun", activation=activation, pooling=pooling)
    assert model(lm.randn(2, 1, 32, 32)).shape == (2, 10)
    mnist_model = LeNet5(input_size=28, num_classes=7)
    assert mnist_model(lm.randn(3, 1, 28, 28)).shape == (3, 7)


def test_lenet_bad_options():
    with pytest.raises(ValueError, match="activation"):
        LeNet5(activation="sigmoid")
    with pytest.raises(ValueError, match="pooling"):
        LeNet5(pooling="median")
    with pytest.raises(ValueError, match="input_size"):
        LeNet5(input_size=29)


def test_masked_c3_gets_zero_gradient_outside_the_table():
    lm.manual_seed(0)
    model = LeNet5("lecun")
    mask = c3_connection_mask("lecun")[:, :, None, None]
    assert np.all(model.c3.weight.data * (1 - mask) == 0)  # zeroed at construction
    loss = (model(lm.randn(4, 1, 32, 32)) ** 2).sum()
    loss.backward()
    grad = model.c3.weight.grad.data
    assert np.all(grad * (1 - mask) == 0)
    assert np.count_nonzero(np.abs(grad).sum(axis=(2, 3)) * mask[:, :, 0, 0]) == 60  # every kept kernel learns


def test_masked_weights_stay_zero_under_an_optimiser():
    lm.manual_seed(1)
    model = LeNet5("lecun", activation="relu", pooling="max")
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    x, y = lm.randn(8, 1, 32, 32), lm.tensor(np.arange(8) % 10)
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    mask = c3_connection_mask("lecun")[:, :, None, None]
    assert np.all(model.c3.weight.data * (1 - mask) == 0)


def test_masked_conv_equals_conv_with_masked_weight(rng):
    mask = (rng.random((4, 3)) > 0.5).astype(np.float32)
    layer = MaskedConv2d(3, 4, 3, mask)
    x = lm.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    weight = layer.weight.data.copy()
    weight[mask == 0] = 0
    expected = F.conv2d(x, lm.tensor(weight), layer.bias).data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-6, atol=1e-6)
    assert layer.num_free_parameters() == int(mask.sum()) * 9 + 4
    with pytest.raises(ValueError, match="mask must have shape"):
        MaskedConv2d(3, 4, 3, np.ones((3, 4)))


def test_masked_conv_matches_torch(rng):
    mask = c3_connection_mask("lecun")
    layer = MaskedConv2d(6, 16, 5, mask).double()
    x = rng.standard_normal((2, 6, 14, 14))
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(layer.weight.data, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt * torch.tensor(mask[:, :, None, None], dtype=torch.float64),
                                    torch.tensor(layer.bias.data))
    (yt ** 2).sum().backward()
    xl = lm.tensor(x, dtype=np.float64, requires_grad=True)
    y = layer(xl)
    (y ** 2).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(layer.weight.grad.data, wt.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(xl.grad.data, xt.grad.numpy(), atol=1e-9)


def test_lenet_summary_counts_stored_parameters():
    s = lm.train.summary(LeNet5("lecun"), (1, 32, 32), print_fn=None)
    assert s.total_params == 61706
