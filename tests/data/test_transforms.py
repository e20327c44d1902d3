"""lamina.data transforms: ToTensor, Normalize, Standardize, Compose and Lambda."""
import numpy as np
import pytest

import lamina as lm
from lamina.data import Compose, Lambda, Normalize, Standardize, ToTensor
from lamina.datasets import regression_table


def test_to_tensor_scales_uint8_and_moves_channels_first():
    gray = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    t = ToTensor()(gray)
    assert t.shape == (1, 2, 2) and t.dtype == np.float32
    assert np.allclose(t.numpy()[0], [[0, 1], [0.2, 0.4]])
    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[..., 1] = 255
    t = ToTensor()(rgb)
    assert t.shape == (3, 2, 3) and np.all(t.numpy()[1] == 1) and np.all(t.numpy()[0] == 0)


def test_normalize_per_channel():
    x = np.ones((2, 2, 1, 1), dtype=np.float32) * np.array([3.0, 5.0], dtype=np.float32).reshape(1, 2, 1, 1)
    out = Normalize([1.0, 2.0], [2.0, 3.0])(lm.tensor(x))
    assert isinstance(out, lm.Tensor)
    assert np.allclose(out.numpy()[:, :, 0, 0], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="3 values, the image has 2 channels"):
        Normalize([0, 0, 0], [1, 1, 1])(x)


def test_standardize_gives_mean_0_std_1_on_the_training_data_and_inverts():
    rng = np.random.default_rng(0)
    x_train = rng.normal([3.0, -2.0, 100.0], [0.5, 4.0, 20.0], size=(200, 3))
    scaler = Standardize().fit(x_train)
    z = scaler.transform(x_train)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-12) and np.allclose(z.std(axis=0), 1)
    assert np.allclose(scaler.mean, x_train.mean(axis=0)) and np.allclose(scaler.std, x_train.std(axis=0))
    assert np.allclose(scaler.inverse(z), x_train)
    x_test = rng.normal(size=(5, 3))
    assert np.allclose(scaler(x_test), (x_test - x_train.mean(0)) / x_train.std(0))


def test_standardize_on_the_course_table_and_a_constant_feature():
    x, _ = regression_table()
    z = Standardize().fit_transform(x)
    assert isinstance(z, lm.Tensor) and z.dtype == np.float32
    assert np.allclose(z.numpy().mean(0), 0, atol=1e-6) and np.allclose(z.numpy().std(0), 1, atol=1e-6)
    const = np.column_stack([np.full(4, 7.0), np.arange(4.0)])
    assert np.allclose(Standardize().fit_transform(const)[:, 0], 0)


def test_standardize_per_channel_and_errors():
    x = np.random.default_rng(1).normal(5, 3, size=(8, 2, 4, 4)).astype(np.float32)
    z = Standardize(axis=(0, 2, 3)).fit_transform(x)
    assert np.allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5) and np.allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-5)
    with pytest.raises(RuntimeError, match="fit"):
        Standardize().transform(x)
    with pytest.raises(ValueError, match="does not match"):
        Standardize().fit(np.zeros((4, 3))).transform(np.zeros((4, 5)))


def test_compose_and_lambda():
    pipeline = Compose([ToTensor(), Lambda(lambda t: t * 2), Normalize([1.0], [1.0])])
    out = pipeline(np.array([[255, 0]], dtype=np.uint8))
    assert np.allclose(out.numpy(), [[[1.0, -1.0]]])
    with pytest.raises(TypeError, match="callable"):
        Lambda(3)
