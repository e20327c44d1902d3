"""examples/dcgan_mnist.py on a tiny configuration: every stage runs, writes its files and reports its numbers."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def dcgan(load_example):
    return load_example("dcgan_mnist")


TINY = ["--train-images", "256", "--test-images", "100", "--classifier-epochs", "1", "--epochs", "2",
        "--batch-size", "32", "--width", "4", "--latent-dim", "8", "--samples", "50"]


@pytest.mark.usefixtures("needs_mnist")
def test_unconditional_then_conditional_run_with_a_saved_classifier(dcgan, shared_data, tmp_path, capsys):
    weights = tmp_path / "lenet5.lamina"
    args = ["--data", str(shared_data), "--classifier", str(weights)]
    verdict = dcgan.main(dcgan.parse_args(TINY + args + ["--out", str(tmp_path / "plain")]))
    assert weights.is_file()                                             # trained, then saved
    assert 1 <= verdict["score"] <= 10 and verdict["frechet"] >= 0
    for name in ("samples_epoch_01.png", "samples_epoch_02.png", "losses.png", "generator.lamina"):
        assert (tmp_path / "plain" / name).is_file(), name
    output = capsys.readouterr().out
    assert "LeNet-5 saved to" in output and "LeNet score" in output and "Frechet distance" in output

    verdict = dcgan.main(dcgan.parse_args(TINY + args + ["--out", str(tmp_path / "cond"), "--conditional"]))
    assert "LeNet-5 loaded from" in capsys.readouterr().out              # the saved classifier, not retrained
    assert len(verdict["class_accuracy"]) == 10 and 0 <= verdict["accuracy"] <= 1
    assert (tmp_path / "cond" / "samples_epoch_02.png").is_file()


def test_the_time_budget_stops_training_within_the_first_epoch(dcgan, rng):
    images = rng.random((64, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 64)
    generator, d_losses, g_losses, steps_per_epoch = dcgan.train_gan(
        images, labels, conditional=True, epochs=5, minutes=0.0, batch_size=16, latent_dim=8, width=4, decay=0.5)
    assert steps_per_epoch == 4 and len(d_losses) == len(g_losses) == 1        # one step, then the budget is spent
    samples, requested = dcgan.generate(generator, 25, batch_size=10)
    assert samples.shape == (25, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(requested, np.arange(25) % 10)



def test_the_budget_left_is_the_smaller_of_the_time_and_the_steps_left(dcgan):
    import time
    now = time.perf_counter()
    assert dcgan.budget_left(now, 30.0, 25, 100) == pytest.approx(0.75, abs=1e-3)          # steps run out first
    assert dcgan.budget_left(now - 45 * 60, 60.0, 25, 100) == pytest.approx(0.25, abs=1e-3)  # time runs out first
    assert dcgan.budget_left(now - 120 * 60, 60.0, 0, 100) == 0.0
    assert dcgan.budget_left(now, 0.0, 0, 100) == 0.0                                      # no time at all
