"""Layers name themselves in their shape errors (nn.Linear, nn.Conv2d)."""
import pytest

import lamina as lm
import lamina.nn as nn


def test_layers_name_themselves_in_shape_errors():
    with pytest.raises(ValueError, match=r"Linear: expected input with 3 features.*\(2, 4\)"):
        nn.Linear(3, 1)(lm.ones(2, 4))
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape \(N, 3, \.\.\.\).*\(2, 1, 8, 8\)"):
        nn.Conv2d(3, 4, 3)(lm.ones(2, 1, 8, 8))
