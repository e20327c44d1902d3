"""Indexing (lamina/ops/indexing.py): getitem, index_select, gather and masked_fill, finite-difference
gradients (first and second order) and PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4)."""
import numpy as np
import pytest
import torch

import lamina as lm

# ---- finite differences ----------------------------------------------------------------------------
SHAPE_OPS = {
    "getitem_basic": lambda x: x[1, ::2, 1:3],
    "getitem_ellipsis": lambda x: x[..., None, 2], "getitem_repeated": lambda x: x[[0, 1, 1, 0], [2, 2, 0, 2]],
    "getitem_mask": lambda x: x[x.detach() > 0], "index_select": lambda x: x.index_select(1, lm.tensor([2, 0, 2])),
    "gather": lambda x: x.gather(2, lm.tensor(np.array([[[0, 3, 3]] * 3] * 2))),
    "masked_fill": lambda x: x.masked_fill(x.detach() > 0.5, 0.0),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_indexing_ops(name, r):
    assert lm.gradcheck(SHAPE_OPS[name], r(2, 3, 4))


def test_repeated_indices_accumulate(leaf):
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


SECOND_ORDER = {"getitem": lambda x: (x[[0, 0, 1]] ** 2)}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "getitem": (lambda x: x[1:, [0, 2, 2]], lambda x: x[1:, [0, 2, 2]], [(3, 4)], False),
    "index_select": (lambda x: x.index_select(0, lm.tensor([2, 0, 2])),
                     lambda x: x.index_select(0, torch.tensor([2, 0, 2])), [(3, 4)], False),
    "gather": (lambda x: x.gather(1, lm.tensor([[0, 0], [3, 1], [2, 2]])),
               lambda x: x.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])
