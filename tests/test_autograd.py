"""The autograd engine: ordering, accumulation, graph lifetime, grad modes, higher order."""
import numpy as np
import pytest

import lamina as lm


def test_chain_rule_on_a_small_expression(leaf):
    x = leaf([2.0])
    y = leaf([3.0])
    z = (x * y + x.exp()) * y          # dz/dx = y (y + e^x), dz/dy = 2xy + e^x
    z.backward(lm.ones(1, dtype=np.float64))
    assert np.isclose(x.grad.item(), 3 * (3 + np.exp(2)))
    assert np.isclose(y.grad.item(), 2 * 2 * 3 + np.exp(2))


def test_a_chain_of_100000_ops_backpropagates_without_recursion_error():
    x = lm.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_over_uses_and_over_backward_calls(leaf):
    x = leaf([1.0, 2.0])
    (x * x + x).sum().backward()       # 2x + 1
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 8.0])


def test_diamond_graph_sums_both_paths(leaf):
    x = leaf(1.5)
    a = x * 2
    b = a.exp() + a.sin()              # d/dx = 2 e^(2x) + 2 cos(2x)
    b.backward()
    assert np.isclose(x.grad.item(), 2 * np.exp(3) + 2 * np.cos(3))


def test_broadcasting_is_undone_in_the_gradient(leaf):
    a = leaf(np.ones((2, 3)))
    b = leaf(np.ones((3,)))
    c = leaf(np.ones((2, 1)))
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and np.allclose(b.grad.numpy(), 2)
    assert c.grad.shape == (2, 1) and np.allclose(c.grad.numpy(), 3)


def test_second_backward_through_a_freed_graph_is_a_clear_error(leaf):
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward(leaf):
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_second_derivative_of_tanh(leaf):
    x = leaf([-1.0, 0.3, 2.0])
    (g,) = lm.grad(x.tanh().sum(), x, create_graph=True)
    (gg,) = lm.grad(g.sum(), x)
    t = np.tanh(x.numpy() if not x.requires_grad else x.detach().numpy())
    np.testing.assert_allclose(g.detach().numpy(), 1 - t**2)
    np.testing.assert_allclose(gg.numpy(), -2 * t * (1 - t**2))


def test_third_derivative_of_x_cubed_through_backward_create_graph(leaf):
    x = leaf(2.0)
    y = x**3
    y.backward(create_graph=True)      # x.grad = 3x^2, itself differentiable
    (g2,) = lm.grad(x.grad, x, create_graph=True)   # 6x
    (g3,) = lm.grad(g2, x)                          # 6
    assert np.isclose(g2.item(), 12.0) and np.isclose(g3.item(), 6.0)


def test_hessian_vector_product_of_a_small_mlp_matches_finite_differences(rng, leaf):
    x = leaf(rng.standard_normal((5, 3)), requires_grad=False)
    target = lm.tensor(rng.integers(0, 2, 5), dtype=np.float64)
    w1 = leaf(rng.standard_normal((3, 4)) * 0.5)
    w2 = leaf(rng.standard_normal((4,)) * 0.5)
    v1, v2 = rng.standard_normal((3, 4)), rng.standard_normal(4)

    def loss(a, b):
        out = ((x @ a).tanh() @ b).sigmoid()
        return ((out - target) ** 2).mean()

    ga, gb = lm.grad(loss(w1, w2), [w1, w2], create_graph=True)
    dot = (ga * lm.tensor(v1, dtype=np.float64)).sum() + (gb * lm.tensor(v2, dtype=np.float64)).sum()
    hv1, hv2 = lm.grad(dot, [w1, w2])

    eps = 1e-5

    def grads_at(shift):
        a = leaf(w1.detach().numpy() + shift * v1)
        b = leaf(w2.detach().numpy() + shift * v2)
        return [g.numpy() for g in lm.grad(loss(a, b), [a, b])]

    plus, minus = grads_at(eps), grads_at(-eps)
    np.testing.assert_allclose(hv1.numpy(), (plus[0] - minus[0]) / (2 * eps), atol=1e-6)
    np.testing.assert_allclose(hv2.numpy(), (plus[1] - minus[1]) / (2 * eps), atol=1e-6)


def test_no_graph_under_no_grad_or_without_inputs_requiring_grad():
    x = lm.ones(2, requires_grad=True)
    with lm.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    z = lm.ones(2) * 2
    assert not z.requires_grad and z.grad_fn is None

    @lm.no_grad()
    def infer(t):
        return t * 3

    assert not infer(x).requires_grad
    with lm.no_grad():
        with lm.enable_grad():
            assert (x * 2).requires_grad
    assert lm.is_grad_enabled()


def test_backward_on_a_non_scalar_needs_grad_of_the_right_shape():
    x = lm.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match=r"scalar.*\(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\).*\(2, 3\)"):
        y.backward(lm.ones(3))
    y.backward(lm.ones(2, 3))
    assert np.allclose(x.grad.numpy(), 2)


def test_detach_and_retain_grad():
    x = lm.ones(2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    d = h.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), h.data)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 6.0])
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 18.0])


def test_grad_is_a_fresh_writable_array_per_leaf():
    a = lm.ones(2, requires_grad=True)
    b = lm.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 0
    assert b.grad.tolist() == [1.0, 1.0]


def test_autograd_grad_leaves_dot_grad_alone_and_reports_unused_inputs():
    x, unused = lm.ones(2, requires_grad=True), lm.ones(2, requires_grad=True)
    (gx,) = lm.grad((x * x).sum(), x)
    assert x.grad is None and gx.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="not used"):
        lm.grad((x * 2).sum(), [x, unused])
    gx, gu = lm.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None


def test_backward_of_a_tensor_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        lm.ones(1).sum().backward()


def test_backward_accepts_pytorchs_gradient_keyword():
    x = lm.ones(2, requires_grad=True)
    (x * 3).backward(gradient=lm.tensor([1.0, 2.0]))
    assert x.grad.tolist() == [3.0, 6.0]


@pytest.mark.parametrize("size", [3, 5000])
def test_a_second_backward_adds_into_the_gradient_a_user_holds_as_pytorch(size):
    x = lm.ones(size, requires_grad=True)
    (x * 2).sum().backward()
    held = x.grad
    (x * 3).sum().backward()
    assert x.grad is held and np.all(held.numpy() == 5)  # PyTorch's AccumulateGrad adds in place too


def test_accumulation_into_a_gradient_that_is_part_of_a_graph_builds_a_new_one():
    x = lm.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    (x * x).sum().backward(create_graph=True)   # x.grad = 2x, differentiable
    first = x.grad
    (x * x).sum().backward(create_graph=True)
    assert x.grad is not first and np.allclose(x.grad.detach().numpy(), [4.0, 8.0])
    assert np.allclose(first.detach().numpy(), [2.0, 4.0])


# ---- in-place changes between forward and backward (version counter, as torch) ---------------------------
def _modify_then_backward(lib, no_grad, leaf: bool):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a = x if leaf else x * 1
    y = (a * a).sum()
    with no_grad():
        a.mul_(10)
    y.backward()


@pytest.mark.parametrize("leaf", [True, False])
def test_a_tensor_changed_in_place_after_the_forward_fails_the_backward_as_in_torch(leaf):
    import torch
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as expected:
        _modify_then_backward(torch, torch.no_grad, leaf)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as got:
        _modify_then_backward(lm, lm.no_grad, leaf)
    assert "is at version 1; expected version 0 instead" in str(expected.value)
    assert "[torch.FloatTensor [2]]" in str(got.value) and "is at version 1; expected version 0 instead" in str(got.value)
    assert ("which is output 0 of" in str(got.value)) == (not leaf) == ("which is output 0 of" in str(expected.value))


def test_versions_count_every_in_place_change_and_detach_shares_the_count():
    import torch
    for lib in (torch, lm):
        x = lib.zeros(3)
        assert x._version == 0
        x.add_(1)
        x.mul_(2)
        x[0] = 5.0
        x += 1
        x.zero_()
        x.fill_(2.0)
        x.clamp_(0, 1)
        x.detach().sub_(1)
        assert x._version == 8, lib


def test_changes_before_the_forward_or_under_data_leave_the_backward_alone():
    x = lm.tensor([1.0, 2.0], requires_grad=True)
    with lm.no_grad():
        x.mul_(10)  # before the graph exists: nothing is stale
    y = (x * x).sum()
    x.data *= 0.5  # .data is outside the version count (as torch's .data): optimisers update this way
    y.backward()
    assert x.grad.tolist() == [10.0, 20.0]


def test_a_node_that_was_recorded_after_the_change_backpropagates():
    x = lm.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with lm.no_grad():
        x.mul_(10)
    with pytest.raises(RuntimeError):
        y.backward()
    z = (x * x).sum()
    z.backward()
    assert x.grad.tolist() == [20.0, 40.0]


def test_training_with_an_optimizer_between_backward_passes_still_works():
    model = lm.nn.Linear(3, 2)
    optimizer = lm.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = lm.ones(4, 3)
    for _ in range(3):
        optimizer.zero_grad()
        model(x).pow(2).sum().backward()
        optimizer.step()
    assert all(p._version == 0 for p in model.parameters())


@pytest.mark.parametrize("make, fails", [(lambda x: x.exp(), True), (lambda x: x.sigmoid(), True),
                                         (lambda x: x * 3, False), (lambda x: x + 1, False)])
def test_an_output_changed_after_the_forward_fails_only_where_the_backward_reads_it_as_torch(make, fails):
    import torch
    for lib in (torch, lm):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = make(x)
        with lib.no_grad():
            y.mul_(2)
        if fails:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                y.sum().backward()
        else:
            y.sum().backward()
            assert x.grad is not None


def test_an_output_changed_in_the_graph_keeps_the_values_its_node_saved():
    """y = exp(x); y += 1 in the graph: exp's backward reads the result it saved, which the update must not
    overwrite (torch refuses this case; Lamina keeps the old array for exp and gives the true gradient)."""
    x = lm.tensor([0.5, -1.0], dtype=lm.float64, requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0]), rtol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), np.exp([0.5, -1.0]) + 1, rtol=1e-12)


def test_backward_inputs_fills_only_their_grad_as_pytorch():
    import torch
    x, y = lm.tensor([1.0, 2.0], requires_grad=True), lm.tensor([3.0], requires_grad=True)
    tx, ty = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    for _ in range(2):  # accumulates like any backward
        (x * x * y).sum().backward(inputs=[x])
        (tx * tx * ty).sum().backward(inputs=[tx])
    assert x.grad.tolist() == tx.grad.tolist() and y.grad is None and ty.grad is None
    with pytest.raises(RuntimeError):
        (x * y).sum().backward(inputs=[])


# ---- PyTorch's autograd API details --------------------------------------------------------------------------
def _torch():
    import torch
    return torch


@pytest.mark.parametrize("call", [
    lambda lib, x: (x * x).backward(),                                  # no grad for a non-scalar output
    lambda lib, x: (x * x).backward(lib.ones(3)),                       # grad of the wrong shape
    lambda lib, x: lib.autograd.grad(x * x, x),
    lambda lib, x: lib.tensor([1.0, 2.0]).retain_grad(),                # retain_grad without requires_grad
])
def test_bad_backward_calls_raise_torch_runtime_error(call):
    torch = _torch()
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(RuntimeError):
        call(lm, lm.tensor([1.0, 2.0], requires_grad=True))


def _grads(lib, materialize):
    x, z = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([1.0], requires_grad=True)
    return lib.autograd.grad((x * x).sum(), [x, z], allow_unused=True, materialize_grads=materialize)


@pytest.mark.parametrize("materialize", [False, True])
def test_grad_materialize_grads_matches_torch(materialize):
    expected, got = _grads(_torch(), materialize), _grads(lm, materialize)
    for ours, theirs in zip(got, expected):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("kwargs", [{}, {"inputs": "x"}, {"grad_tensors": "ones"}])
def test_autograd_backward_function_matches_torch(kwargs):
    out = []
    for lib in (_torch(), lm):
        x, y = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)
        args = {}
        if "inputs" in kwargs:
            args["inputs"] = [x]
        tensors = [(x * y).sum()]
        if "grad_tensors" in kwargs:
            tensors, args["grad_tensors"] = [x * y], [lib.ones(2)]
        lib.autograd.backward(tensors, **args)
        out.append([None if t.grad is None else t.grad.numpy() for t in (x, y)])
    for ours, theirs in zip(out[1], out[0]):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("mode", [True, False])
def test_inference_mode_records_no_graph_as_torch(mode):
    results = []
    for lib, ctx in ((_torch(), _torch().inference_mode), (lm, lm.autograd.inference_mode)):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with ctx(mode):
            y = x * 2
        results.append(y.requires_grad)
    assert results[0] == results[1]


_JACOBIAN_CASES = [
    (lambda lib, a: a * a, ([1.0, 2.0, 3.0],)),
    (lambda lib, a: (a ** 3).sum(), ([1.0, -2.0],)),
    (lambda lib, a: a.exp().reshape(2, 2) @ a.reshape(2, 2), ([[0.5, -1.0], [0.25, 2.0]],)),
    (lambda lib, a, b: a * b.sum(), ([1.0, 2.0], [3.0, -1.0, 0.5])),
    (lambda lib, a, b: (a.sin(), (a * b).sum()), ([1.0, 2.0], [0.5, 0.25])),
    (lambda lib, a: (a * 0).detach(), ([1.0, 2.0],)),
]


def _flatten(value):
    return [v for item in value for v in _flatten(item)] if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("fn, data", _JACOBIAN_CASES)
def test_functional_jacobian_matches_torch(fn, data):
    torch = _torch()
    results = []
    for lib in (torch, lm):
        inputs = tuple(lib.tensor(d, dtype=lib.float64) for d in data)
        results.append(lib.autograd.functional.jacobian(lambda *xs: fn(lib, *xs), inputs if len(inputs) > 1 else inputs[0]))
    assert isinstance(results[1], tuple) == isinstance(results[0], tuple)
    for ours, theirs in zip(_flatten(results[1]), _flatten(results[0])):
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("fn, data", [
    (lambda lib, a: (a ** 3).sum(), ([1.0, -2.0],)),
    (lambda lib, a: (a.exp() * a).sum(), ([[0.5, -1.0], [0.25, 2.0]],)),
    (lambda lib, a, b: (a * a * b.sum()).sum(), ([1.0, 2.0], [3.0, -1.0, 0.5])),
    (lambda lib, a, b: (a * 2).sum() + b.sum(), ([1.0, 2.0], [0.5])),
])
def test_functional_hessian_matches_torch(fn, data):
    torch = _torch()
    results = []
    for lib in (torch, lm):
        inputs = tuple(lib.tensor(d, dtype=lib.float64) for d in data)
        results.append(lib.autograd.functional.hessian(lambda *xs: fn(lib, *xs), inputs if len(inputs) > 1 else inputs[0]))
    for ours, theirs in zip(_flatten(results[1]), _flatten(results[0])):
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def _hooked_run(lib, remove, use_grad):
    seen = []
    x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = x * 3
    handle = y.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g + 1)
    if remove:
        handle.remove()
    loss = (y * y).sum()
    if use_grad:
        return lib.autograd.grad(loss, x)[0].tolist(), seen
    loss.backward()
    return x.grad.tolist(), seen


@pytest.mark.parametrize("remove", [False, True])
@pytest.mark.parametrize("use_grad", [False, True])
def test_register_hook_sees_and_replaces_gradients_as_torch(remove, use_grad):
    assert _hooked_run(lm, remove, use_grad) == _hooked_run(_torch(), remove, use_grad)


def test_register_hook_on_a_tensor_without_grad_raises_torch_runtime_error():
    with pytest.raises(RuntimeError):
        _torch().ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError):
        lm.ones(2).register_hook(lambda g: g)
