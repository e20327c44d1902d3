"""Shape ops (lamina/ops/shape.py): finite-difference gradients, PyTorch as the oracle (float64: atol
1e-6; float32: rtol 1e-4), and clear errors for bad shapes."""
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional

# ---- finite differences ----------------------------------------------------------------------------
SHAPE_OPS = {
    "reshape": lambda x: x.reshape(4, 6), "view_infer": lambda x: x.view(-1, 2), "flatten": lambda x: x.flatten(1),
    "transpose": lambda x: x.transpose(0, 2), "permute": lambda x: x.permute(2, 0, 1), "T": lambda x: x.T,
    "squeeze_unsqueeze": lambda x: x.unsqueeze(1).squeeze(1), "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "broadcast_to": lambda x: lm.broadcast_to(x, (3, 2, 3, 4)),
    "cat": lambda x: lm.cat([x, x * 2, x[:, :1]], dim=1), "stack": lambda x: lm.stack([x, x.exp()], dim=-1),
    "split": lambda x: x.split([1, 2], dim=1)[1], "chunk": lambda x: x.chunk(2, dim=2)[0],
    "pad": lambda x: F.pad(x, (1, 2, 0, 1)), "flip": lambda x: x.flip((0, 2)), "roll": lambda x: x.roll(1, 2),
    "roll_flat": lambda x: x.roll(3),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_indexing_ops(name, r):
    assert lm.gradcheck(SHAPE_OPS[name], r(2, 3, 4))


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "reshape": (lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3), [(3, 4)], False),
    "permute": (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), [(3, 4, 2)], False),
    "transpose": (lambda x: x.transpose(0, 1), lambda x: x.transpose(0, 1), [(3, 4)], False),
    "expand": (lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4), [(3, 1)], False),
    "cat": (lambda a, b: lm.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1), [(3, 4), (3, 2)], False),
    "stack": (lambda a, b: lm.stack([a, b], 2), lambda a, b: torch.stack([a, b], 2), [(3, 4), (3, 4)], False),
    "split": (lambda x: x.split(2, 1)[1], lambda x: x.split(2, 1)[1], [(3, 5)], False),
    "chunk": (lambda x: x.chunk(3, 1)[2], lambda x: x.chunk(3, 1)[2], [(3, 7)], False),
    "pad": (lambda x: F.pad(x, (1, 2, 3, 0)), lambda x: TF.pad(x, (1, 2, 3, 0)), [(2, 3, 4)], False),
    "flip": (lambda x: x.flip((0, 1)), lambda x: x.flip((0, 1)), [(3, 4)], False),
    "roll": (lambda x: x.roll(2, 1), lambda x: x.roll(2, 1), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


# ---- errors ------------------------------------------------------------------------------------------
def test_shape_op_errors_are_clear():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        lm.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\) and \(2, 4\) differ outside dim 0"):
        lm.cat([lm.ones(2, 3), lm.ones(2, 4)])
    with pytest.raises(ValueError, match="permute"):
        lm.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match="dim 3 is out of range"):
        lm.ones(2, 3).sum(3)
    with pytest.raises(ValueError, match=r"linear: input has 3 features.*weight expects 4"):
        F.linear(lm.ones(2, 3), lm.ones(5, 4))
