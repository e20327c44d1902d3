"""examples/vae_mnist.py on a few hundred images and one epoch: both latent sizes train, score and are drawn."""
import numpy as np
import pytest

import lamina as lm

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("vae_mnist")


@pytest.mark.usefixtures("needs_mnist")
def test_tiny_run_scores_and_draws_both_latent_sizes(example, shared_data, tmp_path, capsys):
    results = example.main(latents=(2, 20), epochs=1, out=str(tmp_path), data=str(shared_data), hidden=32,
                           train_size=256, test_size=200)
    assert list(results) == [2, 20]
    for r in results.values():
        assert r["neg_elbo"] == pytest.approx(r["reconstruction"] + r["kl"])
        assert 0 < r["kl"] < r["reconstruction"] < 600
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["vae_latent20_samples.png", "vae_latent2_grid.png", "vae_latent2_samples.png",
                     "vae_latent2_scatter.png"]
    assert all((tmp_path / name).read_bytes()[:8] == PNG_MAGIC for name in names)
    assert "test negative ELBO" in capsys.readouterr().out


def test_evaluate_is_one_seeded_sample_per_image_and_restores_the_generator(example, rng):
    model = lm.models.VAE(784, (16,), 3, generator=lm.Generator(1))
    x = rng.uniform(0, 1, (30, 784)).astype(np.float32)
    first, second = example.evaluate(model, x, seed=5, batch_size=7), example.evaluate(model, x, seed=5)
    np.testing.assert_allclose(first, second, rtol=1e-5)                  # batches do not change the draws' order
    state = model.generator.get_state()
    example.evaluate(model, x, seed=6)
    assert model.generator.get_state() == state
    eps = lm.randn(30, 3, generator=lm.Generator(5))
    with lm.no_grad():
        assert first[0] == pytest.approx(model.loss(lm.from_numpy(x), eps=eps).item(), rel=1e-5)
