"""lamina/adversarial/training.py: the batch turned adversarial (FGSM with a random start, PGD), the fit
callback with its eps ramp, a plain loop, and models that come out more robust than normally trained ones."""
import numpy as np
import pytest

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.adversarial import AdversarialTraining, adversarial_batch, fgsm, pgd
from lamina.train import Callback

EPS = 0.15


def small_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


@pytest.fixture(scope="module")
def digits():
    x, y = lm.datasets.digits(as_images=True)
    return x[:1400], y[:1400], x[1400:], y[1400:]


def fgsm_accuracy(model, x, y, eps=EPS):
    attacked = fgsm(model, x, y, eps)
    with model.evaluating():
        return float((model(attacked).argmax(1).numpy() == y.numpy()).mean())


def clean_accuracy(model, x, y):
    with model.evaluating():
        return float((model(x).argmax(1).numpy() == y.numpy()).mean())


def fitted(x, y, callbacks=(), epochs=6, seed=0):
    lm.manual_seed(seed)
    model = lm.Model(small_net())
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=1e-2), loss="cross_entropy")
    model.fit(x, y, epochs=epochs, batch_size=50, verbose=0, generator=lm.Generator(seed), callbacks=list(callbacks))
    return model


def test_fgsm_training_batch_is_one_step_of_1_25_eps_from_a_random_start(digits):
    x, y, _, _ = digits
    lm.manual_seed(0)
    model = small_net()
    batch = adversarial_batch(model, x[:64], y[:64], eps=0.1, generator=lm.Generator(3))
    expected = pgd(model, x[:64], y[:64], eps=0.1, alpha=0.125, steps=1, random_start=True, generator=lm.Generator(3))
    np.testing.assert_array_equal(batch.numpy(), expected.numpy())
    distance = np.abs(batch.numpy() - x[:64].numpy())
    assert distance.max() <= 0.1 + 1e-6 and batch.numpy().min() >= 0 and batch.numpy().max() <= 1
    assert (distance > 0.09).mean() > 0.3        # the 1.25 eps step mostly lands on the ball's surface


def test_pgd_training_batch_takes_steps_of_2_5_eps_over_steps(digits):
    x, y, _, _ = digits
    lm.manual_seed(0)
    model = small_net()
    batch = adversarial_batch(model, x[:32], y[:32], eps=0.1, method="pgd", steps=4, generator=lm.Generator(1))
    expected = pgd(model, x[:32], y[:32], eps=0.1, alpha=0.0625, steps=4, generator=lm.Generator(1))
    np.testing.assert_array_equal(batch.numpy(), expected.numpy())


def test_fit_with_the_callback_trains_on_attacked_batches_with_the_eps_ramp(digits):
    x, y, _, _ = digits

    class Record(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(adversary.current_eps)

    seen = []
    adversary = AdversarialTraining(eps=EPS, ramp_epochs=2, generator=lm.Generator(0))
    model = fitted(x, y, [adversary, Record()], epochs=3)
    steps = 28                                                  # 1400 samples in batches of 50
    assert len(seen) == 3 * steps
    np.testing.assert_allclose(seen[:2 * steps], EPS * np.arange(1, 2 * steps + 1) / (2 * steps))
    assert seen[2 * steps:] == [EPS] * steps
    assert model.batch_hook is None                            # fit is over: the hook is gone


def test_without_eps_the_callback_changes_nothing_and_with_it_the_weights_differ(digits):
    x, y, _, _ = digits
    plain = fitted(x, y, epochs=1)
    zero = fitted(x, y, [AdversarialTraining(eps=0.0, generator=lm.Generator(0))], epochs=1)
    attacked = fitted(x, y, [AdversarialTraining(eps=EPS, generator=lm.Generator(0))], epochs=1)
    for a, b, c in zip(plain.parameters(), zero.parameters(), attacked.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert np.abs(a.detach().numpy() - c.detach().numpy()).max() > 1e-4


def test_adversarial_training_in_fit_and_in_a_loop_makes_the_model_robust(digits):
    x, y, x_test, y_test = digits
    standard = fitted(x, y)
    in_fit = fitted(x, y, [AdversarialTraining(eps=EPS, generator=lm.Generator(0))])

    lm.manual_seed(0)
    in_loop = small_net()
    optimizer = lm.optim.Adam(in_loop.parameters(), lr=1e-2)
    adversary = AdversarialTraining(eps=EPS, method="pgd", steps=3, generator=lm.Generator(0))
    order = np.random.default_rng(0)
    for _ in range(6):
        for batch in np.array_split(order.permutation(len(x)), 28):
            xb, yb = x[lm.from_numpy(batch)], y[lm.from_numpy(batch)]
            loss = F.cross_entropy(in_loop(adversary.perturb(in_loop, xb, yb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    baseline = fgsm_accuracy(standard, x_test, y_test)
    assert clean_accuracy(standard, x_test, y_test) > 0.85 and baseline < 0.3
    for model in (in_fit, in_loop):
        assert clean_accuracy(model, x_test, y_test) > 0.7
        assert fgsm_accuracy(model, x_test, y_test) > baseline + 0.2


def test_batch_hook_is_restored_and_arguments_are_checked():
    model = lm.Model(small_net())
    sentinel = lambda m, x, y: (x, y)
    model.batch_hook = sentinel
    model.compile(optimizer="sgd", loss="cross_entropy")
    adversary = AdversarialTraining(eps=0.1)
    model.fit(np.random.rand(10, 1, 8, 8).astype(np.float32), np.arange(10), epochs=1, verbose=0, callbacks=[adversary])
    assert model.batch_hook is sentinel
    with pytest.raises(ValueError, match="AdversarialTraining: method must be one of"):
        AdversarialTraining(eps=0.1, method="cw")
    with pytest.raises(ValueError, match="adversarial_batch: steps must be an integer >= 1 for method 'pgd', got 0"):
        adversarial_batch(model, np.zeros((1, 1, 8, 8), np.float32), [0], 0.1, method="pgd", steps=0)
    with pytest.raises(ValueError, match="AdversarialTraining: ramp_epochs must be >= 0, got -1"):
        AdversarialTraining(eps=0.1, ramp_epochs=-1)
