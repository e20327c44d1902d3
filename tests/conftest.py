import os
from pathlib import Path

import numpy as np
import pytest

import lamina as lm

SHARED_DATA = Path(os.environ.get("LAMINA_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def leaf(array, requires_grad=True):
    """A float64 leaf tensor, the precision gradient checks run in."""
    return lm.tensor(np.asarray(array, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)
