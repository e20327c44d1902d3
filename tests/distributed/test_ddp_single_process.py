"""The pieces of data-parallel training that a single process can check: post-accumulate-grad hooks and their
early delivery, queue_callback, DistributedSampler against PyTorch's, and DDP in a group of one."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.distributed as dist
from lamina import autograd, nn


def test_post_accumulate_grad_hooks_see_the_accumulated_grad_as_pytorch():
    seen = {}
    for lib in (lm, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        log = []
        w.register_post_accumulate_grad_hook(lambda t: log.append(t.grad.tolist()))
        (w * w).sum().backward()
        (3 * w).sum().backward()
        seen[lib.__name__] = log
    assert seen["lamina"] == seen["torch"] == [[2.0, 4.0], [5.0, 7.0]]


def test_post_accumulate_grad_hooks_only_on_leaves_and_removable():
    w = lm.ones(2, requires_grad=True)
    with pytest.raises(Exception, match="leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    handle.remove()
    w.sum().backward()
    assert calls == []


def test_a_leaf_is_finished_as_soon_as_its_last_use_is_passed():
    """The last layer's weight is final before the first layer's backward runs: what lets DDP overlap."""
    events = []
    first, last = nn.Linear(3, 4), nn.Linear(4, 2)
    last.weight.register_post_accumulate_grad_hook(lambda t: events.append("last.weight ready"))
    first.weight.register_post_accumulate_grad_hook(lambda t: events.append("first.weight ready"))
    hidden = first(lm.randn(5, 3))
    hidden.register_hook(lambda g: events.append("backward through the first layer"))
    last(hidden).sum().backward()
    assert events.index("last.weight ready") < events.index("backward through the first layer")
    assert events[-1] == "first.weight ready"


def test_queue_callback_runs_once_at_the_end_of_the_backward():
    w = lm.ones(2, requires_grad=True)
    order = []
    w.register_hook(lambda g: autograd.queue_callback(lambda: order.append(("callback", w.grad is not None))))
    (w * 2).sum().backward()
    assert order == [("callback", True)]
    with pytest.raises(RuntimeError, match="inside a backward"):
        autograd.queue_callback(lambda: None)


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (12, 4, False), (5, 8, False)])
def test_distributed_sampler_shards_as_pytorch_without_shuffling(n, replicas, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        ours = dist.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.distributed.DistributedSampler(data, replicas, rank, shuffle=False,
                                                                 drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_shuffles_the_same_way_on_every_rank_and_anew_each_epoch():
    data = list(range(103))
    shards = [dist.DistributedSampler(data, 4, rank, seed=7) for rank in range(4)]
    first = [list(s) for s in shards]
    assert all(len(s) == 26 for s in first) and set(sum(first, [])) == set(data)   # 104 = 103 + 1 padded
    for s in shards:
        s.set_epoch(1)
    second = [list(s) for s in shards]
    assert second != first and set(sum(second, [])) == set(data)
    with pytest.raises(Exception, match="rank"):
        dist.DistributedSampler(data, 2, 2)


def test_ddp_in_a_group_of_one_is_the_module_and_saves_as_it(tmp_path):
    dist.init()
    lm.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model = dist.DistributedDataParallel(net)
    x = lm.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), net(x).detach().numpy())
    path = tmp_path / "ddp.pt"
    lm.save(model, path)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(lm.load(path))                 # keys without a "module." prefix
    np.testing.assert_array_equal(fresh(x).detach().numpy(), net(x).detach().numpy())
    assert dist.get_world_size() == 1 and dist.get_rank() == 0
    t = lm.tensor([1.0, 2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
