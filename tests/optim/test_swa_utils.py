"""lamina/optim/swa_utils.py against torch.optim.swa_utils: SWA and EMA averages of a small network with batch
norm, trained side by side with the same weights and batches; update_bn; the argument errors."""
import numpy as np
import pytest
import torch
from torch.optim import swa_utils as theirs_swa

import lamina as lm
from lamina.optim import swa_utils as ours_swa


def _pair():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2)).double()
    ours = lm.nn.Sequential(lm.nn.Linear(3, 4), lm.nn.BatchNorm1d(4), lm.nn.ReLU(), lm.nn.Linear(4, 2)).double()
    ours.load_state_dict({k: lm.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _assert_same_state(ours, theirs):
    mine, expected = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(mine[name].numpy(), value.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)


AVERAGES = {
    "swa": (lambda m: ours_swa.AveragedModel(m), lambda m: theirs_swa.AveragedModel(m)),
    "ema multi": (lambda m: ours_swa.AveragedModel(m, multi_avg_fn=ours_swa.get_ema_multi_avg_fn(0.9)),
                  lambda m: theirs_swa.AveragedModel(m, multi_avg_fn=theirs_swa.get_ema_multi_avg_fn(0.9))),
    "ema buffers": (lambda m: ours_swa.AveragedModel(m, multi_avg_fn=ours_swa.get_ema_multi_avg_fn(0.7),
                                                     use_buffers=True),
                    lambda m: theirs_swa.AveragedModel(m, multi_avg_fn=theirs_swa.get_ema_multi_avg_fn(0.7),
                                                       use_buffers=True)),
    "ema avg_fn": (lambda m: ours_swa.AveragedModel(m, avg_fn=ours_swa.get_ema_avg_fn(0.8)),
                   lambda m: theirs_swa.AveragedModel(m, avg_fn=theirs_swa.get_ema_avg_fn(0.8))),
    "swa avg_fn": (lambda m: ours_swa.AveragedModel(m, avg_fn=ours_swa.get_swa_avg_fn()),
                   lambda m: theirs_swa.AveragedModel(m, avg_fn=theirs_swa.get_swa_avg_fn())),
}


@pytest.mark.parametrize("kind", AVERAGES)
def test_the_averaged_model_follows_pytorchs_during_training(kind, rng):
    ours, theirs = _pair()
    make_ours, make_theirs = AVERAGES[kind]
    ours_avg, theirs_avg = make_ours(ours), make_theirs(theirs)
    ours_opt = lm.optim.SGD(ours.parameters(), lr=0.3, momentum=0.5)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.3, momentum=0.5)
    for _ in range(6):
        x, target = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
        for model, opt, lib in ((ours, ours_opt, lm), (theirs, theirs_opt, torch)):
            opt.zero_grad()
            ((model(lib.from_numpy(x)) - lib.from_numpy(target)) ** 2).mean().backward()
            opt.step()
        ours_avg.update_parameters(ours), theirs_avg.update_parameters(theirs)
        _assert_same_state(ours_avg, theirs_avg)
    assert int(ours_avg.n_averaged.item()) == 6
    x = rng.normal(size=(5, 3))
    ours_avg.eval(), theirs_avg.eval()
    expected = theirs_avg(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours_avg(lm.from_numpy(x)).detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    # the average is a copy: the trained model's parameters are not its parameters
    assert all(a is not b for a, b in zip(ours_avg.module.parameters(), ours.parameters()))


def test_update_bn_recomputes_the_statistics_as_pytorch(rng):
    ours, theirs = _pair()
    batches = [rng.normal(2.0, 3.0, size=(8, 3)) for _ in range(4)]
    ours.eval(), theirs.eval()
    ours_swa.update_bn([lm.from_numpy(b) for b in batches], ours)
    theirs_swa.update_bn([torch.tensor(b) for b in batches], theirs)
    _assert_same_state(ours, theirs)
    assert not ours.training and ours[1].momentum == 0.1            # mode and momentum restored
    ours_swa.update_bn([(lm.from_numpy(b), None) for b in batches], ours)   # (input, target) batches too
    _assert_same_state(ours, theirs)


def test_argument_errors_are_pytorchs():
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
        ours_swa.get_ema_multi_avg_fn(1.5)
    with pytest.raises(ValueError, match=r"Invalid decay value -0.1"):
        ours_swa.get_ema_avg_fn(-0.1)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        ours_swa.AveragedModel(lm.nn.Linear(2, 2), avg_fn=ours_swa.get_swa_avg_fn(),
                               multi_avg_fn=ours_swa.get_swa_multi_avg_fn())
