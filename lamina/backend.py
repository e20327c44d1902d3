"""The array-library seam.

Every op reaches NumPy through the name ``xp`` defined here, so a GPU backend (CuPy, which mirrors
NumPy's API) can slot in later without touching the ops. Nothing else in Lamina imports NumPy to do
array math on tensor data.
"""
import numpy as np

xp = np

DEFAULT_FLOAT = np.dtype(np.float32)


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def to_numpy(array):
    """Host copy of an array of the active backend (identity for NumPy)."""
    return np.asarray(array)
