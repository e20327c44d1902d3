"""lamina/course/lessons/autoencoders.py in quick mode: seed 003's parameter counts from the models, and AE vs PCA."""
import os
import struct

import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA

from lamina import course
from lamina.course.lessons import autoencoders

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def lesson(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("autoencoders")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMINA_DATA", str(shared_data))
        return autoencoders.run(output_dir=str(folder), quick=True), folder


def test_protocol_and_registry():
    assert autoencoders.NAME == "autoencoders" and autoencoders.DESCRIPTION and callable(autoencoders.run)
    assert "autoencoders" in course.find_lessons()


def test_seed003_parameter_counts_layer_by_layer():
    counts = autoencoders.parameter_counts()
    dense, deep = counts["784-32-784"], counts["784-128-64-32-64-128-784"]
    assert dense["total"] == dense["seed003"] == 50_992
    assert [p for _, _, p in dense["layers"]] == [25_120, 25_872]                          # seed 003's table
    assert deep["total"] == deep["seed003"] == 222_384
    assert [p for _, _, p in deep["layers"]] == [100_480, 8_256, 2_080, 2_112, 8_320, 101_136]
    assert [shape[-1] for _, shape, _ in deep["layers"]] == [128, 64, 32, 64, 128, 784]


@pytest.mark.usefixtures("needs_mnist")
def test_pca_errors_match_sklearn_and_fall_with_the_code_size(lesson):
    result, _ = lesson
    errors = [result["pca_mse"][k] for k in autoencoders.PCA_SIZES]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    x_train, x_test = autoencoders.load_digits(autoencoders.QUICK)
    theirs = SklearnPCA(32, svd_solver="full").fit(x_train.astype(np.float64))
    expected = ((x_test - theirs.inverse_transform(theirs.transform(x_test))) ** 2).mean()
    assert result["pca_mse"][32] == pytest.approx(expected, rel=1e-4)
    assert result["pca_parameters"] == 32 * 784 + 784 and 0.5 < result["pca_explained"] < 1


@pytest.mark.usefixtures("needs_mnist")
def test_autoencoders_learn_and_figures_are_written(lesson):
    result, folder = lesson
    for label, losses in result["ae_losses"].items():
        assert len(losses) == autoencoders.QUICK["epochs"] and losses[-1] < 0.6 * losses[0], label
        assert 0 < result["ae_mse"][label] < 0.06, label        # a guess of the mean image scores about 0.067
    assert len(result["figures"]) == 2
    for path in result["figures"]:
        assert os.path.dirname(os.path.abspath(path)) == os.path.abspath(folder)
        with open(path, "rb") as f:
            head = f.read(24)
        width, height = struct.unpack(">II", head[16:24])
        assert head[:8] == PNG_MAGIC and width >= 400 and height >= 300 and os.path.getsize(path) > 20_000
