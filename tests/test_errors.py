"""lamina/errors.py: each exception type is the built-in type PyTorch raises in the same situation, so code
written for PyTorch catches Lamina's errors; checked on the situations themselves, torch beside Lamina."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.errors import ArgumentError, DimensionError, DtypeError


def raised(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def test_shape_errors_are_runtime_errors_as_in_pytorch():
    theirs = raised(lambda: torch.ones(2, 3) @ torch.ones(2, 3))
    ours = raised(lambda: lm.ones(2, 3) @ lm.ones(2, 3))
    assert type(theirs) is RuntimeError and isinstance(ours, ArgumentError)
    assert isinstance(ours, RuntimeError) and isinstance(ours, ValueError) and "matmul" in str(ours)


def test_dim_out_of_range_is_an_index_error_as_in_pytorch():
    theirs = raised(lambda: torch.ones(2, 3).sum(dim=2))
    ours = raised(lambda: lm.ones(2, 3).sum(dim=2))
    assert type(theirs) is IndexError and isinstance(ours, DimensionError) and isinstance(ours, IndexError)
    assert "dim 2 is out of range" in str(ours)


def test_dtype_errors_are_not_implemented_errors_as_in_pytorch():
    theirs = raised(lambda: torch.ones(2, 3, dtype=torch.int64).mean())
    ours = raised(lambda: lm.from_numpy(np.ones((2, 3), np.int64)).mean())
    assert isinstance(theirs, RuntimeError) and isinstance(ours, DtypeError)
    assert isinstance(ours, NotImplementedError) and isinstance(ours, RuntimeError) and isinstance(ours, TypeError)
    assert "mean" in str(ours) and "int64" in str(ours)
