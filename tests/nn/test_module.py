"""nn.Module mechanics: registration order, traversal, modes, state_dict, zero_grad, repr, hooks."""
import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.second = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(lm.ones(1))
        self.register_buffer("calls", lm.zeros(1))

    def forward(self, x):
        self.calls.data += 1
        return self.second(self.act(self.first(x))) * self.scale


def test_parameters_are_registered_in_definition_order():
    m = TwoLayer()
    # as PyTorch: a module's own parameters first, then each child's, in the order they were assigned
    assert [n for n, _ in m.named_parameters()] == ["scale", "first.weight", "first.bias", "second.weight"]
    assert [n for n, _ in m.named_children()] == ["first", "act", "second"]
    assert len(list(m.modules())) == 4
    assert m.num_parameters() == 3 * 4 + 4 + 4 * 2 + 1


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(m.parameters())) == 2


def test_train_and_eval_reach_every_submodule():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_state_dict_holds_parameters_and_buffers_and_round_trips():
    a, b = TwoLayer(), TwoLayer()
    a(lm.ones(1, 3))
    state = a.state_dict()
    assert list(state) == ["scale", "calls", "first.weight", "first.bias", "second.weight"]
    b.load_state_dict(state)
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy() if not p.requires_grad else p.detach().numpy(), q.detach().numpy())
    assert b.calls.item() == 1


def test_load_state_dict_checks_names_and_shapes():
    m = TwoLayer()
    state = m.state_dict()
    missing = {k: v for k, v in state.items() if k != "scale"}
    with pytest.raises(KeyError, match="missing keys \\['scale'\\]"):
        m.load_state_dict(missing)
    assert m.load_state_dict(missing, strict=False)[0] == ["scale"]
    with pytest.raises(KeyError, match="unexpected keys \\['extra'\\]"):
        m.load_state_dict({**state, "extra": lm.ones(1)})
    with pytest.raises(ValueError, match=r"'first.weight' has shape \(4, 4\).*expects \(4, 3\)"):
        m.load_state_dict({**state, "first.weight": lm.ones(4, 4)})


def test_zero_grad_and_requires_grad():
    m = nn.Linear(2, 1)
    m(lm.ones(3, 2)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad()
    assert m.weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_repr_is_readable():
    text = repr(nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.Linear(400, 120)))
    assert "(0): Conv2d(1, 6, kernel_size=(5, 5), stride=1, padding=2)" in text
    assert "(2): Linear(in_features=400, out_features=120, bias=True)" in text


def test_forward_hooks_see_outputs_and_can_be_removed():
    m = nn.Linear(2, 3)
    seen = []
    handle = m.register_forward_hook(lambda mod, inputs, out: seen.append(out.shape))
    m(lm.ones(4, 2))
    handle.remove()
    m(lm.ones(4, 2))
    assert seen == [(4, 3)]
