"""Adamax (lamina/optim/adam.py) against torch.optim.Adamax: every option over 30 steps, the state PyTorch
keeps, a state_dict round trip, the option errors, and Model.compile(optimizer="adamax")."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina import nn, optim

STEPS = 30


CASES = [
    dict(),                                                    # PyTorch's defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8
    dict(lr=0.05),
    dict(lr=0.05, betas=(0.3, 0.5)),                           # lerp weight >= 0.5: PyTorch's second formula
    dict(lr=0.05, eps=0.5),                                    # eps large enough to win the maximum
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, maximize=True),
    dict(lr=0.02, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.05, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("kwargs", CASES, ids=[",".join(c) or "defaults" for c in CASES])
def test_adamax_trajectory_matches_torch(kwargs, dtype, trajectories):
    weights, curvature, noise = trajectories.problem(dtype, STEPS)
    mine = trajectories.lamina_params(weights)
    theirs = trajectories.torch_params(weights)
    trajectories.assert_same(trajectories.run_lamina(optim.Adamax(mine, **kwargs), mine, curvature, noise),
                trajectories.run_torch(torch.optim.Adamax(theirs, **kwargs, foreach=False), theirs, curvature, noise), dtype)


def test_adamax_defaults_and_state_are_pytorchs(trajectories):
    weights, curvature, noise = trajectories.problem(np.float64, STEPS)
    mine = trajectories.lamina_params(weights)
    theirs = trajectories.torch_params(weights)
    ours, reference = optim.Adamax(mine), torch.optim.Adamax(theirs, foreach=False)
    for key in ("lr", "betas", "eps", "weight_decay", "maximize"):
        assert ours.defaults[key] == reference.defaults[key], key
    trajectories.run_lamina(ours, mine, curvature, noise, stop=5)
    trajectories.run_torch(reference, theirs, curvature, noise, stop=5)
    saved, expected = ours.state_dict(), reference.state_dict()
    assert saved["state"].keys() == expected["state"].keys()
    for index, buffers in expected["state"].items():
        assert set(saved["state"][index]) == set(buffers) == {"step", "exp_avg", "exp_inf"}
        for key, value in buffers.items():
            np.testing.assert_allclose(saved["state"][index][key], value.numpy(), rtol=1e-10, atol=1e-12)


def test_adamax_first_step_by_hand():
    """m = 0.1 g, u = |g| + eps, p -= lr / 0.1 * m / u: with eps = 0 a step of lr * sign(g), whatever |g|."""
    p = lm.tensor([1.0, -2.0, 3.0], dtype=np.float64, requires_grad=True)
    opt = optim.Adamax([p], lr=0.5, eps=0.0)
    p.grad = lm.tensor([4.0, -0.25, 1e-3], dtype=np.float64)
    opt.step()
    np.testing.assert_allclose(p.data, [0.5, -1.5, 2.5], rtol=1e-15)
    np.testing.assert_allclose(opt.state[p]["exp_inf"], [4.0, 0.25, 1e-3], rtol=1e-15)


def test_adamax_state_dict_round_trip_continues_the_same_trajectory(trajectories):
    kwargs = dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.01, maximize=True)
    weights, curvature, noise = trajectories.problem(np.float32, STEPS)
    reference_params = trajectories.lamina_params(weights)
    expected = trajectories.run_lamina(optim.Adamax(reference_params, **kwargs), reference_params, curvature, noise)

    params = trajectories.lamina_params(weights)
    first = optim.Adamax(params, **kwargs)
    trajectories.run_lamina(first, params, curvature, noise, stop=10)
    saved = first.state_dict()
    resumed_params = [lm.tensor(p.data, dtype=p.dtype, requires_grad=True) for p in params]
    resumed = optim.Adamax(resumed_params, lr=123.0)  # the options come back from the state_dict
    resumed.load_state_dict(saved)
    assert {k: v for k, v in resumed.param_groups[0].items() if k != "params"} == \
        {k: v for k, v in first.param_groups[0].items() if k != "params"}
    assert resumed.param_groups[0]["betas"] == (0.8, 0.99)
    trajectories.run_lamina(first, params, curvature, noise, start=10, stop=15)  # the original goes on: no shared buffers
    trajectories.assert_same(trajectories.run_lamina(resumed, resumed_params, curvature, noise, start=10), expected[10:], np.float32)


@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=-0.1), "Adamax: invalid lr"), (dict(eps=-1.0), "Adamax: invalid eps"),
    (dict(weight_decay=-0.1), "Adamax: invalid weight_decay"), (dict(betas=(1.0, 0.9)), "Adamax: invalid betas"),
    (dict(betas=(0.9, -0.1)), "Adamax: invalid betas"),
])
def test_adamax_invalid_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.Adamax([lm.tensor([1.0], requires_grad=True)], **kwargs)


def test_compile_finds_adamax_by_name_with_its_own_learning_rate():
    model = lm.Model(nn.Sequential(nn.Linear(3, 2), nn.Hardswish(), nn.Linear(2, 1)))
    model.compile(optimizer="adamax", loss="mse")
    assert type(model.optimizer) is optim.Adamax and model.optimizer.param_groups[0]["lr"] == 2e-3
    assert model.compile(optimizer="Adamax", loss="mse").optimizer.defaults["lr"] == 2e-3
    assert [id(p) for p in model.optimizer.param_groups[0]["params"]] == [id(p) for p in model.parameters()]
