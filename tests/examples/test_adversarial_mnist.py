"""Smoke test of examples/adversarial_mnist.py: both trainings and every attack on a slice of MNIST, in seconds."""
import pytest

import lamina as lm


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("adversarial_mnist")


@pytest.mark.usefixtures("needs_mnist")
def test_the_whole_example_on_a_slice(example, shared_data, capsys):
    results = example.main(epochs=1, adv_epochs=1, ramp_epochs=0.5, train_samples=1000, test_samples=200,
                           pgd_samples=100, pgd_steps=3, pgd_alpha=0.1, data=str(shared_data), verbose=0)
    printed = capsys.readouterr().out
    assert "PGD-3 eps=0.3" in printed and "standard" in printed and "adversarial" in printed
    keys = ["clean", "FGSM eps=0.1", "FGSM eps=0.2", "FGSM eps=0.3", "PGD-3 eps=0.3"]
    for row in results.values():
        assert list(row) == keys and all(0.0 <= value <= 1.0 for value in row.values())
    standard = results["standard"]
    assert standard["clean"] > 0.5                               # 1000 images, one epoch: far above chance
    assert standard["FGSM eps=0.3"] < standard["FGSM eps=0.1"] < standard["clean"]


def test_accuracy_with_and_without_an_attack(example):
    lm.manual_seed(0)
    model = example.small_cnn()
    x, y = lm.rand(20, 1, 28, 28), lm.from_numpy((lm.rand(20).numpy() * 10).astype("int64"))
    with model.evaluating():
        expected = float((model(x).argmax(1).numpy() == y.numpy()).mean())
    assert example.accuracy(model, x, y, batch_size=7) == pytest.approx(expected)
    assert example.accuracy(model, x, y, attack=lambda m, xb, yb: xb, batch_size=7) == pytest.approx(expected)
    attack = example.pgd_attack(eps=0.3, alpha=0.1, steps=2, seed=0)
    assert example.accuracy(model, x, y, attack) <= expected
