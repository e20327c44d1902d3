"""Forward values and gradients of the core ops against PyTorch on random inputs
(float64: atol 1e-6; float32: rtol 1e-4)."""
import zlib

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional

OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "add": (lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)], False),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [(2, 1, 3), (4, 1)], False),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [(3, 4), (3, 1)], False),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], True),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, [(3, 4), (3, 4)], True),
    "matmul": (lm.matmul, torch.matmul, [(2, 3, 4), (4, 5)], False),
    "matmul_vec": (lm.matmul, torch.matmul, [(4,), (2, 4, 3)], False),
    "linear": (F.linear, TF.linear, [(6, 4), (3, 4), (3,)], False),
    "exp": (lm.exp, torch.exp, [(3, 4)], False),
    "log": (lm.log, torch.log, [(3, 4)], True),
    "log1p": (lm.log1p, torch.log1p, [(3, 4)], True),
    "sqrt": (lm.sqrt, torch.sqrt, [(3, 4)], True),
    "abs": (lm.abs, torch.abs, [(3, 4)], False),
    "sin": (lm.sin, torch.sin, [(3, 4)], False),
    "cos": (lm.cos, torch.cos, [(3, 4)], False),
    "clamp": (lambda x: x.clamp(-0.3, 0.4), lambda x: x.clamp(-0.3, 0.4), [(5, 6)], False),
    "maximum": (lm.maximum, torch.maximum, [(3, 4), (4,)], False),
    "where": (lambda a, b: lm.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b), [(3, 4), (3, 4)], False),
    "sum": (lambda x: x.sum(1), lambda x: x.sum(1), [(3, 4, 2)], False),
    "mean": (lambda x: x.mean((0, 2), keepdim=True), lambda x: x.mean((0, 2), keepdim=True), [(3, 4, 2)], False),
    "max": (lambda x: x.max(1)[0], lambda x: x.max(1)[0], [(3, 4, 2)], False),
    "min": (lambda x: x.min(), lambda x: x.min(), [(3, 4)], False),
    "var": (lambda x: x.var(1), lambda x: x.var(1), [(3, 4)], False),
    "std": (lambda x: x.std(0, keepdim=True), lambda x: x.std(0, keepdim=True), [(3, 4)], False),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [(3, 4)], False),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [(3, 4)], False),
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
    "getitem": (lambda x: x[1:, [0, 2, 2]], lambda x: x[1:, [0, 2, 2]], [(3, 4)], False),
    "index_select": (lambda x: x.index_select(0, lm.tensor([2, 0, 2])),
                     lambda x: x.index_select(0, torch.tensor([2, 0, 2])), [(3, 4)], False),
    "gather": (lambda x: x.gather(1, lm.tensor([[0, 0], [3, 1], [2, 2]])),
               lambda x: x.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])), [(3, 4)], False),
    "sigmoid": (F.sigmoid, torch.sigmoid, [(3, 4)], False),
    "tanh": (F.tanh, torch.tanh, [(3, 4)], False),
    "relu": (F.relu, torch.relu, [(3, 4)], False),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [(3, 4)], False),
    "elu": (F.elu, TF.elu, [(3, 4)], False),
    "selu": (F.selu, TF.selu, [(3, 4)], False),
    "gelu": (F.gelu, TF.gelu, [(3, 4)], False),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), [(3, 4)], False),
    "softplus": (lambda x: F.softplus(x, 2.0, 1.0), lambda x: TF.softplus(x, 2.0, 1.0), [(3, 4)], False),
    "softsign": (F.softsign, TF.softsign, [(3, 4)], False),
    "hardtanh": (F.hardtanh, TF.hardtanh, [(3, 4)], False),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1), [(3, 4)], False),
    "log_softmax": (lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype):
    ours, theirs, shapes, positive = OPS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    lm_in = [lm.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    torch_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    lm_out, torch_out = ours(*lm_in), theirs(*torch_in)
    upstream = rng.standard_normal(tuple(torch_out.shape)).astype(dtype)
    lm_out.backward(lm.tensor(upstream, dtype=dtype))
    torch_out.backward(torch.tensor(upstream))
    tol = dict(atol=1e-6, rtol=1e-7) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    assert lm_out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(lm_out.detach().numpy(), torch_out.detach().numpy(), **tol)
    for a, b in zip(lm_in, torch_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


def test_argmax_argmin_match_pytorch(rng):
    x = rng.standard_normal((4, 5))
    assert lm.tensor(x).argmax(1).tolist() == torch.tensor(x).argmax(1).tolist()
    assert lm.tensor(x).argmin().item() == torch.tensor(x).argmin().item()
    values, indices = lm.tensor(x).max(dim=0)
    assert indices.tolist() == torch.tensor(x).max(dim=0).indices.tolist()
