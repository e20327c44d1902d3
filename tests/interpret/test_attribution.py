"""lamina.interpret.attribution against Captum: one small CNN (conv, batch norm, ReLU, pooling, dropout, linear)
built in Lamina and in PyTorch with the same weights and running statistics, in eval mode; each Lamina
attribution equals Captum's on the same inputs and targets."""
import numpy as np
import pytest
import torch
from captum.attr import (InputXGradient, IntegratedGradients, LayerAttribution, LayerGradCam, NoiseTunnel, Occlusion,
                         Saliency)

import lamina as lm
from lamina import interpret, nn
from lamina.errors import ArgumentError

# Captum's Saliency and InputXGradient say so when they set requires_grad on the input themselves
pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")
TOL = dict(rtol=1e-4, atol=1e-6)
TARGETS = [1, [0, 2, 1], lm.tensor(np.array([2, 2, 0]))]


def lamina_cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 5, 3, padding=1), nn.ReLU(), nn.Dropout(0.5), nn.Flatten(),
                         nn.Linear(5 * 4 * 4, 3))


def torch_cnn():
    tn = torch.nn
    return tn.Sequential(tn.Conv2d(2, 4, 3, padding=1), tn.BatchNorm2d(4), tn.ReLU(), tn.MaxPool2d(2),
                         tn.Conv2d(4, 5, 3, padding=1), tn.ReLU(), tn.Dropout(0.5), tn.Flatten(),
                         tn.Linear(5 * 4 * 4, 3))


@pytest.fixture(scope="module")
def models():
    """``(lamina_model, torch_model, x)``: the same weights and batch-norm statistics, both in eval mode, and a
    batch of three 2-channel 8 x 8 inputs."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(5)
    ours = lamina_cnn()
    state = {name: value.numpy().copy() for name, value in ours.state_dict().items()}
    state["1.weight"] = rng.uniform(0.5, 1.5, 4).astype(np.float32)
    state["1.bias"] = rng.normal(0, 0.3, 4).astype(np.float32)
    state["1.running_mean"] = rng.normal(0, 0.3, 4).astype(np.float32)
    state["1.running_var"] = rng.uniform(0.5, 1.5, 4).astype(np.float32)
    ours.load_state_dict({k: lm.tensor(v, dtype=v.dtype) for k, v in state.items()})
    theirs = torch_cnn()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((3, 2, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(lm.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), **TOL)
    return ours, theirs, x


def torch_target(target):
    return torch.from_numpy(target.numpy()) if isinstance(target, lm.Tensor) else target


def same(ours, theirs):
    assert isinstance(ours, lm.Tensor) and not ours.requires_grad
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)


# ---- gradients --------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("abs_value", [True, False])
def test_saliency_is_captums(models, target, abs_value):
    ours, theirs, x = models
    same(interpret.saliency(ours, x, target, abs=abs_value),
         Saliency(theirs).attribute(torch.tensor(x), target=torch_target(target), abs=abs_value))


@pytest.mark.parametrize("target", TARGETS)
def test_input_x_gradient_is_captums(models, target):
    ours, theirs, x = models
    same(interpret.input_x_gradient(ours, lm.tensor(x), target),
         InputXGradient(theirs).attribute(torch.tensor(x), target=torch_target(target)))


# ---- SmoothGrad: Captum's noise replaced by the draws Lamina documents ----------------------------------
def documented_noise(monkeypatch, seed, stdev):
    """Make ``torch.normal(0, std)`` (Captum's noise) return ``stdev * standard_normal(shape)`` drawn from
    ``lm.Generator(seed)`` in float32, the noise ``smooth_grad`` documents; returns the list of draws."""
    rng, draws = lm.Generator(seed).numpy, []

    def normal(mean, std, *args, **kwargs):
        noise = (stdev * rng.standard_normal(tuple(std.shape))).astype(np.float32)
        draws.append(noise)
        return torch.from_numpy(noise)

    monkeypatch.setattr(torch, "normal", normal)
    return draws


@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_smooth_grad_is_captums_noise_tunnel(models, monkeypatch, nt_type, batch_size):
    ours, theirs, x = models
    mine = interpret.smooth_grad(ours, x, [0, 2, 1], stdevs=0.3, nt_samples=5, generator=lm.Generator(7),
                                 nt_type=nt_type, nt_samples_batch_size=batch_size)
    draws = documented_noise(monkeypatch, 7, 0.3)
    expected = NoiseTunnel(Saliency(theirs)).attribute(torch.tensor(x), nt_type=nt_type, nt_samples=5,
                                                       nt_samples_batch_size=batch_size, stdevs=0.3, target=[0, 2, 1])
    assert [d.shape[0] for d in draws] == ([15] if batch_size is None else [6, 6, 3])
    same(mine, expected)


def test_smooth_grad_of_input_x_gradient_is_captums(models, monkeypatch):
    ours, theirs, x = models
    mine = interpret.smooth_grad(ours, x, 1, stdevs=0.5, nt_samples=4, generator=lm.Generator(3),
                                 method=interpret.input_x_gradient)
    documented_noise(monkeypatch, 3, 0.5)
    same(mine, NoiseTunnel(InputXGradient(theirs)).attribute(torch.tensor(x), nt_samples=4, stdevs=0.5, target=1))


def test_smooth_grad_is_seeded_and_averages_noisy_gradients(models):
    ours, _, x = models
    run = lambda seed, **kw: interpret.smooth_grad(ours, x, 1, stdevs=0.2, generator=lm.Generator(seed), **kw)
    np.testing.assert_array_equal(run(0).numpy(), run(0).numpy())
    assert not np.allclose(run(0).numpy(), run(1).numpy())
    lm.manual_seed(4)
    first = interpret.smooth_grad(ours, x, 1, stdevs=0.2).numpy()
    lm.manual_seed(4)
    np.testing.assert_array_equal(first, interpret.smooth_grad(ours, x, 1, stdevs=0.2).numpy())
    # with no noise every sample is the plain gradient
    np.testing.assert_allclose(interpret.smooth_grad(ours, x, 1, stdevs=0.0, abs=False).numpy(),
                               interpret.saliency(ours, x, 1, abs=False).numpy(), rtol=1e-6, atol=1e-7)


# ---- integrated gradients ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle",
                                    "riemann_trapezoid"])
def test_integrated_gradients_is_captums(models, method):
    ours, theirs, x = models
    same(interpret.integrated_gradients(ours, x, [2, 0, 1], n_steps=20, method=method),
         IntegratedGradients(theirs).attribute(torch.tensor(x), target=[2, 0, 1], n_steps=20, method=method))


def test_integrated_gradients_defaults_baselines_and_delta(models):
    ours, theirs, x = models
    baseline = np.full((1, 2, 8, 8), 0.25, dtype=np.float32)
    mine, delta = interpret.integrated_gradients(ours, x, 1, baselines=baseline, internal_batch_size=16,
                                                 return_convergence_delta=True)
    expected, expected_delta = IntegratedGradients(theirs).attribute(
        torch.tensor(x), baselines=torch.tensor(baseline), target=1, return_convergence_delta=True)
    same(mine, expected)
    np.testing.assert_allclose(delta.numpy(), expected_delta.numpy(), rtol=1e-3, atol=1e-5)
    same(interpret.integrated_gradients(ours, x, 0), IntegratedGradients(theirs).attribute(torch.tensor(x), target=0))


# ---- occlusion ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("window, strides, baselines", [((1, 3, 3), 1, None), ((1, 3, 3), (1, 2, 2), 0.5),
                                                        ((2, 4, 4), (1, 3, 3), None), ((1, 8, 2), (1, 1, 2), -1.0)])
def test_occlusion_is_captums(models, window, strides, baselines):
    ours, theirs, x = models
    mine = interpret.occlusion(ours, x, window, strides, baselines, target=[1, 0, 2],
                               perturbations_per_eval=7)
    same(mine, Occlusion(theirs).attribute(torch.tensor(x), window, strides=strides, target=[1, 0, 2],
                                           baselines=baselines))


def test_occlusion_does_not_depend_on_the_perturbations_per_eval(models):
    ours, _, x = models
    one = interpret.occlusion(ours, x, (1, 2, 2), (1, 2, 2), target=1).numpy()
    np.testing.assert_allclose(interpret.occlusion(ours, x, (1, 2, 2), (1, 2, 2), target=1, perturbations_per_eval=50)
                               .numpy(), one, rtol=1e-6, atol=1e-7)


# ---- Grad-CAM ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [0, 2, 4])
@pytest.mark.parametrize("relu", [False, True])
def test_grad_cam_is_captums_layer_grad_cam(models, layer, relu):
    ours, theirs, x = models
    mine = interpret.grad_cam(ours, x, [0, 1, 2], layer=ours[layer], relu_attributions=relu)
    same(mine, LayerGradCam(theirs, theirs[layer]).attribute(torch.tensor(x), target=[0, 1, 2],
                                                             relu_attributions=relu))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_grad_cam_upsampled_is_captums_interpolate(models, mode):
    ours, theirs, x = models
    cam = LayerGradCam(theirs, theirs[4]).attribute(torch.tensor(x), target=2)
    mine = interpret.grad_cam(ours, x, 2, layer=ours[4], upsample=True, interpolate_mode=mode)
    assert mine.shape == (3, 1, 8, 8)
    same(mine, LayerAttribution.interpolate(cam, (8, 8), interpolate_mode=mode))


def test_grad_cam_of_a_dense_layer_and_of_a_layer_input(models):
    ours, theirs, x = models
    same(interpret.grad_cam(ours, x, 1, layer=ours[8], attribute_to_layer_input=True),
         LayerGradCam(theirs, theirs[8]).attribute(torch.tensor(x), target=1, attribute_to_layer_input=True))


# ---- the model is left as it was found ---------------------------------------------------------------
ALL_METHODS = {
    "saliency": lambda m, x: interpret.saliency(m, x, 1),
    "input_x_gradient": lambda m, x: interpret.input_x_gradient(m, x, 1),
    "smooth_grad": lambda m, x: interpret.smooth_grad(m, x, 1, stdevs=0.1, nt_samples=2, generator=lm.Generator(0)),
    "integrated_gradients": lambda m, x: interpret.integrated_gradients(m, x, 1, n_steps=4),
    "occlusion": lambda m, x: interpret.occlusion(m, x, (2, 4, 4), 4, target=1),
    "grad_cam": lambda m, x: interpret.grad_cam(m, x, 1, layer=m[4], upsample=True),
}


@pytest.mark.parametrize("name", sorted(ALL_METHODS))
def test_the_model_is_left_as_it_was(models, name):
    ours, _, x = models
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    ours[0].weight.grad = lm.ones(*ours[0].weight.shape)
    try:
        with lm.no_grad():                       # a caller inside no_grad still gets its attribution
            result = ALL_METHODS[name](ours, lm.tensor(x))
        assert np.isfinite(result.numpy()).all() and np.abs(result.numpy()).sum() > 0
        assert not ours.training and not any(m.training for m in ours.modules())
        for key, value in ours.state_dict().items():
            np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
        np.testing.assert_array_equal(ours[0].weight.grad.numpy(), 1.0)
        assert all(p.grad is None for p in ours.parameters() if p is not ours[0].weight)
        assert all(p.requires_grad for p in ours.parameters())
        assert all(not m._forward_hooks for m in ours.modules())
        assert result.grad_fn is None and not result.requires_grad
    finally:
        ours[0].weight.grad = None


def test_the_training_flag_is_kept_in_train_mode_too():
    model = lamina_cnn()
    model.train()
    interpret.saliency(model, np.ones((2, 2, 8, 8), np.float32), 0)
    assert model.training and all(m.training for m in model.modules())


def test_frozen_parameters_are_restored_after_an_error(models):
    ours, _, x = models
    ours[8].weight.requires_grad = False
    try:
        with pytest.raises(ArgumentError, match="out of range"):
            interpret.saliency(ours, x, 5)
        assert ours[8].weight.requires_grad is False and ours[0].weight.requires_grad is True
        assert all(not m._forward_hooks for m in ours.modules())
    finally:
        ours[8].weight.requires_grad = True


# ---- bad input ----------------------------------------------------------------------------------------
def test_errors_name_the_function_and_what_came(models):
    ours, _, x = models
    with pytest.raises(ArgumentError, match=r"saliency: got 2 targets for a batch of 3"):
        interpret.saliency(ours, x, [0, 1])
    with pytest.raises(ArgumentError, match=r"saliency: target is None but the model gives \(3,\) scores"):
        interpret.saliency(ours, x)
    with pytest.raises(ArgumentError, match=r"grad_cam: pass layer="):
        interpret.grad_cam(ours, x, 0)
    with pytest.raises(ArgumentError, match=r"grad_cam: the layer Conv2d was not called"):
        interpret.grad_cam(ours, x, 0, layer=nn.Conv2d(1, 1, 1))
    with pytest.raises(ArgumentError, match=r"occlusion: the window \(1, 9, 3\)"):
        interpret.occlusion(ours, x, (1, 9, 3), target=0)
    with pytest.raises(ArgumentError, match=r"occlusion: sliding_window_shapes must have 3 entries"):
        interpret.occlusion(ours, x, (3, 3), target=0)
    with pytest.raises(ArgumentError, match=r"integrated_gradients: method must be one of"):
        interpret.integrated_gradients(ours, x, 0, method="simpson")
    with pytest.raises(ArgumentError, match=r"integrated_gradients: baselines of shape \(2, 2, 8, 8\)"):
        interpret.integrated_gradients(ours, x, 0, baselines=np.zeros((2, 2, 8, 8), np.float32))
    with pytest.raises(ArgumentError, match=r"smooth_grad: nt_type must be one of"):
        interpret.smooth_grad(ours, x, 0, nt_type="smoothgrad2")
    with pytest.raises(ArgumentError, match=r"saliency: inputs must be floating point, got dtype int64"):
        interpret.saliency(ours, np.zeros((3, 2, 8, 8), np.int64), 0)
