"""lamina/course/lessons/adversarial_fooling.py in quick mode: LeNet-5 trained small, attacks that lower its
accuracy as eps grows, fooling images at >= 99 %, four real PNGs, the cache and a user's weights file."""
import os

import numpy as np
import pytest

import lamina as lm
from lamina.course.lessons import adversarial_fooling as lesson

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("adversarial_fooling")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMINA_DATA", str(shared_data))
        patch.setenv("LAMINA_CACHE", str(folder / "cache"))
        return lesson.run(output_dir=str(folder / "out"), quick=True), folder


@pytest.mark.usefixtures("needs_mnist")
def test_protocol_and_pictures(quick_run):
    result, folder = quick_run
    assert lesson.NAME == "adversarial_fooling" and lesson.DESCRIPTION
    names = [os.path.basename(path) for path in result["figures"]]
    assert names == ["adversarial_growing_eps.png", "adversarial_accuracy.png", "adversarial_targeted.png",
                     "fooling_images.png"]
    for path in result["figures"]:
        assert os.path.dirname(path) == str(folder / "out")
        with open(path, "rb") as f:
            assert f.read(8) == PNG_MAGIC
        assert os.path.getsize(path) > 20_000
    assert not (folder / "cache").exists()                 # quick mode trains its small copy and caches nothing


@pytest.mark.usefixtures("needs_mnist")
def test_attacks_lower_the_accuracy_and_pgd_is_at_least_as_strong(quick_run):
    result, _ = quick_run
    curve = result["accuracy"]
    assert result["model"]["source"] == "trained" and result["model"]["test_accuracy"] > 0.85
    assert curve["fgsm"][0] == curve["pgd"][0] == result["model"]["test_accuracy"]     # eps 0: no change
    assert curve["fgsm"][-1] < 0.2 and curve["pgd"][-1] < 0.05
    assert all(p <= f + 0.02 for f, p in zip(curve["fgsm"], curve["pgd"]))
    assert np.all(np.diff(curve["pgd"]) <= 0.01)
    shown = result["growing_eps"]
    assert np.array_equal(np.array(shown["classes"])[:, 0], shown["labels"])              # eps 0: all correct
    assert (np.array(shown["classes"])[:, -1] != shown["labels"]).any()                   # eps 0.3: fooled


@pytest.mark.usefixtures("needs_mnist")
def test_fooling_images_reach_99_percent_and_targets_are_reached(quick_run):
    result, _ = quick_run
    assert result["fooling"]["classes"] == list(range(10))
    assert min(result["fooling"]["confidences"]) >= 0.99
    targeted = result["targeted"]
    reached = [k for k in range(10) if targeted["classes"][k] == k]
    assert len(reached) >= 6 and targeted["label"] in reached


@pytest.mark.usefixtures("needs_mnist")
def test_the_network_is_cached_on_first_use_and_a_weights_file_is_used_as_it_is(tmp_path, shared_data,
                                                                                  monkeypatch):
    monkeypatch.setenv("LAMINA_DATA", str(shared_data))
    monkeypatch.setattr(lesson, "FULL", {"train": 500, "epochs": 1, "evaluate": 50})      # "full" mode, tiny
    model, source = lesson.trained_lenet5(cache_dir=tmp_path)
    assert source == "trained" and (tmp_path / lesson.WEIGHTS_FILE).is_file()
    again, source = lesson.trained_lenet5(cache_dir=tmp_path)
    assert source == "cache"
    for a, b in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    lm.manual_seed(3)
    mine = lesson.lenet5()
    lm.save(mine.state_dict(), tmp_path / "mine.lmn")
    loaded, source = lesson.trained_lenet5(weights=tmp_path / "mine.lmn", cache_dir=tmp_path)
    assert source == "file"
    for a, b in zip(mine.parameters(), loaded.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
