"""Random numbers: ``Generator`` objects and the default one behind ``manual_seed``.

Every random function takes ``generator=``; without one it draws from the default generator, so
``lm.manual_seed(n)`` makes a whole program reproducible.
"""
from __future__ import annotations

import numpy as np


class Generator:
    """A seeded source of random numbers (wraps NumPy's PCG64 ``np.random.Generator``)."""

    def __init__(self, seed: int | None = None):
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        self.initial_seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed))
        return self

    def get_state(self) -> dict:
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: every random op without ``generator=`` becomes reproducible."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    s = int(np.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(s)
    return s


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).numpy
