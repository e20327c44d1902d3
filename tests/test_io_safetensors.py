"""lm.save / lm.load of .safetensors files, exchanged with PyTorch through the safetensors library."""
import io

import numpy as np
import pytest
import safetensors.torch
import torch

import lamina as lm
from lamina import nn
from lamina.io import CorruptFileError
from lamina.io_safetensors import metadata


def lamina_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))


def torch_cnn():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3))


def trained_torch_cnn():
    torch.manual_seed(0)
    model = torch_cnn()
    model(torch.randn(16, 1, 8, 8))      # moves the batch-norm running statistics off their defaults
    return model.eval()


def test_a_pytorch_state_dict_loads_into_lamina_and_gives_the_same_outputs(tmp_path):
    reference = trained_torch_cnn()
    path = tmp_path / "weights.safetensors"
    safetensors.torch.save_file(reference.state_dict(), str(path))
    model = lamina_cnn()
    model.load_state_dict(lm.load(path))
    model.eval()
    x = np.random.default_rng(1).standard_normal((5, 1, 8, 8)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(lm.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_lamina_state_dict_loads_into_pytorch_and_gives_the_same_outputs(tmp_path):
    lm.manual_seed(0)
    model = lamina_cnn()
    model(lm.randn(16, 1, 8, 8))
    model.eval()
    path = tmp_path / "weights.safetensors"
    lm.save(model.state_dict(), path)
    reference = torch_cnn()
    reference.load_state_dict(safetensors.torch.load_file(str(path)))
    reference.eval()
    x = np.random.default_rng(2).standard_normal((5, 1, 8, 8)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(lm.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_dtypes_shapes_and_values_round_trip_exactly(tmp_path):
    state = {"f32": lm.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3)),
             "f64": lm.from_numpy(np.array([1.5, -2.25])), "i64": lm.from_numpy(np.array([3, 4], dtype=np.int64)),
             "flag": lm.from_numpy(np.array([True, False])), "scalar": lm.from_numpy(np.array(7.0, np.float32)),
             "transposed": lm.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3).T)}
    path = tmp_path / "state.safetensors"
    lm.save(state, path)
    loaded = lm.load(path)
    assert set(loaded) == set(state)
    for name, tensor in state.items():
        assert isinstance(loaded[name], lm.Tensor)
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy())
    assert torch.equal(safetensors.torch.load_file(str(path))["transposed"], torch.arange(6.).reshape(2, 3).T)


def test_a_module_is_saved_as_its_state_dict_with_metadata(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "linear.safetensors"
    lm.save(model, path, metadata={"epoch": "3"})
    assert set(lm.load(path)) == {"weight", "bias"}
    assert metadata(path) == {"epoch": "3"}


def test_a_safetensors_file_is_recognised_by_its_content_whatever_its_name(tmp_path):
    path = tmp_path / "weights.bin"
    safetensors.torch.save_file({"w": torch.ones(2, 2)}, str(path))
    np.testing.assert_array_equal(lm.load(path)["w"].numpy(), np.ones((2, 2), np.float32))
    buffer = io.BytesIO(path.read_bytes())
    np.testing.assert_array_equal(lm.load(buffer)["w"].numpy(), np.ones((2, 2), np.float32))


def test_only_flat_dicts_of_tensors_can_be_saved(tmp_path):
    with pytest.raises(TypeError, match="flat dict of tensors"):
        lm.save([lm.ones(2)], tmp_path / "a.safetensors")
    with pytest.raises(TypeError, match="'inner'.*tensors only"):
        lm.save({"inner": {"w": lm.ones(2)}}, tmp_path / "b.safetensors")
    assert not list(tmp_path.iterdir())


def test_a_damaged_file_gives_a_clear_error_and_a_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "weights.safetensors"
    lm.save({"w": lm.ones(3)}, path)
    good = path.read_bytes()
    path.write_bytes(good[:-4])
    with pytest.raises(CorruptFileError, match="not a valid safetensors file"):
        lm.load(path)
    path.write_bytes(good)
    with pytest.raises(TypeError):
        lm.save({"w": "text"}, path)
    assert path.read_bytes() == good
