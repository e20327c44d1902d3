"""Fixtures of the zoo tests: the PyTorch references of tests/models/torch_zoo.py (not a package: loaded by path)."""
import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def torch_zoo():
    """tests/models/torch_zoo.py as a module: torchvision's models in plain torch.nn, and the comparison helpers."""
    spec = importlib.util.spec_from_file_location("torch_zoo", Path(__file__).with_name("torch_zoo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
