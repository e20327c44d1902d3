"""examples/autoencoders_mnist.py on a few hundred images and one epoch: every model trains, is tested and drawn."""
import numpy as np
import pytest
import torch

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("autoencoders_mnist")


@pytest.mark.usefixtures("needs_mnist")
def test_every_model_on_a_tiny_run(example, shared_data, tmp_path, capsys):
    results = example.main(epochs=1, out=str(tmp_path), data=str(shared_data), train_size=300, test_size=20)
    assert list(results) == ["dense", "deep", "sparse", "denoising", "conv", "pca"]
    assert results["dense"]["parameters"] == 50_992 and results["deep"]["parameters"] == 222_384
    assert results["sparse"]["parameters"] == 50_992 and results["pca"]["parameters"] == 32 * 784 + 784
    for name, r in results.items():
        assert 0 < r["mse"] < 0.3, name
        assert name == "pca" or 0 < r["bce"] < 1, name
    assert 0 < results["pca"]["explained_variance"] < 1
    assert {"bce_noisy", "mse_noisy"} <= set(results["denoising"]) and {"bce_noisy"} <= set(results["deep"])
    for name in [*results, "codes_of_32"]:
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG_MAGIC
    out = capsys.readouterr().out
    assert "pca (PCA, 32 components): test mse" in out and "denoising MSE" in out


@pytest.mark.usefixtures("needs_mnist")
def test_models_option_runs_a_subset_and_subsets_combine_in_the_summary(example, shared_data, tmp_path, capsys):
    sizes = dict(out=str(tmp_path), data=str(shared_data), train_size=200, test_size=10)
    results = example.main(models=("pca",), **sizes)
    assert list(results) == ["pca"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes_of_32.png", "pca.json", "pca.npz", "pca.png"]
    capsys.readouterr()
    assert list(example.main(models=("dense",), epochs=1, **sizes)) == ["dense"]
    table = capsys.readouterr().out.split("model        parameters")[1]
    assert table.split("\n")[1].startswith("dense") and table.split("\n")[2].startswith("pca")  # the earlier run's
    assert example.main(models=(), **sizes) == {}                               # only the summary of the saved ones
    assert [line.split()[0] for line in capsys.readouterr().out.split("model        parameters")[1].split("\n")[1:3]] \
        == ["dense", "pca"]
    example.main(models=("dense",), epochs=1, **{**sizes, "test_size": 12})
    assert "pca" not in capsys.readouterr().out.split("model        parameters")[1]   # other test images: left out
    with pytest.raises(SystemExit, match="unknown models"):
        example.main(models=("dense", "gan"), out=str(tmp_path))


def test_metrics_and_noise(example, rng):
    target = rng.uniform(0, 1, (5, 784)).astype(np.float32)
    output = rng.uniform(0.01, 0.99, (5, 784)).astype(np.float32)
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(output, dtype=torch.float64),
                                                        torch.tensor(target, dtype=torch.float64)).item()
    assert example.bce_per_pixel(target, output) == pytest.approx(expected, rel=1e-10)
    assert example.mse_per_pixel(target, output) == pytest.approx(((target - output.astype(float)) ** 2).mean())
    noisy = example.noisy(target, seed=3)
    np.testing.assert_array_equal(noisy, example.noisy(target, seed=3))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, target)
