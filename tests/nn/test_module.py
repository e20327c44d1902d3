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
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "scale"'):
        m.load_state_dict(missing)
    assert m.load_state_dict(missing, strict=False)[0] == ["scale"]
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        m.load_state_dict({**state, "extra": lm.ones(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for first.weight: .*shape \(4, 4\).*is \(4, 3\)"):
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
    assert "(0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))" in text
    assert "(2): Linear(in_features=400, out_features=120, bias=True)" in text


def test_forward_hooks_see_outputs_and_can_be_removed():
    m = nn.Linear(2, 3)
    seen = []
    handle = m.register_forward_hook(lambda mod, inputs, out: seen.append(out.shape))
    m(lm.ones(4, 2))
    handle.remove()
    m(lm.ones(4, 2))
    assert seen == [(4, 3)]


def test_a_registered_name_keeps_its_kind_as_in_pytorch():
    lin = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'weight' \(nn.Parameter or None expected\)"):
        lin.weight = lm.zeros(3, 2)
    assert [name for name, _ in lin.named_parameters()] == ["weight", "bias"]  # nothing was unregistered
    lin.weight = nn.Parameter(lm.zeros(3, 2))                               # a Parameter replaces it
    assert lin.weight.shape == (3, 2) and float(lin.weight.sum()) == 0.0
    lin.bias = None                                                         # None declares it absent
    assert [name for name, _ in lin.named_parameters()] == ["weight"] and lin.bias is None
    assert "bias" not in lin.state_dict()

    block = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module '0' \(nn.Module or None expected\)"):
        setattr(block, "0", 5)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match=r"cannot assign 'list' as buffer 'running_mean' \(Tensor or None expected\)"):
        bn.running_mean = [0.0, 0.0, 0.0]
    bn.running_mean = lm.ones(3)                                            # a tensor replaces the buffer
    assert np.array_equal(bn.state_dict()["running_mean"].numpy(), [1.0, 1.0, 1.0])


def test_assigning_a_parameter_or_module_moves_the_name_to_its_kind():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = 2.0                        # a plain attribute
            self.register_buffer("offset", lm.zeros(1))

    net = Net()
    net.scale = nn.Parameter(lm.ones(1))           # becomes a parameter
    net.offset = nn.Parameter(lm.ones(1))          # a buffer name taken by a parameter: no longer a buffer
    assert [name for name, _ in net.named_parameters()] == ["scale", "offset"]
    assert list(net.named_buffers()) == []
    with pytest.raises(TypeError, match="Tensor or None required"):
        net.register_buffer("table", [1, 2])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("layer", "not a module")


def test_compute_output_shape_agrees_with_running_the_layers():
    layers = [nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.Conv2d(3, 4, (3, 5), dilation=(2, 1), padding="same"),
              nn.Conv1d(3, 5, 4, stride=3), nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, output_padding=1),
              nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((2, 3)),
              nn.Flatten(), nn.Unflatten(1, (3, 1)), nn.Identity(), nn.Dropout(0.3), nn.ReLU(), nn.BatchNorm2d(3)]
    for layer in layers:
        shape = (2, 3, 11) if isinstance(layer, nn.Conv1d) else (2, 3) if isinstance(layer, nn.Unflatten) \
            else (2, 3, 9, 12)
        assert layer.compute_output_shape(shape) == layer.eval()(lm.randn(*shape)).shape, type(layer).__name__
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120))
    assert lenet.compute_output_shape((64, 1, 28, 28)) == (64, 120)
