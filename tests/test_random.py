"""lamina.random: manual_seed, Generator and the RNG state make every random function reproducible."""
import numpy as np

import lamina as lm


def test_manual_seed_makes_every_random_function_reproducible():
    def draw():
        return [lm.rand(3).numpy(), lm.randn(3).numpy(), lm.randint(0, 100, (3,)).numpy(), lm.randperm(5).numpy()]

    lm.manual_seed(123)
    first = draw()
    lm.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    g1, g2 = lm.Generator(7), lm.Generator(7)
    np.testing.assert_array_equal(lm.randn(4, generator=g1).numpy(), lm.randn(4, generator=g2).numpy())
    state = lm.get_rng_state()
    a = lm.rand(2).numpy()
    lm.set_rng_state(state)
    np.testing.assert_array_equal(a, lm.rand(2).numpy())
