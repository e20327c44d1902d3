"""lamina.interpret.visualization: gradient ascent on the input raises the class score, one step is the step
PyTorch computes for the same objective, the prior keeps the image in the data range, and the run is seeded."""
import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

import lamina as lm
from lamina import interpret, nn
from lamina.errors import ArgumentError
from lamina.interpret.visualization import gaussian_blur, total_variation


def lamina_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.3), nn.Flatten(), nn.Linear(4 * 5 * 5, 3))


@pytest.fixture(scope="module")
def model():
    lm.manual_seed(0)
    m = lamina_cnn()
    m.eval()
    return m


def test_the_class_score_rises_plain_and_with_a_prior(model):
    plain, plain_scores = interpret.class_visualization(model, [0, 1, 2], (1, 10, 10), steps=30, lr=5.0,
                                                        generator=lm.Generator(0))
    prior, prior_scores = interpret.class_visualization(model, [0, 1, 2], (1, 10, 10), steps=30, lr=5.0, prior=True,
                                                        generator=lm.Generator(0))
    for image, scores, rise in ((plain, plain_scores, 5.0), (prior, prior_scores, 0.05)):
        assert image.shape == (3, 1, 10, 10) and scores.shape == (31, 3)
        assert (scores[-1] > scores[0] + rise).all(), scores[[0, -1]]     # clipped to [0, 1], the prior rises less
    assert prior.numpy().min() >= 0.0 and prior.numpy().max() <= 1.0
    assert plain.numpy().min() < 0.0 or plain.numpy().max() > 1.0     # the plain ascent is not clipped


def test_it_is_seeded(model):
    run = lambda seed: interpret.class_visualization(model, 1, (1, 10, 10), steps=6, prior=True,
                                                     generator=lm.Generator(seed)).image.numpy()
    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_one_step_is_gradient_ascent_on_score_minus_penalties(model):
    """Without jitter or blur, one step is x1 = x0 + lr * d(S_c - l2 ||x||^2 - tv TV(x))/dx, x0 the documented
    start init_std * N(0, 1) from the generator; PyTorch computes the same gradient on the same weights."""
    lr, l2, tv, init_std = 0.3, 0.01, 0.2, 0.5
    result = interpret.class_visualization(model, [2, 0], (1, 10, 10), steps=1, lr=lr, l2=l2, tv=tv,
                                           init_std=init_std, generator=lm.Generator(9))
    x0 = (init_std * lm.Generator(9).numpy.standard_normal((2, 1, 10, 10))).astype(np.float32)
    tn = torch.nn
    theirs = tn.Sequential(tn.Conv2d(1, 4, 3, padding=1), tn.BatchNorm2d(4), tn.ReLU(), tn.MaxPool2d(2),
                           tn.Dropout(0.3), tn.Flatten(), tn.Linear(4 * 5 * 5, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    theirs.eval()
    x = torch.tensor(x0, requires_grad=True)
    out = theirs(x)
    tv_term = ((x[:, :, 1:] - x[:, :, :-1]) ** 2).sum() + ((x[..., 1:] - x[..., :-1]) ** 2).sum()
    (out[0, 2] + out[1, 0] - l2 * (x ** 2).sum() - tv * tv_term).backward()
    np.testing.assert_allclose(result.image.numpy(), x0 + lr * x.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.scores[0], [out[0, 2].item(), out[1, 0].item()], rtol=1e-5, atol=1e-6)


def test_the_model_is_left_as_it_was(model):
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with lm.no_grad():
        interpret.class_visualization(model, 0, (1, 10, 10), steps=3, prior=True, generator=lm.Generator(0))
    assert all(np.array_equal(v.numpy(), before[k]) for k, v in model.state_dict().items())
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
    assert not model.training and all(not m._forward_hooks for m in model.modules())


def test_total_variation_by_hand():
    x = lm.tensor(np.array([[[[0.0, 1.0], [3.0, 5.0]]]], np.float32))
    # vertical differences 3, 4; horizontal 1, 2: 9 + 16 + 1 + 4
    assert float(total_variation(x).item()) == 30.0


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_gaussian_blur_is_scipys(rng, sigma):
    images = rng.standard_normal((2, 3, 9, 11)).astype(np.float32)
    radius = int(np.ceil(3 * sigma))
    expected = gaussian_filter(images.astype(np.float64), (0, 0, sigma, sigma), mode="mirror", truncate=radius / sigma)
    np.testing.assert_allclose(gaussian_blur(images, sigma), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(gaussian_blur(images, 0.0), images)


def test_errors(model):
    with pytest.raises(ArgumentError, match="class_visualization: target .* out of range"):
        interpret.class_visualization(model, 7, (1, 10, 10), steps=1)
    with pytest.raises(ArgumentError, match="class_visualization: need steps >= 0"):
        interpret.class_visualization(model, [], (1, 10, 10), steps=1)
