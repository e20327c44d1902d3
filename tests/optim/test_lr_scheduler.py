"""Learning-rate schedules against torch.optim.lr_scheduler: the same lr (and momentum) every epoch."""
import math

import numpy as np
import pytest
import torch

import lamina as lm
from lamina import optim
from lamina.optim import lr_scheduler

EPOCHS = 30


def make_optimizers(kind="SGD", lrs=(0.1, 0.02), **kwargs):
    """A Lamina and a torch optimiser with one parameter group per lr."""
    mine = getattr(optim, kind)([{"params": [lm.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs],
                                **kwargs)
    theirs = getattr(torch.optim, kind)([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs],
                                        **kwargs)
    return mine, theirs


def lr_sequences(mine, theirs, epochs=EPOCHS, metrics=None, key="lr"):
    """Step both schedulers; record every group's value of ``key`` after each step (epoch 0 first)."""
    def value(group):
        return group["betas"][0] if key == "beta1" else group[key]

    ours = [[value(g) for g in mine.optimizer.param_groups]]
    reference = [[value(g) for g in theirs.optimizer.param_groups]]
    for epoch in range(epochs):
        theirs.optimizer.step()  # torch warns if the scheduler steps before the optimiser
        if metrics is None:
            mine.step()
            theirs.step()
        else:
            mine.step(metrics[epoch])
            theirs.step(metrics[epoch])
        ours.append([value(g) for g in mine.optimizer.param_groups])
        reference.append([value(g) for g in theirs.optimizer.param_groups])
    return np.array(ours), np.array(reference)


def assert_same(mine, theirs, **kwargs):
    ours, reference = lr_sequences(mine, theirs, **kwargs)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mine.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    return ours


SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=12)),  # runs past T_max: the lr comes back up, as in torch
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedule_matches_torch(name, kwargs):
    mine, theirs = make_optimizers()
    ours = assert_same(getattr(lr_scheduler, name)(mine, **kwargs),
                       getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs))
    assert len(set(ours[:, 0])) > 2  # the schedule actually moved


def test_step_lr_values_by_hand():
    mine, _ = make_optimizers(lrs=(1.0,))
    scheduler = lr_scheduler.StepLR(mine, step_size=2, gamma=0.1)
    lrs = [mine.param_groups[0]["lr"]]
    for _ in range(5):
        scheduler.step()
        lrs.append(mine.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_lambda_lr_with_one_function_per_group():
    lambdas = [lambda epoch: 1.0 / (1 + epoch), lambda epoch: 0.95 ** epoch]
    mine, theirs = make_optimizers()
    assert_same(lr_scheduler.LambdaLR(mine, lambdas), torch.optim.lr_scheduler.LambdaLR(theirs, lambdas))


@pytest.mark.parametrize("kwargs", [
    dict(mode="min", factor=0.5, patience=2),
    dict(mode="min", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs", cooldown=2, min_lr=[0.01, 0.005]),
    dict(mode="max", factor=0.2, patience=0, threshold=0.01, min_lr=1e-3),
    dict(mode="max", factor=0.9, patience=3, threshold_mode="abs", eps=0.005),  # group 2 (lr 0.02): skipped
])
def test_reduce_on_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(0)
    metrics = [1.0, 0.8, 0.8, 0.79, 0.9, 0.85, 0.7, 0.7, 0.71, 0.72, 0.73, 0.6, 0.6, 0.6, 0.6,
               0.61, 0.5, 0.55, 0.56, 0.57] + list(0.5 + 0.1 * rng.standard_normal(10))
    mine, theirs = make_optimizers()
    ours = assert_same(lr_scheduler.ReduceLROnPlateau(mine, **kwargs),
                       torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs), metrics=metrics)
    assert ours[-1, 0] < ours[0, 0]


@pytest.mark.parametrize("kwargs", [
    dict(max_lr=0.5, total_steps=40),
    dict(max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=10, pct_start=0.25, anneal_strategy="linear"),
    dict(max_lr=1.0, total_steps=40, three_phase=True, div_factor=10.0, final_div_factor=100.0),
])
def test_one_cycle_matches_torch_lr_and_momentum(kwargs):
    mine, theirs = make_optimizers(momentum=0.9)
    ours_sched = lr_scheduler.OneCycleLR(mine, **kwargs)
    torch_sched = torch.optim.lr_scheduler.OneCycleLR(theirs, **kwargs)
    steps = 39  # total_steps - 1 steps after the initial one
    lrs, momenta = [], []
    for group_a, group_b in zip(mine.param_groups, theirs.param_groups):
        lrs.append((group_a["lr"], group_b["lr"]))
        momenta.append((group_a["momentum"], group_b["momentum"]))
    for _ in range(steps):
        theirs.step()
        ours_sched.step()
        torch_sched.step()
        for group_a, group_b in zip(mine.param_groups, theirs.param_groups):
            lrs.append((group_a["lr"], group_b["lr"]))
            momenta.append((group_a["momentum"], group_b["momentum"]))
    np.testing.assert_allclose(*np.array(lrs).T, rtol=1e-12)
    np.testing.assert_allclose(*np.array(momenta).T, rtol=1e-12)
    with pytest.raises(ValueError, match="total_steps"):
        ours_sched.step()
        ours_sched.step()


def test_one_cycle_cycles_adam_beta1():
    mine, theirs = make_optimizers("Adam", lrs=(0.01,))
    kwargs = dict(max_lr=0.1, total_steps=31)
    assert_same(lr_scheduler.OneCycleLR(mine, **kwargs), torch.optim.lr_scheduler.OneCycleLR(theirs, **kwargs),
                key="beta1")


def _plain_only(value):
    if isinstance(value, dict):
        return all(_plain_only(k) and _plain_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_only(v) for v in value)
    return value is None or isinstance(value, (int, float, bool, str))


@pytest.mark.parametrize("make", [
    lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
    lambda o: lr_scheduler.MultiStepLR(o, milestones=[5, 12, 12], gamma=0.5),
    lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
    lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
    lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 0.9 ** epoch),
    lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=30),
], ids=["step", "multistep", "exponential", "cosine", "lambda", "onecycle"])
def test_state_dict_round_trip(make):
    """Save optimiser and scheduler after 10 epochs, load into fresh ones: the next lrs are the same."""
    reference_opt, _ = make_optimizers(momentum=0.9)
    reference = make(reference_opt)
    expected = [reference_opt.param_groups[0]["lr"]]
    for _ in range(25):
        reference.step()
        expected.append(reference_opt.param_groups[0]["lr"])

    opt, _ = make_optimizers(momentum=0.9)
    scheduler = make(opt)
    for _ in range(10):
        scheduler.step()
    saved_opt, saved_sched = opt.state_dict(), scheduler.state_dict()
    assert _plain_only(saved_sched)
    fresh_opt, _ = make_optimizers(momentum=0.9)
    fresh = make(fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    resumed = [fresh_opt.param_groups[0]["lr"]]
    for _ in range(15):
        fresh.step()
        resumed.append(fresh_opt.param_groups[0]["lr"])
    np.testing.assert_allclose(resumed, expected[10:], rtol=1e-12)


def test_reduce_on_plateau_state_dict_round_trip():
    opt, _ = make_optimizers()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for metric in [1.0, 0.9, 0.95, 0.96]:
        scheduler.step(metric)
    fresh_opt, _ = make_optimizers()
    fresh = lr_scheduler.ReduceLROnPlateau(fresh_opt)
    fresh_opt.load_state_dict(opt.state_dict())
    fresh.load_state_dict(scheduler.state_dict())
    assert fresh.patience == 1 and fresh.num_bad_epochs == scheduler.num_bad_epochs and fresh.best == 0.9
    for metric in [0.97, 0.98, 0.99]:
        scheduler.step(metric)
        fresh.step(metric)
        assert fresh.get_last_lr() == scheduler.get_last_lr()
    assert math.isclose(fresh.get_last_lr()[0], 0.1 * 0.5 ** 2)


def test_closed_form_when_an_epoch_is_given():
    mine, theirs = make_optimizers()
    ours = lr_scheduler.StepLR(mine, step_size=3, gamma=0.5)
    reference = torch.optim.lr_scheduler.StepLR(theirs, step_size=3, gamma=0.5)
    with pytest.warns(UserWarning):
        ours.step(7)
    with pytest.warns(UserWarning):
        reference.step(7)
    assert ours.get_last_lr() == pytest.approx(reference.get_last_lr(), rel=1e-12)


def test_bad_arguments():
    mine, _ = make_optimizers()
    with pytest.raises(TypeError, match="Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(mine, factor=1.5)
    with pytest.raises(ValueError, match="total_steps"):
        lr_scheduler.OneCycleLR(mine, max_lr=0.1)
    with pytest.raises(ValueError, match="2 values"):
        lr_scheduler.LambdaLR(mine, [lambda e: 1.0])
