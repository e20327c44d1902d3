"""lamina/__init__.py, the public names: PyTorch code runs after changing the import, so the names it reaches
for (dtype aliases, ``torch.nn.functional``) exist and mean what they mean in torch."""
import importlib

import numpy as np
import pytest
import torch

import lamina as lm


@pytest.mark.parametrize("name", ["bool", "long", "int", "short", "float", "double", "half",
                                  "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8"])
def test_dtype_names_are_pytorchs(name):
    theirs = torch.zeros(2, dtype=getattr(torch, name))
    ours = lm.zeros(2, dtype=getattr(lm, name))
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.").replace("bool", "bool_"))


def test_nn_functional_is_importable_as_in_pytorch():
    F = importlib.import_module("lamina.nn.functional")
    x = lm.tensor([[-1.0, 2.0]])
    assert F.relu is lm.functional.relu and F.cross_entropy is lm.functional.cross_entropy
    assert F.relu(x).tolist() == [[0.0, 2.0]]


def test_creation_functions_are_exported_as_in_torch():
    import lamina.creation as creation
    public = {name for name in dir(creation) if not name.startswith("_") and callable(getattr(creation, name))
              and getattr(getattr(creation, name), "__module__", "") == "lamina.creation"}
    assert {name for name in public if hasattr(torch, name)} <= set(dir(lm))
    assert np.allclose(lm.logspace(0, 2, 3).numpy(), torch.logspace(0, 2, 3).numpy())


def test_inference_mode_is_exported_and_records_no_graph():
    x = lm.ones(2, requires_grad=True)
    with lm.inference_mode():
        y = x * 2
    assert not y.requires_grad and (x * 2).requires_grad
