"""lamina/adversarial/attacks.py: FGSM against the formula computed by PyTorch on the same weights, PGD's ball,
range, loss and determinism, targeted attacks, fooling images, and a model left exactly as it was."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.adversarial import fgsm, fooling_images, pgd


def lamina_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 4 * 4, 10))


def torch_twin(model):
    twin = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Dropout(0.5),
                               torch.nn.Linear(4 * 4 * 4, 10)).double()
    twin.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in model.state_dict().items()})
    return twin.eval()


@pytest.fixture(scope="module")
def digits_model():
    """A small CNN trained for a few seconds on scikit-learn's 8x8 digits (in [0, 1]): about 90 % accurate."""
    lm.manual_seed(0)
    x, y = lm.datasets.digits(as_images=True)
    model = lm.Model(lamina_net())
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=1e-2), loss="cross_entropy", metrics=["accuracy"])
    model.fit(x[:1500], y[:1500], epochs=8, batch_size=50, verbose=0, generator=lm.Generator(0))
    model.eval()
    return model, x[1500:1600], y[1500:1600]


def loss_of(model, x, y):
    with model.evaluating():
        return float(F.cross_entropy(model(x), y).item())


@pytest.mark.parametrize("targeted", [False, True])
def test_fgsm_is_x_plus_eps_sign_of_the_input_gradient_as_pytorch_computes_it(targeted, rng):
    lm.manual_seed(1)
    model = lamina_net().double()
    model.train()                                             # fgsm must switch to eval mode itself
    model[1].running_mean.data[:] = rng.normal(size=4)        # batch norm with non-trivial statistics
    model[1].running_var.data[:] = rng.uniform(0.5, 2, size=4)
    x = rng.uniform(0, 1, size=(16, 1, 8, 8))
    y = rng.integers(0, 10, size=16)
    eps = 0.1

    ours = fgsm(model, lm.from_numpy(x), lm.from_numpy(y), eps=eps, targeted=targeted).numpy()

    twin, xt = torch_twin(model), torch.from_numpy(x).requires_grad_(True)
    torch.nn.functional.cross_entropy(twin(xt), torch.from_numpy(y)).backward()
    step = -eps if targeted else eps
    expected = torch.clamp(xt + step * xt.grad.sign(), 0, 1).detach().numpy()
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)
    assert np.abs(ours - x).max() == pytest.approx(eps) and ours.min() >= 0 and ours.max() <= 1


def test_fgsm_without_a_range_is_not_clipped(digits_model):
    model, x, y = digits_model
    moved = fgsm(model, x, y, eps=0.5, clip=None).numpy()
    assert moved.min() < 0 and moved.max() > 1
    np.testing.assert_allclose(np.abs(moved - x.numpy()).max(), 0.5, rtol=1e-6)


def test_pgd_stays_in_the_ball_and_the_data_range_and_beats_clean_and_fgsm(digits_model):
    model, x, y = digits_model
    eps = 0.15
    adversarial = pgd(model, x, y, eps=eps, alpha=0.03, steps=10, generator=lm.Generator(0))
    distance = np.abs(adversarial.numpy() - x.numpy())
    assert distance.max() <= eps + 1e-6 and distance.max() > eps * 0.9
    assert adversarial.numpy().min() >= 0 and adversarial.numpy().max() <= 1
    clean, one_step = loss_of(model, x, y), loss_of(model, fgsm(model, x, y, eps), y)
    assert loss_of(model, adversarial, y) > max(clean + 1.0, one_step)


def test_pgd_is_reproducible_with_a_generator_and_one_step_without_start_is_fgsm(digits_model):
    model, x, y = digits_model
    first = pgd(model, x, y, eps=0.1, alpha=0.02, steps=3, generator=lm.Generator(5)).numpy()
    again = pgd(model, x, y, eps=0.1, alpha=0.02, steps=3, generator=lm.Generator(5)).numpy()
    other = pgd(model, x, y, eps=0.1, alpha=0.02, steps=3, generator=lm.Generator(6)).numpy()
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 0
    np.testing.assert_array_equal(pgd(model, x, y, eps=0.1, alpha=0.1, steps=1, random_start=False).numpy(),
                                  fgsm(model, x, y, eps=0.1).numpy())
    np.testing.assert_array_equal(pgd(model, x, y, eps=0.1, alpha=0.1, steps=0, random_start=False).numpy(),
                                  x.numpy())


def test_targeted_attacks_move_the_prediction_to_the_target(digits_model):
    model, x, y = digits_model
    target = lm.from_numpy((y.numpy() + 1) % 10)

    def target_probability(images):
        with model.evaluating():
            return F.softmax(model(images), dim=1).numpy()[np.arange(len(y)), target.numpy()]

    before = target_probability(x)
    one_step = target_probability(fgsm(model, x, target, eps=0.05, targeted=True))
    many = pgd(model, x, target, eps=0.3, alpha=0.03, steps=20, targeted=True, generator=lm.Generator(0))
    assert one_step.mean() > before.mean() and (one_step > before).mean() > 0.8
    assert target_probability(many).mean() > 0.8
    with model.evaluating():
        assert (model(many).argmax(1).numpy() == target.numpy()).mean() > 0.9


def test_fooling_images_reach_the_confidence_from_noise(digits_model):
    model, _, _ = digits_model
    images, confidence = fooling_images(model, list(range(10)), (1, 8, 8), confidence=0.99, max_steps=300,
                                        generator=lm.Generator(0))
    assert images.shape == (10, 1, 8, 8) and confidence.shape == (10,)
    assert (confidence >= 0.99).all()
    with model.evaluating():
        probabilities = F.softmax(model(images), dim=1).numpy()
    np.testing.assert_allclose(probabilities[np.arange(10), np.arange(10)], confidence, rtol=1e-5)
    assert (probabilities.argmax(1) == np.arange(10)).all()
    assert images.numpy().min() >= 0 and images.numpy().max() <= 1
    assert not images.requires_grad


def test_fooling_images_report_the_confidence_reached_when_the_steps_run_out(digits_model):
    model, _, _ = digits_model
    start = np.full((2, 1, 8, 8), 0.5, dtype=np.float32)
    unmoved, confidence = fooling_images(model, [3, 7], (1, 8, 8), max_steps=0, start=start)
    np.testing.assert_array_equal(unmoved.numpy(), start)
    with model.evaluating():
        expected = F.softmax(model(lm.from_numpy(start)), dim=1).numpy()[[0, 1], [3, 7]]
    np.testing.assert_allclose(confidence, expected, rtol=1e-6)
    _, more = fooling_images(model, [3, 7], (1, 8, 8), max_steps=3, start=start, confidence=0.999999)
    assert (more > confidence).all()


def test_the_model_is_left_as_it_was(digits_model):
    model, x, y = digits_model
    model.train()
    model.module[1].eval()                                           # a mixed state, to be kept as it is
    frozen = model.module[0].bias
    frozen.requires_grad_(False)
    F.cross_entropy(model(x), y).backward()                          # gradients the user has not used yet
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    grads = {name: None if p.grad is None else p.grad.numpy().copy() for name, p in model.named_parameters()}
    buffers = {name: b.numpy().copy() for name, b in model.named_buffers()}
    flags = [m.training for m in model.modules()]

    results = [fgsm(model, x, y, 0.1), pgd(model, x, y, 0.1, 0.02, 3, generator=lm.Generator(0)),
               fooling_images(model, [1, 2], (1, 8, 8), max_steps=5)[0]]

    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[name])
        if grads[name] is None:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad.numpy(), grads[name])
        assert p.requires_grad == (p is not frozen)
    for name, b in model.named_buffers():
        np.testing.assert_array_equal(b.numpy(), buffers[name])          # batch norm ran in eval mode
    assert [m.training for m in model.modules()] == flags
    assert all(not r.requires_grad and r.grad_fn is None for r in results)
    frozen.requires_grad_(True)
    model.eval()


def test_attacks_work_under_no_grad_and_with_arrays(digits_model):
    model, x, y = digits_model
    with lm.no_grad():
        inside = fgsm(model, x, y, 0.1).numpy()
    np.testing.assert_array_equal(inside, fgsm(model, x.numpy(), y.numpy(), 0.1).numpy())


def test_bad_arguments_name_the_function_and_the_value(digits_model):
    model, x, y = digits_model
    with pytest.raises(ValueError, match="fgsm: eps must be >= 0, got -0.1"):
        fgsm(model, x, y, -0.1)
    with pytest.raises(ValueError, match=r"pgd: y must be 100 integer class labels .* shape \(3,\)"):
        pgd(model, x, y[:3], 0.1, 0.01, 2)
    with pytest.raises(ValueError, match="pgd: steps must be an integer >= 0, got -1"):
        pgd(model, x, y, 0.1, 0.01, -1)
    with pytest.raises(ValueError, match=r"fgsm: clip must be \(low, high\) with low < high, got \(1, 0\)"):
        fgsm(model, x, y, 0.1, clip=(1, 0))
    with pytest.raises(TypeError, match="fgsm: x must be a floating-point batch"):
        fgsm(model, y, y, 0.1)
    with pytest.raises(TypeError, match="model must be an nn.Module, got function"):
        fgsm(lambda t: t, x, y, 0.1)
    with pytest.raises(ValueError, match="fooling_images: confidence must be in"):
        fooling_images(model, 1, (1, 8, 8), confidence=1.5)
    with pytest.raises(ValueError, match=r"fooling_images: start must have shape \(1, 1, 8, 8\)"):
        fooling_images(model, 1, (1, 8, 8), start=np.zeros((2, 1, 8, 8), np.float32))
