"""The pooling layers against torch.nn's: outputs, input gradients, indices, unpooling, constructor
arguments in torch's order, and ``Upsample``."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.nn import pooling as P

rng = np.random.default_rng(4)

LAYERS = [
    ("LPPool3d", dict(norm_type=2, kernel_size=(1, 2, 2)), (2, 3, 2, 4, 4)),
    ("MaxPool1d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 9)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 8)),
    ("MaxPool3d", dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=1, dilation=(2, 1, 1)), (2, 3, 5, 6, 5)),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", dict(kernel_size=2, stride=1, divisor_override=3), (2, 3, 5, 6)),
    ("AvgPool3d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 3, 5, 6, 5)),
    ("AdaptiveAvgPool1d", dict(output_size=4), (2, 3, 9)),
    ("AdaptiveAvgPool3d", dict(output_size=(2, 3, None)), (2, 3, 5, 6, 5)),
    ("AdaptiveMaxPool1d", dict(output_size=4), (2, 3, 9)),
    ("AdaptiveMaxPool2d", dict(output_size=(3, 4)), (2, 3, 7, 9)),
    ("AdaptiveMaxPool3d", dict(output_size=3), (2, 3, 5, 6, 5)),
    ("LPPool1d", dict(norm_type=2, kernel_size=3, stride=2), (2, 3, 9)),
    ("LPPool2d", dict(norm_type=3, kernel_size=2), (2, 3, 6, 6)),
    ("Upsample", dict(scale_factor=2, mode="trilinear", align_corners=True), (2, 3, 2, 3, 2)),
    ("Upsample", dict(size=(5, 7), mode="bicubic"), (2, 3, 3, 4)),
    ("UpsamplingNearest2d", dict(scale_factor=2), (2, 3, 3, 4)),
    ("UpsamplingBilinear2d", dict(size=(5, 7)), (2, 3, 3, 4)),
]


@pytest.mark.parametrize("name, kwargs, shape", LAYERS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_matches_torch(name, kwargs, shape):
    x = np.abs(rng.standard_normal(shape)) + 0.1
    layer, reference = getattr(P, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    xl, xt = lm.tensor(x, dtype=lm.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xl), reference(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(lm.from_numpy(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xl.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("pool, unpool, shape", [("MaxPool1d", "MaxUnpool1d", (2, 3, 8)),
                                                  ("MaxPool2d", "MaxUnpool2d", (2, 3, 5, 6)),
                                                  ("MaxPool3d", "MaxUnpool3d", (1, 2, 4, 5, 4))])
def test_max_pool_with_indices_and_unpool_as_torch(pool, unpool, shape):
    x = rng.standard_normal(shape)
    # positional arguments in torch's order: kernel_size, stride, padding, dilation, return_indices
    y, index = getattr(P, pool)(2, 2, 0, 1, True)(lm.from_numpy(x))
    yt, index_t = getattr(torch.nn, pool)(2, 2, 0, 1, True)(torch.tensor(x))
    np.testing.assert_array_equal(index.data, index_t.numpy())
    z = getattr(P, unpool)(2)(y, index, output_size=shape[2:])
    zt = getattr(torch.nn, unpool)(2)(yt, index_t, output_size=shape[2:])
    np.testing.assert_array_equal(z.data, zt.numpy())


def test_layers_have_torchs_defaults():
    assert P.MaxPool3d(2).stride == 2 and P.AvgPool3d(3, 1).stride == 1
    assert P.MaxUnpool2d(2).stride == torch.nn.MaxUnpool2d(2).stride == (2, 2)
    assert P.AdaptiveMaxPool2d(3).return_indices is False
