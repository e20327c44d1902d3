"""save / load: round trips, no pickle, atomic writes."""
import os
import zipfile

import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn
from lamina.io import load, save


def test_module_state_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    save(model, tmp_path / "m.lmz")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(load(tmp_path / "m.lmz"))
    x = lm.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), fresh(x).detach().numpy())


def test_nested_checkpoint_keeps_types(tmp_path):
    obj = {"epoch": 3, "lr": 0.1, "name": "run", "none": None, "flags": [True, False],
           "shape": (2, 3), 5: "int key", "array": np.arange(4.0), "tensor": lm.ones(2, requires_grad=True),
           "scalar": np.float32(1.5), "rng": lm.get_rng_state()}
    save(obj, tmp_path / "c.lmz")
    back = load(tmp_path / "c.lmz")
    assert back["epoch"] == 3 and back["lr"] == 0.1 and back["name"] == "run" and back["none"] is None
    assert back["shape"] == (2, 3) and back[5] == "int key" and back["flags"] == [True, False]
    np.testing.assert_array_equal(back["array"], np.arange(4.0))
    assert isinstance(back["tensor"], lm.Tensor) and back["tensor"].requires_grad
    assert back["scalar"].dtype == np.float32
    lm.set_rng_state(back["rng"])


def test_a_file_that_holds_a_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __structure__=np.frombuffer(b'{"format": "lamina-npz-1", "object": {"__ndarray__": "a0"}}',
                                                dtype=np.uint8), a0=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        load(path)


def test_garbage_is_reported_clearly(tmp_path):
    path = tmp_path / "bad.lmz"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a Lamina file"):
        load(path)


def test_a_save_that_fails_midway_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "w.lmz"
    save({"v": np.ones(3)}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save({"v": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.lmz"]  # no temporary file left behind
    assert zipfile.is_zipfile(path) and os.path.getsize(path) > 0


def test_unsupported_objects_are_named():
    with pytest.raises(TypeError, match="set"):
        save({1, 2}, "/tmp/never-written.lmz")
