"""nn.Module mechanics: registration order, traversal, modes, state_dict, repr; init."""
import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn
from lamina.nn import init


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


def test_layers_name_themselves_in_shape_errors():
    with pytest.raises(ValueError, match=r"Linear: expected input with 3 features.*\(2, 4\)"):
        nn.Linear(3, 1)(lm.ones(2, 4))
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape \(N, 3, \.\.\.\).*\(2, 1, 8, 8\)"):
        nn.Conv2d(3, 4, 3)(lm.ones(2, 1, 8, 8))


def test_default_initialisation_follows_pytorch():
    lm.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    conv = nn.Conv2d(6, 16, 5)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / np.sqrt(6 * 25)
    assert layer.weight.dtype == np.float32


@pytest.mark.parametrize("fn,expected_std", [
    (lambda w: init.xavier_uniform_(w), np.sqrt(2 / (200 + 100))),
    (lambda w: init.xavier_normal_(w), np.sqrt(2 / (200 + 100))),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda w: init.normal_(w, 0, 0.02), 0.02),
])
def test_init_functions_have_the_documented_variance(fn, expected_std):
    w = nn.Parameter(lm.empty(100, 200))
    fn(w)
    assert abs(w.detach().numpy().std() - expected_std) < 0.03 * expected_std


def test_init_is_reproducible_with_a_generator():
    a, b = nn.Parameter(lm.empty(3, 3)), nn.Parameter(lm.empty(3, 3))
    init.xavier_uniform_(a, generator=lm.Generator(1))
    init.xavier_uniform_(b, generator=lm.Generator(1))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert init.calculate_gain("relu") == np.sqrt(2)


def test_activity_regularization_adds_the_keras_penalty_and_its_gradient():
    layer = nn.ActivityRegularization(l1=0.1, l2=0.01)
    x = lm.tensor([[1.0, -2.0], [0.0, 3.0]], dtype=np.float64, requires_grad=True)
    model = nn.Sequential(layer)
    out = model(x)
    assert out is x
    penalty = nn.activity_penalty(model)
    assert np.isclose(penalty.item(), (0.1 * 6 + 0.01 * 14) / 2)    # divided by the batch size, as Keras
    penalty.backward()
    np.testing.assert_allclose(x.grad.numpy(), (0.1 * np.sign(x.detach().numpy()) + 0.02 * x.detach().numpy()) / 2)
    assert nn.activity_penalty(model) == 0.0                         # consumed
    model.eval()
    model(x)
    assert nn.activity_penalty(model) == 0.0                         # no penalty at inference


def test_model_fit_adds_activity_penalties_and_makes_codes_sparser():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 8)).astype(np.float32)

    def train(l1):
        lm.manual_seed(0)
        encoder = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        autoencoder = lm.Model(nn.Sequential(encoder, nn.ActivityRegularization(l1=l1), nn.Linear(16, 8)))
        autoencoder.compile(optimizer=lm.optim.Adam(autoencoder.parameters(), lr=0.01), loss="mse")
        autoencoder.fit(x, x, epochs=30, batch_size=32, verbose=0, generator=lm.Generator(0))
        with lm.no_grad():
            return float(encoder(lm.tensor(x)).abs().mean().item())

    assert train(l1=0.05) < 0.5 * train(l1=0.0)


def _in_written_order(model, x):
    for layer in model:
        x = layer(x)
    return x


@pytest.mark.parametrize("pool", [nn.MaxPool2d(2), nn.MaxPool2d(3, stride=1, padding=1),
                                  nn.MaxPool2d(2, stride=2, ceil_mode=True)])
def test_sequential_runs_relu_after_max_pooling_with_identical_values_and_gradients(pool):
    lm.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), pool, nn.Flatten())
    # small integers: many ties inside windows, many windows with no positive number, some zeros
    x = lm.tensor(np.random.default_rng(1).integers(-3, 2, size=(4, 2, 9, 9)), dtype=lm.float64, requires_grad=True)
    model.double()
    with lm.no_grad():
        for p in model.parameters():
            p.data = np.round(p.data * 4)
    weights = lm.tensor(np.random.default_rng(2).normal(size=model(x).shape))
    results = []
    for run in (model, lambda t: _in_written_order(model, t)):
        x.grad = None
        model.zero_grad()
        y = run(x)
        (y * weights).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), model[0].weight.grad.numpy(), model[0].bias.grad.numpy()))
    assert type(model(x)._ctx.inputs[0]._ctx).__name__ == "ReLU"  # the shortcut was taken
    reordered, written = results
    assert (written[0] == 0).any() and (written[0] > 0).any()  # windows with and without a positive number
    for a, b in zip(reordered, written):
        np.testing.assert_array_equal(a, b)


def test_sequential_keeps_the_written_order_for_hooks_and_on_request():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    x = lm.randn(1, 1, 6, 6)
    assert type(model(x)._ctx).__name__ == "ReLU"
    seen = []
    handle = model[1].register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    assert type(model(x)._ctx).__name__ == "MaxPool2d"
    assert seen == [(1, 2, 4, 4)]  # the hook saw ReLU's own full-size output
    handle.remove()
    model.reorder_relu_pool = False
    assert type(model(x)._ctx).__name__ == "MaxPool2d"


def test_pytorch_inplace_arguments_are_accepted_and_leave_the_input_intact():
    x = lm.tensor([[-1.0, 2.0, -3.0]])
    before = x.numpy().copy()
    for layer, expected in [(nn.ReLU(inplace=True), [0.0, 2.0, 0.0]),
                            (nn.LeakyReLU(0.1, inplace=True), [-0.1, 2.0, -0.3]),
                            (nn.Hardtanh(-1.0, 1.0, True), [-1.0, 1.0, -1.0]),
                            (nn.ELU(1.0, inplace=True), np.where(before[0] > 0, before[0], np.expm1(before[0]))),
                            (nn.Dropout(0.5, True).eval(), before[0])]:
        np.testing.assert_allclose(layer(x).numpy()[0], expected, rtol=1e-6)
        np.testing.assert_array_equal(x.numpy(), before)
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    assert nn.SELU(inplace=True).inplace
