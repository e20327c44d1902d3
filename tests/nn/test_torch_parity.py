"""Layers built with the same arguments as their torch.nn twins: the same constructor signatures, state_dict
(keys, shapes, dtypes, buffers), outputs and gradients after loading torch's state_dict, in train and eval
mode, and the same printed form."""
import inspect
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn

# (class name, args, kwargs, inputs): an input is a shape (a float tensor with a gradient), or 'idx' (embedding
# indices), 'cls3' (class targets of 3 classes), 'prob' / 'probg' (probabilities of shape (4, 3), with a gradient)
CASES = [
    ("Linear", (4, 3), {}, [(2, 4)]), ("Linear", (4, 3), {"bias": False}, [(2, 4)]),
    ("Linear", (4, 3), {"dtype": torch.float64}, [(2, 4)]),
    ("Bilinear", (4, 3, 5), {}, [(2, 4), (2, 3)]),
    ("Conv1d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, [(2, 2, 6)]),
    ("Conv2d", (2, 3, 3), {"padding": "same", "padding_mode": "circular", "bias": False}, [(2, 2, 5, 5)]),
    ("Conv2d", (2, 4, 3), {"groups": 2, "stride": 2, "dilation": 2}, [(1, 2, 7, 7)]),
    ("ConvTranspose2d", (2, 3, 3), {"stride": 2, "output_padding": 1}, [(1, 2, 4, 4)]),
    ("BatchNorm1d", (3,), {}, [(4, 3)]), ("BatchNorm2d", (3,), {"momentum": None}, [(4, 3, 2, 2)]),
    ("BatchNorm2d", (3,), {"affine": False, "track_running_stats": False}, [(4, 3, 2, 2)]),
    ("BatchNorm1d", (3,), {"bias": False}, [(4, 3, 5)]),
    ("LayerNorm", (5,), {"bias": False}, [(2, 3, 5)]),
    ("LayerNorm", ((3, 5),), {"elementwise_affine": False}, [(2, 3, 5)]),
    ("GroupNorm", (2, 4), {}, [(2, 4, 3)]), ("GroupNorm", (2, 4), {"bias": False}, [(2, 4, 3)]),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, [(2, 3, 5)]),
    ("Embedding", (10, 3), {"padding_idx": 0}, ["idx"]), ("Embedding", (10, 3), {"max_norm": 1.0}, ["idx"]),
    ("PReLU", (3,), {}, [(2, 3, 4)]), ("RMSNorm", (5,), {}, [(2, 5)]),
    ("RMSNorm", ((2, 5),), {"eps": 1e-3}, [(3, 2, 5)]),
    ("LocalResponseNorm", (3,), {}, [(2, 5, 4)]), ("LocalResponseNorm", (2,), {}, [(2, 5, 4, 3)]),
    ("PixelShuffle", (2,), {}, [(2, 8, 3, 3)]), ("PixelShuffle", (3,), {}, [(9, 2, 2)]),
    ("PixelUnshuffle", (2,), {}, [(2, 2, 4, 6)]), ("ChannelShuffle", (2,), {}, [(2, 4, 3)]),
    ("Softmax2d", (), {}, [(2, 3, 4, 4)]),
    ("ZeroPad2d", ((1, 2, 0, 1),), {}, [(1, 2, 3, 3)]), ("ZeroPad1d", (2,), {}, [(2, 3, 4)]),
    ("ConstantPad1d", (2, 1.5), {}, [(2, 3)]), ("ConstantPad3d", (1, -2.0), {}, [(1, 2, 2, 2)]),
    ("ReflectionPad2d", (1,), {}, [(1, 2, 3, 3)]), ("ReflectionPad1d", (2,), {}, [(2, 5)]),
    ("ReplicationPad3d", (1,), {}, [(1, 1, 2, 3, 3)]), ("ReplicationPad1d", ((0, 2),), {}, [(1, 2, 3)]),
    ("CircularPad1d", ((1, 2),), {}, [(1, 2, 4)]), ("CircularPad2d", (1,), {}, [(1, 2, 3, 3)]),
    ("CosineSimilarity", (), {}, [(3, 4), (3, 4)]), ("PairwiseDistance", (), {"keepdim": True}, [(3, 4), (3, 4)]),
    ("Flatten", (0, 1), {}, [(2, 3, 4)]), ("Unflatten", (1, (2, 2)), {}, [(3, 4)]),
    ("Identity", (3,), {"unused": 1}, [(2,)]), ("Tanh", (), {}, [(2, 3)]),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear", "align_corners": False}, [(1, 2, 3, 3)]),
    ("Upsample", (), {"size": (5,), "mode": "linear"}, [(1, 2, 3)]),
    ("MultiheadAttention", (4, 2), {"batch_first": True}, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    ("Hardtanh", (), {"min_value": -0.5}, [(3, 4)]),
    ("CrossEntropyLoss", (), {"weight": torch.tensor([1., 2., 3.]), "label_smoothing": 0.1}, [(4, 3), "cls3"]),
    ("NLLLoss", (), {"size_average": False}, [(4, 3), "cls3"]),
    ("BCEWithLogitsLoss", (), {"pos_weight": torch.tensor([1., 2., 3.]), "reduce": False}, [(4, 3), "prob"]),
    ("BCELoss", (torch.tensor([1., 2., 3.]),), {}, ["probg", "prob"]),
    ("MSELoss", (False,), {}, [(3, 4), (3, 4)]), ("SmoothL1Loss", (None, False), {}, [(3, 4), (3, 4)]),
    ("L1Loss", (), {"size_average": True, "reduce": True}, [(3, 4), (3, 4)]),
]


def _inputs(spec, dtype, rng):
    """The same input for torch and Lamina."""
    if spec in ("idx", "cls3"):
        a = rng.integers(0, 10 if spec == "idx" else 3, (2, 5) if spec == "idx" else (4,))
        return torch.from_numpy(a), lm.from_numpy(a)
    a = rng.uniform(0.05, 0.95, (4, 3)) if spec in ("prob", "probg") else rng.standard_normal(spec)
    t = torch.from_numpy(a).to(dtype)
    ours = lm.from_numpy(t.numpy().copy())
    if spec == "prob":
        return t, ours
    return t.requires_grad_(), ours.requires_grad_()


def _ours(value):
    if value is torch.float64:
        return lm.float64
    return lm.from_numpy(value.numpy()) if isinstance(value, torch.Tensor) else value


def _pair(name, args, kwargs):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, name)(*args, **kwargs)
        ours = getattr(nn, name)(*[_ours(a) for a in args], **{k: _ours(v) for k, v in kwargs.items()})
    return theirs, ours


def _first(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("name, args, kwargs, inputs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_layer_matches_torch_after_loading_its_state_dict(name, args, kwargs, inputs, rng):
    theirs, ours = _pair(name, args, kwargs)
    describe = {k: (tuple(v.shape), str(v.dtype).replace("torch.", "lamina.")) for k, v in theirs.state_dict().items()}
    assert {k: (tuple(v.shape), str(v.dtype)) for k, v in ours.state_dict().items()} == describe
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    dtype = kwargs.get("dtype", torch.float32)
    for mode in ("train", "eval"):
        getattr(theirs, mode)(), getattr(ours, mode)()
        pairs = [_inputs(spec, dtype, rng) for spec in inputs]
        expected, got = _first(theirs(*[t for t, _ in pairs])), _first(ours(*[o for _, o in pairs]))
        assert tuple(got.shape) == tuple(expected.shape)
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "lamina.")
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
        if expected.requires_grad:
            g = rng.standard_normal(tuple(expected.shape))
            expected.backward(torch.from_numpy(g).to(expected.dtype))
            got.backward(lm.from_numpy(g.astype(got.dtype)))
            for t, o in pairs:
                if t.grad is not None:
                    np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)
            our_parameters = dict(ours.named_parameters())
            for key, p in theirs.named_parameters():
                if p.grad is not None:
                    np.testing.assert_allclose(our_parameters[key].grad.numpy(), p.grad.numpy(), rtol=1e-3, atol=1e-4)
            theirs.zero_grad(), ours.zero_grad()
    for key, value in theirs.state_dict().items():  # running statistics updated alike
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key].numpy()), value.numpy(), rtol=1e-5, atol=1e-6)
    assert repr(ours) == repr(theirs)


def _torch_twins():
    return sorted(name for name in dir(nn) if inspect.isclass(getattr(nn, name)) and hasattr(torch.nn, name)
                  and issubclass(getattr(nn, name), nn.Module) and name not in ("Module", "Sequential"))


@pytest.mark.parametrize("name", _torch_twins())
def test_every_torch_constructor_argument_is_accepted_in_its_place_with_its_default(name):
    theirs = inspect.signature(getattr(torch.nn, name)).parameters.values()
    ours = list(inspect.signature(getattr(nn, name)).parameters.values())
    if any(p.kind == p.VAR_POSITIONAL for p in theirs):  # Sigmoid(*args, **kwargs): anything accepted
        # (RNN/LSTM/GRU and NLLLoss2d hide their documented arguments behind *args; test_rnn.py checks RNN's)
        assert any(p.kind == p.VAR_POSITIONAL for p in ours) or issubclass(getattr(nn, name), (nn.RNNBase, nn.NLLLoss))
        return
    for i, p in enumerate(q for q in theirs if q.kind != q.VAR_KEYWORD):
        assert ours[i].name == p.name, f"{name}: argument {i} is {ours[i].name}, PyTorch's is {p.name}"
        assert ours[i].kind == p.kind, f"{name}: {p.name} is {ours[i].kind}, PyTorch's is {p.kind}"
        if not isinstance(p.default, torch.Tensor) and not callable(p.default):  # (F.relu: each library's own)
            assert ours[i].default == p.default, f"{name}: {p.name} defaults to {ours[i].default}, not {p.default}"


@pytest.mark.parametrize("make, bound", [
    (lambda m: m.Linear(40, 7), 1 / np.sqrt(40)),
    (lambda m: m.Conv2d(3, 5, 3), 1 / np.sqrt(27)),
    (lambda m: m.Conv1d(4, 6, 5, groups=2), 1 / np.sqrt(10)),
    (lambda m: m.Bilinear(9, 4, 3), 1 / np.sqrt(9)),
])
def test_the_default_initialisation_has_torchs_bounds(make, bound):
    theirs, ours = make(torch.nn), make(nn)
    for key, value in theirs.state_dict().items():
        ours_value = ours.state_dict()[key].numpy()
        assert np.abs(value.numpy()).max() <= bound + 1e-7 and np.abs(ours_value).max() <= bound + 1e-7
    weights = ours.weight.detach().numpy()
    assert np.abs(weights).max() > 0.8 * bound  # drawn over the whole range, not a narrower one


@pytest.mark.parametrize("name, kwargs, shape", [
    ("BatchNorm1d", {"momentum": None}, (5, 3)), ("BatchNorm2d", {"momentum": 0.3}, (4, 3, 2, 2)),
    ("InstanceNorm1d", {"track_running_stats": True, "momentum": None}, (2, 3, 4)),
    ("InstanceNorm2d", {"affine": True, "track_running_stats": True}, (3, 2, 2)),
])
def test_running_statistics_follow_torch_over_several_steps(name, kwargs, shape, rng):
    theirs, ours = getattr(torch.nn, name)(3, **kwargs), getattr(nn, name)(3, **kwargs)
    for _ in range(3):
        a = rng.standard_normal(shape).astype(np.float32)
        expected = theirs(torch.from_numpy(a)).detach().numpy()
        np.testing.assert_allclose(ours(lm.from_numpy(a)).detach().numpy(), expected, atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), atol=1e-6)
    theirs.eval(), ours.eval()
    a = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(lm.from_numpy(a)).detach().numpy(), theirs(torch.from_numpy(a)).detach().numpy(),
                               atol=1e-5)


# the arguments to build a layer with for the repr comparison (none where it has no required argument)
_REPR_ARGS = {
    "Threshold": (0.1, 2.0), "Embedding": (5, 3), "Linear": (2, 3), "Bilinear": (2, 3, 4), "Conv1d": (2, 3, 3),
    "Conv2d": (2, 3, 3), "Conv3d": (2, 3, 3), "ConvTranspose1d": (2, 3, 3), "ConvTranspose2d": (2, 3, 3),
    "ConvTranspose3d": (2, 3, 3), "MaxPool1d": (2,), "MaxPool2d": (2,), "MaxPool3d": (2,), "AvgPool1d": (2,),
    "AvgPool2d": (2,), "AvgPool3d": (3,), "AdaptiveAvgPool1d": (2,), "AdaptiveAvgPool2d": ((2, 3),),
    "AdaptiveAvgPool3d": (2,), "AdaptiveMaxPool1d": (2,), "AdaptiveMaxPool2d": (2,), "AdaptiveMaxPool3d": (2,),
    "LPPool1d": (2, 3), "LPPool2d": (2, 3), "LPPool3d": (2, 3), "MaxUnpool1d": (2,), "MaxUnpool2d": (2,),
    "MaxUnpool3d": (2,), "Unfold": (2,), "Fold": ((4, 4), 2), "BatchNorm1d": (3,), "BatchNorm2d": (3,),
    "BatchNorm3d": (3,), "InstanceNorm1d": (3,), "InstanceNorm2d": (3,), "InstanceNorm3d": (3,), "GroupNorm": (1, 3),
    "LayerNorm": (3,), "RMSNorm": (3,), "LocalResponseNorm": (2,), "PixelShuffle": (2,), "PixelUnshuffle": (2,),
    "ChannelShuffle": (2,), "Unflatten": (1, (2, 2)), "MultiheadAttention": (4, 2), "Upsample": (None, 2),
    "UpsamplingNearest2d": (None, 2), "UpsamplingBilinear2d": (None, 2), "TransformerEncoderLayer": (8, 2, 16),
    "TransformerDecoderLayer": (8, 2, 16), "RNNBase": ("LSTM", 3, 4), "RNNCellBase": (3, 4, True, 3),
    **{name: (3, 4) for name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")}, "LazyLinear": (3,),
    "EmbeddingBag": (10, 3), "SyncBatchNorm": (3,),
    **{f"LazyConv{t}{n}d": (4, 3) for t in ("", "Transpose") for n in (1, 2, 3)},
    **{f"{kind}Pad{n}d": (1,) for kind in ("Zero", "Reflection", "Replication", "Circular") for n in (1, 2, 3)},
    **{f"ConstantPad{n}d": (1, 2.0) for n in (1, 2, 3)},
}


@pytest.mark.parametrize("name", [n for n in _torch_twins() if n not in (
    "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "TransformerEncoder", "TransformerDecoder",
    "Transformer", "DataParallel")])  # (the transformers: tests/nn/test_transformer.py; DataParallel: test_module_api)
def test_every_layer_prints_as_torchs(name):
    args = _REPR_ARGS.get(name, ())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
