"""Convolutions: a hand-checkable example, finite-difference gradients (first and second order),
PyTorch as the oracle for values and gradients, and the error messages."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lamina as lm
from lamina.ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own padding

rng = np.random.default_rng(7)


# ---- a convolution by hand -------------------------------------------------------------------------
def test_hand_checked_convolution():
    image = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    kernel = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    # top-left: 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12
    y = conv2d(lm.tensor([[image]], dtype=lm.float32), lm.tensor([[kernel]], dtype=lm.float32))
    assert y.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(y.data[0, 0], [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


def test_bias_padding_and_stride_by_hand():
    x = lm.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    ones = lm.ones(1, 1, 2, 2)
    y = conv2d(x, ones, lm.tensor([0.5]), stride=2)  # sums of the four 2x2 blocks, plus 0.5
    np.testing.assert_array_equal(y.data[0, 0], [[10.5, 18.5], [42.5, 50.5]])
    corner = conv2d(x, ones, padding=1)[0, 0, 0, 0]  # only x[0, 0] = 0 is inside the first window
    assert corner.item() == 0.0


def test_adjoint_identity(r):
    """<conv2d(x, W), g> = <x, conv_transpose2d(g, W)>: the transpose is the adjoint in x."""
    x, w = r(2, 4, 9, 8), r(6, 2, 3, 3)
    kwargs = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    y = conv2d(x, w, **kwargs)
    g = r(*y.shape)
    back = conv_transpose2d(g, w, **kwargs, output_padding=(0, 1))
    assert back.shape == x.shape
    np.testing.assert_allclose((y.data * g.data).sum(), (x.data * back.data).sum(), rtol=1e-12)


def test_unbatched_input_and_skipped_gradients(r, leaf):
    x, w = leaf(rng.standard_normal((3, 6, 6)), requires_grad=False), r(4, 3, 3, 3)
    y = conv2d(x, w, padding=1)
    assert y.shape == (4, 6, 6)
    np.testing.assert_allclose(y.data, conv2d(x.unsqueeze(0), w, padding=1).data[0])
    y.sum().backward()
    assert x.grad is None and w.grad.shape == w.shape


def test_output_feeds_the_next_layer():
    """Outputs are NCHW views of batch-innermost memory; ops downstream see ordinary NCHW tensors."""
    x = lm.tensor(np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4), dtype=lm.float64)
    identity = lm.tensor(np.eye(3).reshape(3, 3, 1, 1), dtype=lm.float64)
    y = conv2d(x, identity)
    np.testing.assert_array_equal(y.data, x.data)
    np.testing.assert_array_equal(y.reshape(2, -1).data, x.data.reshape(2, -1))


# ---- finite differences ------------------------------------------------------------------------------
CONV2D_CASES = [
    dict(x=(2, 3, 6, 5), w=(4, 3, 3, 3)),
    dict(x=(2, 3, 6, 5), w=(4, 3, 3, 2), stride=2, padding=1),
    dict(x=(1, 2, 7, 7), w=(3, 2, 3, 3), stride=(2, 3), padding=(2, 0), dilation=(1, 2)),
    dict(x=(2, 2, 5, 6), w=(2, 2, 3, 3), padding="same"),
    dict(x=(2, 2, 5, 6), w=(2, 2, 4, 2), padding="same", dilation=(1, 3)),  # asymmetric padding
    dict(x=(2, 2, 5, 6), w=(3, 2, 2, 2), padding="valid"),
    dict(x=(2, 4, 5, 5), w=(6, 2, 3, 3), padding=1, groups=2),
    dict(x=(1, 3, 5, 4), w=(3, 1, 3, 3), stride=2, groups=3),  # depthwise
    dict(x=(3, 2, 4, 4), w=(5, 2, 1, 1)),
]


@pytest.mark.parametrize("case", CONV2D_CASES, ids=str)
def test_conv2d_gradcheck(case, r):
    case = dict(case)
    x, w = r(*case.pop("x")), r(*case.pop("w"))
    b = r(w.shape[0])
    assert lm.gradcheck(lambda x, w, b: conv2d(x, w, b, **case), x, w, b)


def test_conv2d_gradcheck_non_contiguous_inputs(r):
    x, w = r(2, 3, 5, 7), r(4, 3, 3, 2)
    # a transposed input (W and H swapped) and a sliced one (every other column)
    assert lm.gradcheck(lambda x, w: conv2d(x.transpose(2, 3), w, padding=1), x, w)
    assert lm.gradcheck(lambda x, w: conv2d(x[:, :, :, ::2], w.transpose(2, 3), stride=(1, 2)), x, w)


def test_conv1d_and_transposed_gradcheck(r):
    x, w, b = r(2, 4, 9), r(6, 2, 3), r(6)
    assert lm.gradcheck(lambda x, w, b: conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2), x, w, b)
    assert lm.gradcheck(lambda x, w: conv1d(x, w, padding="same", groups=2), x, w)
    wt, bt = r(4, 3, 3, 2), r(6)
    x2 = r(2, 4, 3, 4)
    assert lm.gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                                         groups=2), x2, wt, bt)
    assert lm.gradcheck(lambda x, w: conv_transpose2d(x, w, stride=(1, 2), dilation=(2, 1), groups=2), x2, wt)
    assert lm.gradcheck(lambda x, w: conv_transpose1d(x, w, stride=3, padding=1), r(1, 2, 4), r(2, 3, 3))


def test_conv2d_second_derivatives(r):
    x, w, b = r(2, 4, 5, 6), r(4, 2, 3, 2), r(4)
    assert lm.gradgradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1, groups=2), x, w, b)
    assert lm.gradgradcheck(lambda x, w: conv2d(x, w, padding="same", dilation=2, groups=2), x, w)


def test_conv_transpose2d_and_conv1d_second_derivatives(r):
    x, w, b = r(2, 4, 3, 4), r(4, 3, 3, 3), r(6)
    assert lm.gradgradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                                             groups=2), x, w, b)
    assert lm.gradgradcheck(lambda x, w: conv1d(x, w, stride=2, padding=1), r(2, 3, 7), r(2, 3, 3))


def test_hessian_vector_product_through_a_two_layer_network(r):
    """d/dW1 of |grad_x loss|^2 runs conv -> conv_transpose -> weight correlation and back."""
    x, w1, w2 = r(1, 2, 6, 6), r(3, 2, 3, 3), r(2, 3, 3, 3)

    def penalty(x, w1, w2):
        y = conv2d(lm.tanh(conv2d(x, w1, padding=1)), w2, stride=2)
        (gx,) = lm.grad((y * y).sum(), [x], create_graph=True)
        return (gx * gx).sum()

    assert lm.gradcheck(penalty, x, w1, w2)


# ---- PyTorch as the oracle ------------------------------------------------------------------------------
def _run(fn, make, arrays, dtype, g, backward):
    inputs = [make(a.astype(dtype)) for a in arrays]
    y = fn(*inputs)
    backward(y, g.astype(dtype))
    return [np.asarray(y.detach().numpy(), dtype=np.float64)] + [np.asarray(t.grad.numpy(), np.float64) for t in inputs]


def _compare(fn, torch_fn, arrays, dtype, rtol, atol):
    """Values and gradients against PyTorch's float64 results. In float32 each may also be off by up to
    twice PyTorch's own float32 error (long sums, as a weight gradient over 50,000 pixels, round)."""
    def ours(a):
        return lm.tensor(a, dtype=a.dtype, requires_grad=True)

    def theirs(a):
        return torch.tensor(a, requires_grad=True)

    def lm_backward(y, g):
        y.backward(lm.tensor(g, dtype=g.dtype))

    def torch_backward(y, g):
        y.backward(torch.tensor(g))

    shape = tuple(torch_fn(*[torch.tensor(a) for a in arrays]).shape)
    g = rng.standard_normal(shape)
    truth = _run(torch_fn, theirs, arrays, np.float64, g, torch_backward)
    got = _run(fn, ours, arrays, dtype, g, lm_backward)
    torch_own = _run(torch_fn, theirs, arrays, dtype, g, torch_backward) if dtype != np.float64 else truth
    for mine, exact, reference in zip(got, truth, torch_own):
        assert mine.shape == exact.shape
        slack = 2 * np.abs(reference - exact).max(initial=0.0)
        np.testing.assert_allclose(mine, exact, rtol=rtol, atol=max(atol, slack))


PRECISIONS = [(np.float64, 0, 1e-6), (np.float32, 1e-4, 1e-4)]

# long output rows (Wo * N >= 512): these take the row-patch path
ROW_PATCH_CASES = [
    dict(x=(64, 1, 28, 28), w=(6, 1, 5, 5), padding=2),  # LeNet-5's first layer at batch 64
    dict(x=(64, 6, 14, 14), w=(16, 6, 5, 5)),  # and its second
    dict(x=(40, 3, 9, 31), w=(4, 3, 3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
    dict(x=(64, 2, 8, 40), w=(3, 2, 2, 3), stride=(1, 2), padding="valid"),
]


@pytest.mark.parametrize("case", ROW_PATCH_CASES, ids=str)
def test_row_patches_agree_with_the_full_patch_matrix(case):
    """Both forms of the patch matrix give the same convolution and the same weight gradient."""
    from lamina.kernels import patches as K
    from lamina.ops import conv as C

    case = dict(case)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    stride, dilation = case.get("stride", (1, 1)), case.get("dilation", (1, 1))
    padding = C._padding("conv2d", case.get("padding", 0), w.shape[2:], stride, dilation)
    geo = K.Geometry(w.shape[2:], stride, dilation, padding)
    size = geo.output_size(*x.shape[2:])
    rows, full = K.patch_matrix(x, geo, size), K.FullPatches(x, geo, size)
    assert isinstance(rows, K.RowPatches)
    np.testing.assert_allclose(rows.project(w), full.project(w), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal((x.shape[0], w.shape[0]) + size)
    np.testing.assert_allclose(rows.correlate(g, x.shape[1]), full.correlate(g, x.shape[1]), rtol=1e-12, atol=1e-10)



@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", CONV2D_CASES + [dict(x=(8, 1, 28, 28), w=(6, 1, 5, 5), padding=2),
                                                 dict(x=(8, 6, 14, 14), w=(16, 6, 5, 5))] + ROW_PATCH_CASES, ids=str)
def test_conv2d_matches_torch(case, dtype, rtol, atol):
    case = dict(case)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    b = rng.standard_normal(w.shape[0])
    _compare(lambda x, w, b: conv2d(x, w, b, **case), lambda x, w, b: TF.conv2d(x, w, b, **case),
             [x, w, b], dtype, rtol, atol)


TRANSPOSED_CASES = [
    dict(x=(2, 4, 5, 4), w=(4, 3, 3, 3), stride=2, padding=1, output_padding=1),
    dict(x=(2, 4, 5, 4), w=(4, 2, 3, 2), stride=(2, 3), padding=(1, 0), output_padding=(0, 2), groups=2),
    dict(x=(2, 4, 5, 4), w=(4, 2, 3, 3), dilation=2, output_padding=1),  # output_padding < dilation
    dict(x=(1, 3, 4, 4), w=(3, 2, 4, 4), stride=2, padding=1),
]


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", TRANSPOSED_CASES, ids=str)
def test_conv_transpose2d_matches_torch(case, dtype, rtol, atol):
    case = dict(case)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    b = rng.standard_normal(w.shape[1] * case.get("groups", 1))
    _compare(lambda x, w, b: conv_transpose2d(x, w, b, **case),
             lambda x, w, b: TF.conv_transpose2d(x, w, b, **case), [x, w, b], dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
def test_1d_convolutions_match_torch(dtype, rtol, atol):
    x, w, b = rng.standard_normal((3, 4, 12)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    for kwargs in [dict(stride=2, padding=1, dilation=2, groups=2), dict(padding="same", groups=2)]:
        _compare(lambda x, w, b, kw=kwargs: conv1d(x, w, b, **kw),
                 lambda x, w, b, kw=kwargs: TF.conv1d(x, w, b, **kw), [x, w, b], dtype, rtol, atol)
    wt = rng.standard_normal((4, 3, 3))
    _compare(lambda x, w: conv_transpose1d(x, w, stride=2, padding=1, output_padding=1),
             lambda x, w: TF.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1), [x, wt], dtype, rtol, atol)


def test_lenet_block_matches_torch():
    """conv -> relu -> max pool -> conv -> relu -> max pool, float32, values and every gradient."""
    from lamina.ops.pool import max_pool2d

    arrays = [rng.standard_normal(s) for s in [(16, 1, 28, 28), (6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,)]]

    def ours(x, w1, b1, w2, b2):
        h = max_pool2d(lm.relu(conv2d(x, w1, b1, padding=2)), 2)
        return max_pool2d(lm.relu(conv2d(h, w2, b2)), 2).reshape(16, 400)

    def theirs(x, w1, b1, w2, b2):
        h = TF.max_pool2d(TF.relu(TF.conv2d(x, w1, b1, padding=2)), 2)
        return TF.max_pool2d(TF.relu(TF.conv2d(h, w2, b2)), 2).reshape(16, 400)

    _compare(ours, theirs, arrays, np.float32, 1e-4, 1e-4)


# ---- errors ------------------------------------------------------------------------------------------------
def test_channel_mismatch_message():
    with pytest.raises(ValueError) as err:
        conv2d(lm.zeros(2, 3, 28, 28), lm.zeros(6, 1, 5, 5))
    assert str(err.value) == "conv2d: input has 3 channels, weight expects 1 (weight shape (6, 1, 5, 5))"


@pytest.mark.parametrize("call, words", [
    (lambda: conv2d(lm.zeros(28, 28), lm.zeros(6, 1, 5, 5)), ["conv2d", "4-D", "(28, 28)"]),
    (lambda: conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 5, 5)), ["conv2d", "weight", "(6, 5, 5)"]),
    (lambda: conv2d(lm.zeros(1, 1, 4, 4), lm.zeros(6, 1, 5, 5)), ["conv2d", "larger", "4x4", "(1, 1, 4, 4)"]),
    (lambda: conv2d(lm.zeros(1, 1, 4, 4), lm.zeros(6, 1, 3, 3), dilation=2), ["conv2d", "larger", "5x5"]),
    (lambda: conv2d(lm.zeros(1, 4, 8, 8), lm.zeros(6, 2, 3, 3), groups=3), ["conv2d", "groups=3", "divide"]),
    (lambda: conv2d(lm.zeros(1, 4, 8, 8), lm.zeros(6, 1, 3, 3), groups=2),
     ["conv2d", "4 channels", "expects 2 = 1 x groups 2"]),
    (lambda: conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), stride=2, padding="same"), ["same", "strided"]),
    (lambda: conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), lm.zeros(4)), ["bias", "(6,)"]),
    (lambda: conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), padding="full"), ["padding", "'full'"]),
    (lambda: conv1d(lm.zeros(1, 2, 8), lm.zeros(4, 3, 3)), ["conv1d", "2 channels", "(4, 3, 3)"]),
    (lambda: conv1d(lm.zeros(1, 2, 2), lm.zeros(4, 2, 3)), ["conv1d", "larger", "(1, 2, 2)"]),
    (lambda: conv_transpose2d(lm.zeros(1, 2, 4, 4), lm.zeros(3, 1, 3, 3)), ["conv_transpose2d", "2 channels"]),
    (lambda: conv_transpose2d(lm.zeros(1, 3, 4, 4), lm.zeros(3, 1, 3, 3), stride=2, output_padding=2),
     ["output_padding", "smaller"]),
])
def test_errors_name_the_op_and_the_shapes(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value)


def test_dtype_mismatch_is_a_type_error():
    with pytest.raises(TypeError, match="conv2d: .*float32.*float64"):
        conv2d(lm.zeros(1, 1, 4, 4), lm.zeros(1, 1, 3, 3, dtype=lm.float64))


@pytest.mark.parametrize("call, words", [
    # after a cached call with stride 1: the geometry cache must not take 1.0 for the equal 1
    (lambda: (conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), stride=1),
              conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), stride=1.0)), ["conv2d", "stride", "1.0"]),
    (lambda: conv2d(lm.zeros(1, 1, 8, 8), lm.zeros(6, 1, 3, 3), stride=[1, 1.5]), ["conv2d", "stride", "[1, 1.5]"]),
    (lambda: conv3d(lm.zeros(1, 1, 4, 4, 4), lm.zeros(2, 1, 2, 2, 2), padding=0.5), ["conv3d", "padding"]),
    (lambda: conv2d(lm.zeros(1, 2, 8, 8), lm.zeros(2, 1, 3, 3), groups=2.0), ["conv2d", "groups"]),
    (lambda: conv_transpose3d(lm.zeros(1, 1, 4, 4, 4), lm.zeros(1, 2, 2, 2, 2), stride=True), ["stride"]),
])
def test_float_arguments_are_type_errors_as_in_torch(call, words):
    with pytest.raises(TypeError) as err:
        call()
    for word in words:
        assert word in str(err.value)
    with pytest.raises(TypeError):
        TF.conv2d(torch.zeros(1, 1, 8, 8), torch.zeros(6, 1, 3, 3), stride=1.0)


def test_numpy_integers_are_accepted_for_sizes():
    x, w = rng.standard_normal((1, 2, 7, 7)), rng.standard_normal((3, 2, 3, 3))
    kwargs = dict(stride=np.int64(2), padding=(np.int32(1), 0), dilation=np.int64(1), groups=np.int64(1))
    y = conv2d(lm.from_numpy(x), lm.from_numpy(w), **kwargs)
    np.testing.assert_allclose(y.data, TF.conv2d(torch.tensor(x), torch.tensor(w), **kwargs).numpy(), atol=1e-12)


@pytest.mark.parametrize("call, torch_call", [
    (lambda: conv2d(lm.zeros(1, 3, 2, 5), lm.zeros(4, 3, 3, 3)),                      # kernel larger than the input
     lambda: TF.conv2d(torch.zeros(1, 3, 2, 5), torch.zeros(4, 3, 3, 3))),
    (lambda: conv3d(lm.zeros(1, 3, 4, 2, 5), lm.zeros(4, 3, 3, 3, 3)),
     lambda: TF.conv3d(torch.zeros(1, 3, 4, 2, 5), torch.zeros(4, 3, 3, 3, 3))),
    (lambda: conv3d(lm.zeros(1, 3, 4, 4, 4), lm.zeros(4, 2, 3, 3, 3)),                # channel mismatch
     lambda: TF.conv3d(torch.zeros(1, 3, 4, 4, 4), torch.zeros(4, 2, 3, 3, 3))),
    (lambda: conv2d(lm.zeros(1, 3, 5, 5), lm.zeros(4, 3, 3, 3), groups=0),
     lambda: TF.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3, 3), groups=0)),
    (lambda: conv2d(lm.zeros(1, 3, 5, 5), lm.zeros(4, 3, 3, 3), lm.zeros(4, dtype=lm.float64)),  # bias dtype
     lambda: TF.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3, 3), torch.zeros(4, dtype=torch.float64))),
    (lambda: conv2d(lm.zeros(1, 3, 5, 5), lm.zeros(4, 3, 3, 3, dtype=lm.float64)),   # weight dtype
     lambda: TF.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3, 3, dtype=torch.float64))),
    (lambda: conv2d(lm.zeros(1, 3, 5, 5), lm.zeros(0, 3, 3, 3)),                      # no output channel
     lambda: TF.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(0, 3, 3, 3))),
    (lambda: conv2d(lm.zeros(1, 3, 0, 5), lm.zeros(4, 3, 3, 3)),                      # empty image
     lambda: TF.conv2d(torch.zeros(1, 3, 0, 5), torch.zeros(4, 3, 3, 3))),
    (lambda: conv2d(lm.zeros(1, 3, 5, 5), lm.zeros(4, 3, 3, 3), stride=(1, 1, 1)),
     lambda: TF.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3, 3), stride=(1, 1, 1))),
    (lambda: conv3d(lm.zeros(1, 3, 5, 5), lm.zeros(4, 3, 3, 3)),
     lambda: TF.conv3d(torch.zeros(1, 3, 5, 5), torch.zeros(4, 3, 3, 3))),
    (lambda: conv_transpose3d(lm.zeros(1, 3, 1, 1, 1), lm.zeros(3, 2, 1, 1, 1), padding=1),
     lambda: TF.conv_transpose3d(torch.zeros(1, 3, 1, 1, 1), torch.zeros(3, 2, 1, 1, 1), padding=1)),
    (lambda: conv_transpose3d(lm.zeros(1, 3, 2, 2, 2), lm.zeros(3, 2, 3, 3, 3), stride=2, output_padding=2),
     lambda: TF.conv_transpose3d(torch.zeros(1, 3, 2, 2, 2), torch.zeros(3, 2, 3, 3, 3), stride=2, output_padding=2)),
])
def test_bad_calls_raise_runtime_errors_as_torch(call, torch_call):
    with pytest.raises(RuntimeError):
        torch_call()
    with pytest.raises(RuntimeError):
        call()


def test_empty_batch_gives_an_empty_output_and_zero_gradients(leaf):
    x, w, b = leaf(np.zeros((0, 2, 5, 5, 5))), leaf(rng.standard_normal((3, 2, 2, 2, 2))), leaf(np.ones(3))
    y = conv3d(x, w, b, stride=2)
    assert y.shape == tuple(TF.conv3d(torch.zeros(0, 2, 5, 5, 5), torch.zeros(3, 2, 2, 2, 2), stride=2).shape)
    y.sum().backward()
    assert x.grad.shape == x.shape and not w.grad.data.any() and not b.grad.data.any()
    assert conv_transpose2d(lm.zeros(0, 2, 3, 3), lm.zeros(2, 4, 3, 3)).shape == (0, 4, 5, 5)


def test_conv_transpose3d_may_return_an_empty_output_as_torch():
    """PyTorch's float32 kernel returns an empty output where its float64 one raises."""
    x = lm.tensor(rng.standard_normal((2, 4, 1, 1, 1)), requires_grad=True)
    w = lm.tensor(rng.standard_normal((4, 2, 2, 2, 2)), requires_grad=True)
    y = conv_transpose3d(x, w, padding=(1, 0, 0))
    assert y.shape == tuple(TF.conv_transpose3d(torch.zeros(2, 4, 1, 1, 1), torch.zeros(4, 2, 2, 2, 2),
                                                padding=(1, 0, 0)).shape)
    y.sum().backward()
    assert not x.grad.data.any() and not w.grad.data.any()
    with pytest.raises(RuntimeError):
        TF.conv_transpose3d(torch.zeros(2, 4, 1, 1, 1, dtype=torch.float64),
                            torch.zeros(4, 2, 2, 2, 2, dtype=torch.float64), padding=(1, 0, 0))
    with pytest.raises(RuntimeError):
        conv_transpose3d(lm.zeros(2, 4, 1, 1, 1, dtype=lm.float64), lm.zeros(4, 2, 2, 2, 2, dtype=lm.float64),
                         padding=(1, 0, 0))


def test_integer_convolution_matches_torch():
    x, w = rng.integers(-5, 5, (2, 3, 5, 4, 4)), rng.integers(-5, 5, (4, 3, 2, 2, 2))
    y = conv3d(lm.from_numpy(x), lm.from_numpy(w), stride=(1, 2, 1), padding=1)
    expected = TF.conv3d(torch.tensor(x), torch.tensor(w), stride=(1, 2, 1), padding=1)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, expected.numpy())


# ---- 3-D convolutions --------------------------------------------------------------------------------
CONV3D_CASES = [
    dict(x=(2, 3, 4, 5, 4), w=(4, 3, 2, 3, 2)),
    dict(x=(1, 2, 5, 6, 5), w=(3, 2, 3, 3, 3), stride=2, padding=1),
    dict(x=(1, 2, 6, 5, 7), w=(2, 2, 2, 3, 2), stride=(1, 2, 3), padding=(2, 0, 1), dilation=(2, 1, 2)),
    dict(x=(2, 2, 4, 5, 4), w=(2, 2, 3, 2, 3), padding="same", dilation=(1, 2, 1)),  # asymmetric padding
    dict(x=(2, 2, 4, 4, 5), w=(3, 2, 2, 2, 2), padding="valid"),
    dict(x=(1, 4, 4, 4, 4), w=(6, 2, 3, 3, 3), padding=1, groups=2),
    dict(x=(2, 3, 3, 4, 4), w=(3, 1, 2, 2, 2), stride=2, groups=3),  # depthwise
]
TRANSPOSED3D_CASES = [
    dict(x=(2, 4, 3, 4, 3), w=(4, 3, 3, 3, 3), stride=2, padding=1, output_padding=1),
    dict(x=(1, 4, 3, 2, 3), w=(4, 2, 3, 2, 2), stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2),
         groups=2),
    dict(x=(2, 2, 3, 3, 2), w=(2, 2, 2, 3, 2), dilation=(2, 1, 3), output_padding=(1, 0, 0)),
]


@pytest.mark.parametrize("case", CONV3D_CASES, ids=str)
def test_conv3d_gradcheck(case, r):
    case = dict(case)
    x, w = r(*case.pop("x")), r(*case.pop("w"))
    assert lm.gradcheck(lambda x, w, b: conv3d(x, w, b, **case), x, w, r(w.shape[0]))


@pytest.mark.parametrize("case", TRANSPOSED3D_CASES, ids=str)
def test_conv_transpose3d_gradcheck(case, r):
    case = dict(case)
    x, w = r(*case.pop("x")), r(*case.pop("w"))
    b = r(w.shape[1] * case.get("groups", 1))
    assert lm.gradcheck(lambda x, w, b: conv_transpose3d(x, w, b, **case), x, w, b)


def test_3d_second_derivatives(r):
    x, w, b = r(1, 4, 3, 4, 3), r(4, 2, 2, 2, 2), r(4)
    assert lm.gradgradcheck(lambda x, w, b: conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=2), x, w, b)
    assert lm.gradgradcheck(lambda x, w: conv_transpose3d(x, w, stride=2, output_padding=1), r(1, 2, 2, 3, 2),
                            r(2, 2, 2, 2, 2))


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", CONV3D_CASES + [dict(x=(4, 3, 8, 16, 16), w=(8, 3, 3, 3, 3), padding=1)], ids=str)
def test_conv3d_matches_torch(case, dtype, rtol, atol):
    case = dict(case)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    b = rng.standard_normal(w.shape[0])
    _compare(lambda x, w, b: conv3d(x, w, b, **case), lambda x, w, b: TF.conv3d(x, w, b, **case),
             [x, w, b], dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", TRANSPOSED3D_CASES, ids=str)
def test_conv_transpose3d_matches_torch(case, dtype, rtol, atol):
    case = dict(case)
    x, w = rng.standard_normal(case.pop("x")), rng.standard_normal(case.pop("w"))
    b = rng.standard_normal(w.shape[1] * case.get("groups", 1))
    _compare(lambda x, w, b: conv_transpose3d(x, w, b, **case),
             lambda x, w, b: TF.conv_transpose3d(x, w, b, **case), [x, w, b], dtype, rtol, atol)


def test_unbatched_3d_input_matches_torch():
    x, w, b = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((3, 2, 2, 2, 2)), rng.standard_normal(3)
    _compare(lambda x, w, b: conv3d(x, w, b, padding=1), lambda x, w, b: TF.conv3d(x, w, b, padding=1),
             [x, w, b], np.float64, 0, 1e-6)
    wt = rng.standard_normal((2, 3, 2, 2, 2))
    _compare(lambda x, w: conv_transpose3d(x, w, stride=2), lambda x, w: TF.conv_transpose3d(x, w, stride=2),
             [x, wt], np.float64, 0, 1e-6)


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8"])
def test_dtypes_torch_has_no_kernel_for(dtype):
    """bool has no convolution in torch, and its transposed convolutions take only int64 of the integers."""
    x, w = np.ones((1, 2, 4, 4), dtype=dtype), np.ones((2, 2, 2, 2), dtype=dtype)
    calls = [(conv_transpose2d, TF.conv_transpose2d)] + ([(conv2d, TF.conv2d)] if dtype == "bool" else [])
    for ours, theirs in calls:
        with pytest.raises(NotImplementedError):
            theirs(torch.from_numpy(x), torch.from_numpy(w))
        with pytest.raises(NotImplementedError):
            ours(lm.from_numpy(x), lm.from_numpy(w))
    if dtype != "bool":
        np.testing.assert_array_equal(conv2d(lm.from_numpy(x), lm.from_numpy(w)).data,
                                      TF.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy())
