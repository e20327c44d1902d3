"""The lessons on interpreting a network (lamina/course/lessons/interpret_attribution.py, interpret_features.py and
their trained models, _trained.py): each runs in quick mode into a temporary folder, writes real PNG files and
returns numbers that show what it claims; quick mode caches nothing."""
import os
import struct

import matplotlib  # noqa: F401  (the lessons draw their figures with it)
import numpy as np
import pytest

import lamina as lm
from lamina import course
from lamina.course.lessons import _trained, interpret_attribution, interpret_features

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data):
    """Both lessons in quick mode (they share the quick models), into one folder, with an empty model cache."""
    folder, cache = tmp_path_factory.mktemp("interpret"), tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMINA_DATA", str(shared_data))
        patch.setenv("LAMINA_COURSE_CACHE", str(cache))
        results = {"attribution": interpret_attribution.run(output_dir=str(folder), quick=True),
                   "features": interpret_features.run(output_dir=str(folder), quick=True)}
    return results, folder, cache


def assert_pngs(figures, folder, expected):
    assert len(figures) == expected
    for path in figures:
        assert os.path.dirname(os.path.abspath(path)) == os.path.abspath(folder)
        with open(path, "rb") as f:
            head = f.read(24)
        assert head[:8] == PNG_MAGIC, path
        width, height = struct.unpack(">II", head[16:24])
        assert width >= 400 and height >= 300, (path, width, height)
        assert os.path.getsize(path) > 10_000, path   # a real picture, not an empty canvas


@pytest.mark.parametrize("module", [interpret_attribution, interpret_features])
def test_the_lessons_follow_the_protocol(module):
    assert module.NAME in course.find_lessons()
    assert isinstance(module.DESCRIPTION, str) and module.DESCRIPTION and callable(module.run)


def test_attribution_lesson_draws_and_its_maps_beat_random_pixels(runs):
    results, folder, cache = runs
    found = results["attribution"]
    assert_pngs(found["figures"], folder, 2)
    for name in ("mnist", "fashion"):
        study = found[name]
        assert study["accuracy"] > 0.6, (name, study["accuracy"])      # quick models: 2 epochs on 2,000 images
        drops = study["drops"]
        # blacking out the pixels integrated gradients or occlusion rank highest costs more score than random pixels
        assert drops["integrated gradients"] > drops["random pixels"] + 0.5, (name, drops)
        assert drops["occlusion"] > drops["random pixels"] + 0.5, (name, drops)
        assert study["ig_delta"].max() < 0.25, study["ig_delta"]        # completeness, 16 Gauss-Legendre steps
    assert list(cache.iterdir()) == []                                  # quick mode caches nothing


def test_features_lesson_raises_every_class_score(runs):
    results, folder, _ = runs
    found = results["features"]
    assert_pngs(found["figures"], folder, 6)
    for kind in ("plain", "prior"):
        scores = found["classes"][kind]["scores"]
        assert scores.shape == (interpret_features.QUICK["steps"] + 1, 10)
        assert (scores[-1] > scores[0]).all(), (kind, scores[[0, -1]])
    assert found["classes"]["plain"]["probability"].mean() > 0.5
    prior = found["classes"]["prior"]["images"]
    assert prior.shape == (10, 1, 28, 28) and prior.min() >= 0 and prior.max() <= 1
    assert found["feature_map_shapes"]["mnist"] == {"act1": (1, 6, 28, 28), "act3": (1, 16, 10, 10)}
    assert found["feature_map_shapes"]["fashion"] == {"2": (1, 16, 28, 28), "6": (1, 32, 14, 14)}


def test_a_model_comes_from_the_users_file_or_the_cache(runs, tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("LAMINA_DATA", str(shared_data))
    monkeypatch.setenv("LAMINA_COURSE_CACHE", str(tmp_path / "cache"))
    quick = _trained.trained("mnist", quick=True, print_fn=lambda *a: None)
    weights = quick.model.state_dict()
    lm.save(weights, tmp_path / "mine.lamina")
    mine = _trained.trained("mnist", quick=True, path=tmp_path / "mine.lamina")
    assert mine.source == f"file: {tmp_path / 'mine.lamina'}" and mine.accuracy == quick.accuracy
    (tmp_path / "cache").mkdir()
    lm.save({"state_dict": weights}, tmp_path / "cache" / _trained.FILES["mnist"])
    cached = _trained.trained("mnist", quick=False)
    assert cached.source.startswith("cache: ") and not cached.model.training
    for key, value in cached.model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), weights[key].numpy(), err_msg=key)
