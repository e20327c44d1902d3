"""Lamina: deep learning from first principles on NumPy.

    import lamina as lm
    x = lm.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == 2 x
"""
from .tensor import Tensor  # first: the ops need the class, and the class binds the ops
from . import functional, ops
from .autograd import enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import xp
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, normal, ones,
                       ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm, tensor, uniform,
                       zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F401,F403  (lm.exp, lm.matmul, lm.cat, ... as in torch)
from .random import Generator, get_rng_state, manual_seed, seed, set_rng_state
from . import autograd, data, datasets, nn, optim, train  # noqa: E402
from .train import Model  # noqa: E402
from . import explain, viz  # noqa: E402
from .io import load, save  # noqa: E402

float32, float64, float16 = xp.float32, xp.float64, xp.float16
int8, int16, int32, int64, uint8 = xp.int8, xp.int16, xp.int32, xp.int64, xp.uint8
bool_ = xp.bool_
long, float, double = int64, float32, float64

__version__ = "0.1.0"
