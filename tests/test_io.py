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


# ---- hostile and damaged files: one error type, named file, bounded memory ----------------------------------
from lamina.io import CorruptFileError  # noqa: E402


def _npy(array: np.ndarray) -> bytes:
    import io
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npy_with_header(header: str) -> bytes:
    """A .npy member whose header says anything (padded as NumPy pads it)."""
    text = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def _zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _structure(text: str) -> bytes:
    return _npy(np.frombuffer(text.encode(), dtype=np.uint8))


GOOD = '{"format": "lamina-npz-1", "object": {"__ndarray__": "a0"}}'


def _hostile_files(tmp_path):
    """name -> a file that ``load`` must refuse with CorruptFileError."""
    saved = tmp_path / "good.lmz"
    save({"w": np.arange(1000.0), "t": lm.ones(3)}, saved)
    good = saved.read_bytes()
    files = {
        "empty": b"",
        "not a zip": b"this is not a zip file at all",
        "wrong magic": b"PK\x05\x07" + good[4:],
        "truncated early": good[:40],
        "truncated middle": good[:len(good) // 2],
        "truncated end": good[:-30],
        "flipped bytes": good[:200] + bytes(b ^ 0xFF for b in good[200:400]) + good[400:],
        "a torch pickle": b"\x80\x02}q\x00.",
    }
    members = {
        "no structure": {"a0.npy": _npy(np.ones(3))},
        "structure not json": {"__structure__.npy": _structure("{not json"), "a0.npy": _npy(np.ones(3))},
        "structure not utf-8": {"__structure__.npy": _npy(np.frombuffer(b"\xff\xfe\xfd", np.uint8))},
        "structure of floats": {"__structure__.npy": _npy(np.ones(3))},
        "wrong format": {"__structure__.npy": _structure('{"format": "other", "object": 1}')},
        "structure a list": {"__structure__.npy": _structure('[1, 2]')},
        "missing array": {"__structure__.npy": _structure(GOOD)},
        "array name not a string": {"__structure__.npy": _structure(GOOD.replace('"a0"', '[1]'))},
        "unknown entry": {"__structure__.npy": _structure('{"format": "lamina-npz-1", "object": {"x": 1}}')},
        "bad dict entries": {"__structure__.npy": _structure(
            '{"format": "lamina-npz-1", "object": {"__dict__": [[1, 2, 3]]}}')},
        "unhashable key": {"__structure__.npy": _structure(
            '{"format": "lamina-npz-1", "object": {"__dict__": [[[1], 2]]}}')},
        "object scalar": {"__structure__.npy": _structure(
            '{"format": "lamina-npz-1", "object": {"__scalar__": 1, "dtype": "O"}}')},
        "deep json": {"__structure__.npy": _structure('{"format": "lamina-npz-1", "object": ' + "[" * 100000
                                                       + "]" * 100000 + "}")},
        "deep structure": {"__structure__.npy": _structure('{"format": "lamina-npz-1", "object": '
                                                            + '{"__tuple__": [' * 400 + "1" + "]}" * 400 + "}")},
        "object dtype": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy(np.array([object()], dtype=object))},
        "string dtype": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy(np.array(["abc"]))},
        "structured dtype": {"__structure__.npy": _structure(GOOD),
                             "a0.npy": _npy(np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]))},
        "huge shape": {"__structure__.npy": _structure(GOOD),
                       "a0.npy": _npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (10**12,), }")},
        "huge shape, many dims": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }")},
        "negative shape": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-5,), }")},
        "shape not ints": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': ('a',), }")},
        "header not a dict": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header("[1, 2, 3]")},
        "header with code": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
            "{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }")},
        "bad descr": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
            "{'descr': 'not a dtype', 'fortran_order': False, 'shape': (1,), }")},
        "data shorter than header says": {"__structure__.npy": _structure(GOOD), "a0.npy": _npy(np.ones(100))[:-80]},
        "bad npy magic": {"__structure__.npy": _structure(GOOD), "a0.npy": b"NOTNUMPY" + _npy(np.ones(3))[8:]},
        "npy version 9": {"__structure__.npy": _structure(GOOD), "a0.npy": b"\x93NUMPY\x09\x00" + _npy(np.ones(3))[8:]},
        "not an npy member": {"__structure__.npy": _structure(GOOD), "evil.pkl": b"\x80\x02}q\x00."},
    }
    for name, data in files.items():
        (tmp_path / f"{name}.lmz").write_bytes(data)
    for name, content in members.items():
        _zip(tmp_path / f"{name}.lmz", content)
    return sorted(list(files) + list(members)), tmp_path


def test_every_damaged_or_hostile_file_raises_one_clear_error(tmp_path):
    names, folder = _hostile_files(tmp_path)
    assert len(names) >= 34
    for name in names:
        path = folder / f"{name}.lmz"
        with pytest.raises(CorruptFileError) as error:
            load(path)
            print("not refused:", name)
        assert str(path) in str(error.value), name
        assert isinstance(error.value, ValueError)


def test_a_lying_header_is_refused_before_allocating(tmp_path):
    import tracemalloc
    path = _zip(tmp_path / "lie.lmz", {"__structure__.npy": _structure(GOOD), "a0.npy": _npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (50000000,), }")})
    assert path.stat().st_size < 1024
    tracemalloc.start()
    with pytest.raises(CorruptFileError, match="claims shape"):
        load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20  # the 400 MB the header asks for were never allocated


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nowhere.lmz")


def test_valid_members_in_every_layout_load(tmp_path):
    """Fortran order, big-endian, compressed (savez_compressed), 0-d and empty arrays all come back."""
    arrays = {"a0": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "a1": np.arange(4, dtype=">i4"),
              "a2": np.array(3.5), "a3": np.zeros((0, 4), dtype=np.float32), "a4": np.array([True, False])}
    structure = '{"format": "lamina-npz-1", "object": [' + ", ".join(
        f'{{"__ndarray__": "{name}"}}' for name in arrays) + "]}"
    path = tmp_path / "layouts.npz"
    np.savez_compressed(path, __structure__=np.frombuffer(structure.encode(), np.uint8), **arrays)
    back = load(path)
    for got, expected in zip(back, arrays.values()):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("bad", [np.array([object()], dtype=object), np.array(["a", "b"]), np.array([b"x"]),
                                 np.zeros(2, dtype=[("a", "f4")])])
def test_save_refuses_object_and_string_arrays_and_writes_nothing(tmp_path, bad):
    path = tmp_path / "out.lmz"
    save({"keep": 1}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="numeric"):
        save({"bad": bad}, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.lmz"]


def test_file_objects_and_torch_keywords_are_accepted(tmp_path):
    import io
    buffer = io.BytesIO()
    save({"w": lm.ones(2)}, buffer)
    buffer.seek(0)
    back = load(buffer, map_location="cpu", weights_only=True)
    assert back["w"].tolist() == [1.0, 1.0]
    save({"w": lm.ones(2)}, tmp_path / "w.lmz")
    assert load(tmp_path / "w.lmz", map_location=None, weights_only=False)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(CorruptFileError):
        load(io.BytesIO(b"garbage"))
