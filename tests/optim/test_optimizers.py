"""Optimisers against torch.optim: same initial weights, same gradient rule, 50 steps, same trajectory."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina import optim

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=0.01, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5), eps=1e-3)),  # lerp weight >= 0.5: PyTorch's second formula
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-3)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.01)),
    ("Adadelta", dict(maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
]


def torch_kwargs(name, kwargs):
    return dict(kwargs, foreach=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs, dtype, trajectories):
    weights, curvature, noise = trajectories.problem(dtype)
    mine = trajectories.lamina_params(weights)
    theirs = trajectories.torch_params(weights)
    lm_opt = getattr(optim, name)(mine, **kwargs)
    torch_opt = getattr(torch.optim, name)(theirs, **torch_kwargs(name, kwargs))
    trajectories.assert_same(trajectories.run_lamina(lm_opt, mine, curvature, noise),
                           trajectories.run_torch(torch_opt, theirs, curvature, noise), dtype)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("Adagrad", dict(lr=0.1)), ("Adadelta", dict()),
                                         ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True))])
def test_state_matches_torch_state_dict(name, kwargs, trajectories):
    """The same buffer names and values as PyTorch's state_dict after a few steps."""
    weights, curvature, noise = trajectories.problem(np.float64)
    mine, theirs = trajectories.lamina_params(weights), trajectories.torch_params(weights)
    lm_opt = getattr(optim, name)(mine, **kwargs)
    torch_opt = getattr(torch.optim, name)(theirs, **torch_kwargs(name, kwargs))
    trajectories.run_lamina(lm_opt, mine, curvature, noise, stop=5)
    trajectories.run_torch(torch_opt, theirs, curvature, noise, stop=5)
    ours, reference = lm_opt.state_dict(), torch_opt.state_dict()
    assert ours["state"].keys() == reference["state"].keys()
    for index, buffers in reference["state"].items():
        assert set(ours["state"][index]) == set(buffers)
        for key, value in buffers.items():
            np.testing.assert_allclose(ours["state"][index][key], value.numpy(), rtol=1e-10, atol=1e-12)
    assert [g["params"] for g in ours["param_groups"]] == [g["params"] for g in reference["param_groups"]]


def test_param_groups_with_their_own_options(trajectories):
    weights, curvature, noise = trajectories.problem(np.float64)
    mine, theirs = trajectories.lamina_params(weights), trajectories.torch_params(weights)
    lm_opt = optim.SGD([{"params": mine[:1]}, {"params": mine[1:], "lr": 0.01, "momentum": 0.5, "nesterov": True}],
                       lr=0.1, momentum=0.9)
    torch_opt = torch.optim.SGD([{"params": theirs[:1]},
                                 {"params": theirs[1:], "lr": 0.01, "momentum": 0.5, "nesterov": True}],
                                lr=0.1, momentum=0.9, foreach=False)
    assert lm_opt.param_groups[0]["lr"] == 0.1 and lm_opt.param_groups[1]["lr"] == 0.01
    assert lm_opt.param_groups[1]["dampening"] == 0.0  # filled from the defaults
    trajectories.assert_same(trajectories.run_lamina(lm_opt, mine, curvature, noise),
                           trajectories.run_torch(torch_opt, theirs, curvature, noise), np.float64)


def test_add_param_group_mid_training(trajectories):
    weights, curvature, noise = trajectories.problem(np.float64)
    mine, theirs = trajectories.lamina_params(weights), trajectories.torch_params(weights)
    lm_opt = optim.Adam(mine[:2], lr=0.01)
    torch_opt = torch.optim.Adam(theirs[:2], lr=0.01, foreach=False)
    first = (trajectories.run_lamina(lm_opt, mine, curvature, noise, stop=10), trajectories.run_torch(torch_opt, theirs, curvature, noise, stop=10))
    lm_opt.add_param_group({"params": mine[2:], "lr": 0.1, "amsgrad": True})
    torch_opt.add_param_group({"params": theirs[2:], "lr": 0.1, "amsgrad": True})
    second = (trajectories.run_lamina(lm_opt, mine, curvature, noise, start=10),
              trajectories.run_torch(torch_opt, theirs, curvature, noise, start=10))
    trajectories.assert_same(first[0] + second[0], first[1] + second[1], np.float64)
    with pytest.raises(ValueError, match="more than one group"):
        lm_opt.add_param_group({"params": [mine[0]]})


def _plain_only(value):
    if isinstance(value, dict):
        return all(_plain_only(k) and _plain_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_only(v) for v in value)
    return isinstance(value, (int, float, bool, str, np.ndarray))


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("AdamW", dict(lr=0.01)), ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
                                         ("Adadelta", dict()), ("RMSprop", dict(momentum=0.9, centered=True))])
def test_state_dict_round_trip_continues_the_same_trajectory(name, kwargs, trajectories):
    weights, curvature, noise = trajectories.problem(np.float32)
    reference_params = trajectories.lamina_params(weights)
    reference = getattr(optim, name)(reference_params, **kwargs)
    expected = trajectories.run_lamina(reference, reference_params, curvature, noise)

    params = trajectories.lamina_params(weights)
    first = getattr(optim, name)(params, **kwargs)
    trajectories.run_lamina(first, params, curvature, noise, stop=20)
    saved = first.state_dict()
    assert _plain_only(saved)
    resumed_params = trajectories.lamina_params([p.data for p in params])
    resumed = getattr(optim, name)(resumed_params, lr=123.0)  # options come back from the state_dict
    resumed.load_state_dict(saved)
    trajectories.run_lamina(first, params, curvature, noise, start=20, stop=25)  # the original goes on: no shared buffers
    rest = trajectories.run_lamina(resumed, resumed_params, curvature, noise, start=20)
    trajectories.assert_same(rest, expected[20:], np.float32)
    assert resumed.param_groups[0]["lr"] == first.param_groups[0]["lr"]


def test_load_state_dict_checks_the_groups(trajectories):
    a = optim.SGD(trajectories.lamina_params(trajectories.problem(np.float32)[0]), lr=0.1)
    b = optim.SGD(trajectories.lamina_params(trajectories.problem(np.float32)[0][:2]), lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        b.load_state_dict(a.state_dict())


def test_zero_grad():
    p = lm.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = lm.tensor([3.0, 4.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and np.all(p.grad.data == 0)
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # parameters without a gradient are left alone
    np.testing.assert_array_equal(p.data, [1.0, 2.0])


def test_step_with_closure_and_autograd():
    """A full loop: the closure computes the loss with Lamina's autograd; the result matches torch."""
    rng = np.random.default_rng(1)
    x, y, w0 = rng.standard_normal((8, 3)), rng.standard_normal(8), rng.standard_normal(3)
    w = lm.tensor(w0, dtype=np.float64, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    opt = optim.SGD([w], lr=0.05, momentum=0.9)
    topt = torch.optim.SGD([tw], lr=0.05, momentum=0.9, foreach=False)
    X, Y = lm.tensor(x, dtype=np.float64), lm.tensor(y, dtype=np.float64)
    tX, tY = torch.from_numpy(x), torch.from_numpy(y)

    def closure():
        opt.zero_grad()
        loss = ((X @ w - Y) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        topt.zero_grad()
        loss = ((tX @ tw - tY) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(20):
        loss, tloss = opt.step(closure), topt.step(torch_closure)
        assert abs(loss.item() - tloss.item()) < 1e-10
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10)


def test_step_reads_only_the_gradient():
    """What is in .grad at step time is what counts (room for an all-reduce between backward and step)."""
    p = lm.tensor([1.0, -1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    (p * p).sum().backward()  # grad = 2p = [2, -2]
    p.grad.data[...] = [1.0, 1.0]  # e.g. averaged with other workers
    opt.step()
    np.testing.assert_allclose(p.data, [0.5, -1.5])


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD(p, lr=-0.1), "invalid lr"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "betas"),
    (lambda p: optim.RMSprop(p, momentum=-1.0), "momentum"),
    (lambda p: optim.SGD([], lr=0.1), "empty"),
])
def test_invalid_options(make, match):
    with pytest.raises(ValueError, match=match):
        make([lm.tensor([1.0], requires_grad=True)])


def test_non_leaf_is_rejected():
    p = lm.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
