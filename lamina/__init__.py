"""Lamina: deep learning from first principles on NumPy.

    import lamina as lm
    x = lm.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == 2 x

The package is built in layers, each importing only from the layers below it (``tests/test_layers.py``
checks every import):

    core      backend, random, device (cuda, accelerator, backends), kernels, autograd, tensor
    ops       ops, functional, creation, gradcheck, io, io_safetensors
    nn        nn
    training  optim, data, datasets
    models    train, models, distributed, utils, onnx
    tools     explain, viz, interpret, adversarial, playground   (this file, the public API, sits above them)
    apps      course, cli                       (user programs of the library: they import lamina)
"""
from . import backend
from .backend import xp
from .random import Generator, get_rng_state, manual_seed, seed, set_rng_state
from . import accelerator, backends, cuda
from .device import device, get_default_device, set_default_device
from . import autograd
from .autograd import enable_grad, grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Size, Tensor
from . import functional, ops
from .ops import *  # noqa: F401,F403  (lm.exp, lm.matmul, lm.cat, ... as in torch)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, logspace,
                       normal, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                       scalar_tensor, tensor, tril_indices, triu_indices, uniform, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
autograd.gradcheck, autograd.gradgradcheck = gradcheck, gradgradcheck  # also at PyTorch's torch.autograd.gradcheck
from .io import load, save
from . import nn, optim, data, datasets, train, models
from .train import Model
from . import distributed, onnx, utils
from . import adversarial, explain, interpret, viz

from .dtypes import dtype, float16, float32, float64, int8, int16, int32, int64, uint8, bool_
# PyTorch's other names for the same dtypes (torch.bool, torch.long, torch.half, ...)
bool, long, int, short = bool_, int64, int32, int16  # noqa: A001 - PyTorch's names
float, double, half = float32, float64, float16  # noqa: A001

__version__ = "0.1.0"

backend.retain_freed_memory()  # a training step reuses its freed arrays instead of page-faulting on new ones
