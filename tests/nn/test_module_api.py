"""Module and container API as torch.nn's: traversal, registration checks, state_dict with prefixes and
keep_vars, load_state_dict's IncompatibleKeys and RuntimeError, to()/half()/double(), Sequential, ModuleList,
ModuleDict, ParameterList, ParameterDict — each run on both libraries and compared."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


def _net(m):
    """The same model in either library (m is torch.nn or lamina.nn)."""
    return m.Sequential(OrderedDict(conv=m.Conv2d(1, 2, 3), bn=m.BatchNorm2d(2), act=m.ReLU(),
                                    head=m.Sequential(m.Flatten(), m.Linear(8, 3))))


def _names(pairs):
    return [name for name, _ in pairs]


def test_traversal_names_match_torch():
    theirs, ours = _net(torch.nn), _net(nn)
    assert _names(ours.named_modules()) == _names(theirs.named_modules())
    assert _names(ours.named_modules(prefix="model")) == _names(theirs.named_modules(prefix="model"))
    assert _names(ours.named_children()) == _names(theirs.named_children())
    assert _names(ours.named_parameters()) == _names(theirs.named_parameters())
    assert _names(ours.named_parameters(prefix="m", recurse=False)) == _names(theirs.named_parameters("m", False))
    assert _names(ours.named_buffers()) == _names(theirs.named_buffers())
    assert len(list(ours.head.parameters(recurse=False))) == len(list(theirs.head.parameters(recurse=False))) == 0


def test_a_shared_module_appears_once_unless_duplicates_are_asked_for():
    for m in (torch.nn, nn):
        layer = m.Linear(2, 2)
        model = m.Sequential(layer, layer)
        assert len(list(model.named_modules())) == 2 and len(list(model.parameters())) == 2
        assert len(list(model.named_modules(remove_duplicate=False))) == 3
        assert len(list(model.named_parameters(remove_duplicate=False))) == 4


def test_get_submodule_parameter_and_buffer():
    theirs, ours = _net(torch.nn), _net(nn)
    assert type(ours.get_submodule("head.1")).__name__ == "Linear" and ours.get_submodule("") is ours
    assert tuple(ours.get_parameter("head.1.weight").shape) == tuple(theirs.get_parameter("head.1.weight").shape)
    assert ours.get_buffer("bn.running_mean") is ours.bn.running_mean
    for model in (theirs, ours):
        with pytest.raises(AttributeError, match="has no attribute `nothing`"):
            model.get_submodule("head.nothing")
        with pytest.raises(AttributeError, match="is not an nn.Parameter"):
            model.get_parameter("bn.running_mean")


@pytest.mark.parametrize("name, error", [("a.b", KeyError), ("", KeyError), ("training", KeyError), (3, TypeError)])
def test_register_buffer_checks_the_name_as_torch(name, error):
    for m, value in ((torch.nn, torch.zeros(1)), (nn, lm.zeros(1))):
        with pytest.raises(error):
            m.Linear(1, 1).register_buffer(name, value)


def test_non_persistent_buffers_stay_out_of_state_dict():
    for m, value in ((torch.nn, torch.zeros(2)), (nn, lm.zeros(2))):
        layer = m.Linear(2, 2)
        layer.register_buffer("cache", value, persistent=False)
        layer.register_parameter("extra", None)
        assert list(layer.state_dict()) == ["weight", "bias"] and _names(layer.named_buffers()) == ["cache"]


def test_state_dict_prefix_keep_vars_and_destination():
    theirs, ours = _net(torch.nn), _net(nn)
    assert list(ours.state_dict(prefix="model.")) == list(theirs.state_dict(prefix="model."))
    assert ours.state_dict(keep_vars=True)["conv.weight"] is ours.conv.weight
    destination = OrderedDict(first=lm.zeros(1))
    assert ours.state_dict(destination=destination) is destination and list(destination)[0] == "first"


def test_load_state_dict_returns_incompatible_keys_and_raises_torchs_error():
    theirs, ours = _net(torch.nn), _net(nn)
    state = {k: v for k, v in theirs.state_dict().items() if k != "conv.bias"}
    state["extra"] = torch.zeros(1)
    result, expected = ours.load_state_dict(state, strict=False), theirs.load_state_dict(state, strict=False)
    assert result == tuple(expected) and result.missing_keys == ["conv.bias"] and result.unexpected_keys == ["extra"]
    assert repr(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    np.testing.assert_array_equal(ours.head[1].weight.detach().numpy(), theirs.head[1].weight.detach().numpy())
    for model in (theirs, ours):
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "conv.bias"'):
            model.load_state_dict(state)
        with pytest.raises(RuntimeError, match="size mismatch for head.1.bias"):
            model.load_state_dict({**theirs.state_dict(), "head.1.bias": torch.zeros(4)})


def test_to_half_double_float_and_devices():
    model = _net(nn)
    assert model.to("cpu") is model and model.to(device="cpu", dtype=lm.float64) is model
    assert model.conv.weight.dtype == np.float64 and model.bn.running_mean.dtype == np.float64
    assert model.bn.num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype, as torch
    assert model.half().conv.weight.dtype == np.float16
    assert model.float().conv.weight.dtype == np.float32 and model.cpu() is model
    model.to(lm.zeros(1, dtype=lm.float64))
    assert model.head[1].bias.dtype == np.float64
    for m in (torch.nn, nn):
        with pytest.raises(TypeError, match="floating point or complex"):
            m.Linear(1, 1).to(torch.int64 if m is torch.nn else lm.int64)


def test_train_wants_a_bool_and_apply_zero_grad_requires_grad():
    for m in (torch.nn, nn):
        with pytest.raises(ValueError, match="boolean"):
            m.Linear(1, 1).train(1)
    model = _net(nn)
    seen = []
    model.apply(lambda module: seen.append(type(module).__name__))
    assert seen == [type(mod).__name__ for mod in _net(torch.nn).modules()][::-1][:0] or seen[-1] == "Sequential"
    model(lm.ones(2, 1, 4, 4)).sum().backward()
    assert model.conv.weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_sequential_indexing_slicing_and_editing_as_torch():
    theirs, ours = (m.Sequential(m.Linear(2, 3), m.ReLU(), m.Linear(3, 1)) for m in (torch.nn, nn))
    assert type(ours[-1]).__name__ == "Linear" and len(ours) == 3
    assert repr(ours[1:]) == repr(theirs[1:])  # the layers keep their names
    for model, m in ((theirs, torch.nn), (ours, nn)):
        model.append(m.Tanh())
        model.insert(1, m.Sigmoid())
        model[0] = m.Linear(2, 3, bias=False)
        del model[2]
        with pytest.raises(IndexError):
            model[7]
    assert repr(ours) == repr(theirs)
    assert repr(ours + nn.Sequential(nn.ReLU())) == repr(theirs + torch.nn.Sequential(torch.nn.ReLU()))


def test_module_list_and_dict_as_torch():
    theirs, ours = (m.ModuleList([m.ReLU(), m.Tanh()]) for m in (torch.nn, nn))
    for model, m in ((theirs, torch.nn), (ours, nn)):
        model.extend([m.Sigmoid()])
        model.insert(0, m.Identity())
        model.append(m.ReLU6())
        del model[1]
        model += [m.GELU()]
    assert repr(ours) == repr(theirs) and repr(ours[1:3]) == repr(theirs[1:3]) and len(ours) == len(theirs)
    assert nn.ModuleList().__len__() == 0
    with pytest.raises(TypeError):
        nn.ModuleList(nn.ReLU())
    theirs, ours = (m.ModuleDict({"a": m.ReLU()}) for m in (torch.nn, nn))
    for model, m in ((theirs, torch.nn), (ours, nn)):
        model.update([("b", m.Tanh())])
        model["c"] = m.Sigmoid()
        model.pop("a")
    assert repr(ours) == repr(theirs) and list(ours) == list(theirs) and "b" in ours and "a" not in ours


def test_parameter_list_and_dict_register_their_parameters():
    plist = nn.ParameterList([nn.Parameter(lm.ones(2)), lm.zeros(3)])
    plist.append(lm.ones(1))
    assert _names(plist.named_parameters()) == ["0", "1", "2"] and isinstance(plist[1], nn.Parameter)
    assert plist[1].requires_grad and len(plist) == 3 and len(plist[:2]) == 2
    pdict = nn.ParameterDict({"a": lm.ones(2)})
    pdict["b"] = nn.Parameter(lm.zeros(1))
    model = nn.Module()
    model.weights, model.table = plist, pdict
    assert list(model.state_dict()) == ["weights.0", "weights.1", "weights.2", "table.a", "table.b"]
    assert list(pdict.keys()) == ["a", "b"] and "a" in pdict and pdict.pop("a").shape == (2,)
    theirs = torch.nn.Module()
    theirs.weights = torch.nn.ParameterList([torch.ones(2), torch.zeros(3), torch.ones(1)])
    theirs.table = torch.nn.ParameterDict({"a": torch.ones(2), "b": torch.zeros(1)})
    assert list(theirs.state_dict()) == ["weights.0", "weights.1", "weights.2", "table.a", "table.b"]


def test_state_dict_takes_lamina_positional_prefix_and_torchs_legacy_destination():
    ours = _net(nn)
    assert list(ours.state_dict("model.")) == list(_net(torch.nn).state_dict(prefix="model."))
    destination = OrderedDict()
    assert list(ours.state_dict(destination, "m.")) == list(destination) and next(iter(destination)) == "m.conv.weight"


def test_forward_pre_hook_can_replace_the_inputs_as_torch():
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        layer = m.Linear(3, 2)
        handle = layer.register_forward_pre_hook(lambda module, inputs: (inputs[0] * 0,))
        np.testing.assert_allclose(np.asarray(layer(ones(1, 3)).detach().numpy()), layer.bias.detach().numpy()[None])
        handle.remove()
        assert not np.allclose(layer(ones(1, 3)).detach().numpy(), layer.bias.detach().numpy()[None])


def test_parameters_to_vector_and_back_as_torch():
    theirs, ours = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    expected = torch.nn.utils.parameters_to_vector(theirs.parameters())
    got = nn.utils.parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    got.sum().backward()
    assert np.all(ours.weight.grad.numpy() == 1)
    nn.utils.vector_to_parameters(lm.arange(8.0), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8.0), theirs.parameters())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.detach().numpy(), theirs.bias.detach().numpy())


def test_unflatten_checks_the_sizes_and_keeps_them_as_given():
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        with pytest.raises(RuntimeError, match="don't multiply up to the size of dim 1"):
            m.Unflatten(1, (2, 3))(ones(3, 4))
        assert tuple(m.Unflatten(1, (2, -1))(ones(3, 4)).shape) == (3, 2, 2)
    assert repr(nn.Unflatten(-1, [2, 2])) == repr(torch.nn.Unflatten(-1, [2, 2]))


@pytest.mark.parametrize("make", [lambda m: m.Linear(2, 3, bias=False), lambda m: m.Conv2d(1, 2, 3, bias=False),
                                  lambda m: m.MultiheadAttention(4, 2, bias=False)])
def test_an_absent_bias_is_a_declared_parameter_that_can_be_set_later(make):
    theirs, ours = make(torch.nn), make(nn)
    absent = {k for k, v in theirs._parameters.items() if v is None}
    assert {k for k, v in ours._parameters.items() if v is None} == absent
    ours.register_parameter("bias", nn.Parameter(lm.zeros(3)))
    assert "bias" in dict(ours.named_parameters())


@pytest.mark.parametrize("make, shape", [(lambda m: m.MaxPool2d(2), (5,)), (lambda m: m.Unflatten(1, (2, 3)), (3, 4)),
                                         (lambda m: m.Conv2d(2, 3, 3), (1, 3, 5, 5))])
def test_a_bad_input_error_names_the_innermost_layer_and_keeps_torchs_type(make, shape):
    with pytest.raises((RuntimeError, ValueError, IndexError)) as theirs:
        torch.nn.Sequential(make(torch.nn))(torch.ones(shape))
    layer = make(nn)
    with pytest.raises(type(theirs.value), match=f"^{type(layer).__name__}: ") as ours:
        nn.Sequential(nn.Identity(), layer)(lm.ones(*shape))
    assert "Sequential" not in str(ours.value)  # named once, by the innermost layer


def test_mse_loss_shape_error_names_the_loss():
    with pytest.raises(RuntimeError, match="^MSELoss: "):
        nn.MSELoss()(lm.ones(3, 4), lm.ones(4, 3))


def test_data_parallel_wraps_the_module_under_torchs_name():
    theirs, ours = torch.nn.DataParallel(torch.nn.Linear(2, 3)), nn.DataParallel(nn.Linear(2, 3))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_allclose(ours(lm.ones(1, 2)).detach().numpy(), theirs(torch.ones(1, 2)).detach().numpy(),
                               rtol=1e-6)
    assert isinstance(nn.NLLLoss2d(), nn.NLLLoss)
