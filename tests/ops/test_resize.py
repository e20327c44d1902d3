"""Resizing (interpolate, upsample): hand-checkable numbers, finite-difference gradients (first and
second order), PyTorch as the oracle for values and gradients, and the error messages."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lamina as lm
from lamina.ops.resize import interpolate, upsample, upsample_bilinear, upsample_nearest

rng = np.random.default_rng(11)


# ---- by hand ----------------------------------------------------------------------------------------
def test_nearest_and_bilinear_by_hand():
    x = lm.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    np.testing.assert_array_equal(interpolate(x, scale_factor=2).data[0, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    corners = interpolate(x, size=3, mode="bilinear", align_corners=True).data[0, 0]
    np.testing.assert_allclose(corners, [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    # align_corners=False: output pixel 1 of 4 sits at input 0.25 -> 1 + 0.25
    np.testing.assert_allclose(interpolate(x, size=(1, 4), mode="bilinear").data[0, 0, 0], [2, 2.25, 2.75, 3])


# ---- finite differences ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, align", [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                                         ("bilinear", True)])
def test_interpolate_gradcheck(mode, align, r):
    x = r(2, 2, 3, 4)
    assert lm.gradcheck(lambda x: interpolate(x, size=(5, 3), mode=mode, align_corners=align), x)
    assert lm.gradcheck(lambda x: interpolate(x.transpose(2, 3), scale_factor=1.5, mode=mode, align_corners=align), x)
    assert lm.gradgradcheck(lambda x: interpolate(x, scale_factor=2, mode=mode, align_corners=align) ** 2, x)


# ---- PyTorch as the oracle ------------------------------------------------------------------------------------
PRECISIONS = [(np.float64, 0, 1e-6), (np.float32, 1e-4, 1e-4)]
RESIZES = [dict(size=(8, 3)), dict(size=13), dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=0.6),
           dict(scale_factor=(3, 0.5)), dict(scale_factor=2.3, recompute_scale_factor=True)]


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("mode, align", [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                                         ("bilinear", True)])
@pytest.mark.parametrize("resize", RESIZES, ids=str)
def test_interpolate_matches_torch(resize, mode, align, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: interpolate(x, mode=mode, align_corners=align, **resize),
             lambda x: TF.interpolate(x, mode=mode, align_corners=align, **resize),
             rng.standard_normal((2, 3, 5, 7)), dtype, rtol, atol)


def test_1d_interpolate_and_upsample_match_torch(vs_torch):
    x = rng.standard_normal((2, 3, 5))
    for mode, align in [("nearest", None), ("linear", False), ("linear", True)]:
        kwargs = {"size": 12, "mode": mode, "align_corners": align}
        vs_torch(lambda x, kw=kwargs: interpolate(x, **kw), lambda x, kw=kwargs: TF.interpolate(x, **kw), x,
                 np.float64, 0, 1e-6)
    x = rng.standard_normal((1, 2, 3, 4))
    vs_torch(lambda x: upsample(x, scale_factor=3, mode="bilinear", align_corners=False),
             lambda x: TF.interpolate(x, scale_factor=3, mode="bilinear", align_corners=False), x, np.float64, 0, 1e-6)


# ---- errors -------------------------------------------------------------------------------------------------------
# the ids these cases had when they followed the eight pooling cases in one list: the test ids stay the same
@pytest.mark.parametrize("call, words", [
    (lambda: interpolate(lm.zeros(1, 1, 4), size=8, mode="bilinear"), ["interpolate", "'bilinear'", "4-D"]),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=8, scale_factor=2), ["interpolate", "only one"]),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=8, mode="cubic"), ["interpolate", "mode"]),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=8, align_corners=True), ["align_corners"]),
], ids=[f"<lambda>-words{i}" for i in range(8, 12)])
def test_errors_name_the_op_and_the_shapes(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value)


# ---- 3-D, bicubic and area -----------------------------------------------------------------------------
RESIZES_3D = [dict(size=(3, 7, 9)), dict(size=5), dict(scale_factor=2), dict(scale_factor=1.7),
              dict(scale_factor=(0.6, 2.3, 1.5)), dict(scale_factor=2.3, recompute_scale_factor=True)]


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("mode, align", [("nearest", None), ("nearest-exact", None), ("trilinear", False),
                                         ("trilinear", True), ("area", None)])
@pytest.mark.parametrize("resize", RESIZES_3D, ids=str)
def test_5d_interpolate_matches_torch(resize, mode, align, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: interpolate(x, mode=mode, align_corners=align, **resize),
             lambda x: TF.interpolate(x, mode=mode, align_corners=align, **resize),
             rng.standard_normal((2, 2, 4, 5, 6)), dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("resize", RESIZES, ids=str)
def test_bicubic_matches_torch(resize, align, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: interpolate(x, mode="bicubic", align_corners=align, **resize),
             lambda x: TF.interpolate(x, mode="bicubic", align_corners=align, **resize),
             rng.standard_normal((2, 3, 5, 7)), dtype, rtol, atol)


@pytest.mark.parametrize("mode, align", [("trilinear", False), ("trilinear", True), ("nearest", None),
                                         ("area", None)])
def test_5d_gradcheck(mode, align, r):
    x = r(1, 2, 3, 4, 3)
    assert lm.gradcheck(lambda x: interpolate(x, size=(4, 3, 5), mode=mode, align_corners=align), x)
    assert lm.gradgradcheck(lambda x: interpolate(x, scale_factor=1.5, mode=mode, align_corners=align) ** 2, x)


@pytest.mark.parametrize("align", [False, True])
def test_bicubic_gradcheck(align, r):
    x = r(1, 2, 4, 5)
    assert lm.gradcheck(lambda x: interpolate(x, size=(7, 3), mode="bicubic", align_corners=align), x)
    assert lm.gradgradcheck(lambda x: interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=align) ** 2, x)


@pytest.mark.parametrize("call, torch_call, error", [
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=3, mode="trilinear"),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), size=3, mode="trilinear"), NotImplementedError),
    (lambda: interpolate(lm.zeros(1, 1, 2, 4, 4), size=3, mode="bicubic"),
     lambda: TF.interpolate(torch.zeros(1, 1, 2, 4, 4), size=3, mode="bicubic"), NotImplementedError),
    (lambda: interpolate(lm.zeros(2, 4), size=3), lambda: TF.interpolate(torch.zeros(2, 4), size=3),
     NotImplementedError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4, dtype=lm.int64), size=3),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4, dtype=torch.int64), size=3), NotImplementedError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), scale_factor=0.1),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), scale_factor=0.1), RuntimeError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=2.5), lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), size=2.5),
     TypeError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4)), lambda: TF.interpolate(torch.zeros(1, 1, 4, 4)), ValueError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=(2, 3, 4)),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), size=(2, 3, 4)), ValueError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=3, mode="area", align_corners=False),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), size=3, mode="area", align_corners=False), ValueError),
    (lambda: interpolate(lm.zeros(1, 1, 4, 4), size=3, recompute_scale_factor=True),
     lambda: TF.interpolate(torch.zeros(1, 1, 4, 4), size=3, recompute_scale_factor=True), ValueError),
])
def test_errors_have_torchs_types(call, torch_call, error):
    with pytest.raises(error):
        torch_call()
    with pytest.raises(error):
        call()


def test_empty_batch_resizes_to_an_empty_batch():
    y = interpolate(lm.zeros(0, 2, 4, 5, 3), scale_factor=2, mode="trilinear")
    assert y.shape == tuple(TF.interpolate(torch.zeros(0, 2, 4, 5, 3), scale_factor=2, mode="trilinear").shape)


@pytest.mark.filterwarnings("ignore:`nn.functional.upsample")  # torch's deprecation notes on its own names
def test_deprecated_upsample_names_match_torch(vs_torch):
    x = rng.standard_normal((2, 3, 4, 5))
    vs_torch(lambda x: upsample_nearest(x, scale_factor=2), lambda x: TF.upsample_nearest(x, scale_factor=2), x,
             np.float64, 0, 1e-12)
    vs_torch(lambda x: upsample_bilinear(x, size=(6, 7)), lambda x: TF.upsample_bilinear(x, size=(6, 7)), x,
             np.float64, 0, 1e-12)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_modes_resize_uint8_images_as_torch(mode):
    x = rng.integers(0, 256, (2, 3, 5, 7)).astype(np.uint8)
    for data in (x, x[:, :, 0], x.reshape(2, 3, 5, 7, 1)):
        y = interpolate(lm.from_numpy(data), scale_factor=1.7, mode=mode)
        expected = TF.interpolate(torch.from_numpy(data), scale_factor=1.7, mode=mode)
        assert y.dtype == np.uint8
        np.testing.assert_array_equal(y.data, expected.numpy())
