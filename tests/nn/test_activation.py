"""Activation layers (and Dropout) accept PyTorch's inplace argument and leave their input intact."""
import numpy as np

import lamina as lm
import lamina.nn as nn


def test_pytorch_inplace_arguments_are_accepted_and_leave_the_input_intact():
    x = lm.tensor([[-1.0, 2.0, -3.0]])
    before = x.numpy().copy()
    for layer, expected in [(nn.ReLU(inplace=True), [0.0, 2.0, 0.0]),
                            (nn.LeakyReLU(0.1, inplace=True), [-0.1, 2.0, -0.3]),
                            (nn.Hardtanh(-1.0, 1.0, True), [-1.0, 1.0, -1.0]),
                            (nn.ELU(1.0, inplace=True), np.where(before[0] > 0, before[0], np.expm1(before[0]))),
                            (nn.Dropout(0.5, True).eval(), before[0])]:
        np.testing.assert_allclose(layer(x).numpy()[0], expected, rtol=1e-6)
        np.testing.assert_array_equal(x.numpy(), before)
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    assert nn.SELU(inplace=True).inplace
