"""nn.Sequential: ReLU after max pooling (the faster order) with the written order's values and
gradients, and the written order kept for hooks and on request."""
import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn


def _in_written_order(model, x):
    for layer in model:
        x = layer(x)
    return x


@pytest.mark.parametrize("pool", [nn.MaxPool2d(2), nn.MaxPool2d(3, stride=1, padding=1),
                                  nn.MaxPool2d(2, stride=2, ceil_mode=True)])
def test_sequential_fuses_relu_and_max_pooling_with_identical_values_and_gradients(pool):
    lm.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), pool, nn.Flatten())
    # small integers: many ties inside windows, many windows with no positive number, some zeros
    x = lm.tensor(np.random.default_rng(1).integers(-3, 2, size=(4, 2, 9, 9)), dtype=lm.float64, requires_grad=True)
    model.double()
    with lm.no_grad():
        for p in model.parameters():
            p.data = np.round(p.data * 4)
    weights = lm.tensor(np.random.default_rng(2).normal(size=model(x).shape))
    results = []
    for run in (model, lambda t: _in_written_order(model, t)):
        x.grad = None
        model.zero_grad()
        y = run(x)
        (y * weights).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), model[0].weight.grad.numpy(), model[0].bias.grad.numpy()))
    assert model(x)._ctx.inputs[0]._ctx.name == "relu_max_pool2d"  # the fused op ran
    fused, written = results
    assert (written[0] == 0).any() and (written[0] > 0).any()  # windows with and without a positive number
    for a, b in zip(fused, written):
        np.testing.assert_array_equal(a, b)


def test_sequential_runs_the_written_layers_for_hooks_and_on_request():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    x = lm.randn(1, 1, 6, 6)
    assert model(x)._ctx.name == "relu_max_pool2d"
    seen = []
    handle = model[1].register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    y = model(x)
    assert y._ctx.name == "max_pool2d" and y._ctx.inputs[0]._ctx.name == "relu"  # the order as written
    assert seen == [(1, 2, 4, 4)]  # the hook saw ReLU's own full-size output
    handle.remove()
    model.fuse_relu_max_pool = False
    y = model(x)
    assert y._ctx.name == "max_pool2d" and y._ctx.inputs[0]._ctx.name == "relu"


def test_relu_then_max_pool_with_indices_is_not_fused():
    """The fused op returns no indices: a MaxPool2d that must return them runs on its own."""
    x = lm.randn(1, 2, 4, 4)
    out, indices = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    expected, expected_indices = lm.functional.max_pool2d(lm.functional.relu(x), 2, return_indices=True)
    assert out.tolist() == expected.tolist() and indices.tolist() == expected_indices.tolist()
