"""matmul and linear (lamina/ops/linear.py): finite-difference gradients, batched and 1-D, second
derivatives, PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4), and the shape errors."""
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional


# ---- finite differences ----------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 2))])
def test_matmul_batched_and_1d(shapes, r):
    assert lm.gradcheck(lm.matmul, r(*shapes[0]), r(*shapes[1]))


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear(with_bias, x_shape, r):
    args = [r(*x_shape), r(4, 3)] + ([r(4)] if with_bias else [])
    assert lm.gradcheck(F.linear, *args)


SECOND_ORDER = {"matmul": lambda x: x @ x.T}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "matmul": (lm.matmul, torch.matmul, [(2, 3, 4), (4, 5)], False),
    "matmul_vec": (lm.matmul, torch.matmul, [(4,), (2, 4, 3)], False),
    "linear": (F.linear, TF.linear, [(6, 4), (3, 4), (3,)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


# ---- errors ------------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\).*3 != 4"):
        lm.ones(2, 3) @ lm.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul.*\(3,\)"):
        lm.ones(2, 2) @ lm.ones(3)
