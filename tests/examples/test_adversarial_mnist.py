"""Smoke test of examples/adversarial_mnist.py: both trainings and every attack on a slice of MNIST, in seconds."""
import numpy as np
import pytest

import lamina as lm


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("adversarial_mnist")


@pytest.mark.usefixtures("needs_mnist")
def test_the_whole_example_on_a_slice(example, shared_data, capsys):
    results = example.main(epochs=1, adv_epochs=2, ramp_epochs=0.5, train_samples=1200, test_samples=200,
                           held_out=200, pgd_samples=100, pgd_steps=3, pgd_alphas=(0.1,), data=str(shared_data),
                           verbose=0)
    printed = capsys.readouterr().out
    assert "PGD-3 0.3 a=0.1" in printed and "standard" in printed and "adversarial" in printed
    assert "PGD-10 accuracy on 200 held-out training images" in printed
    keys = ["clean", "FGSM 0.1", "FGSM 0.2", "FGSM 0.3", "PGD-3 0.3 a=0.1"]
    for row in results.values():
        assert list(row) == keys and all(0.0 <= value <= 1.0 for value in row.values())
    standard = results["standard"]
    assert standard["clean"] > 0.5                               # 1000 images, one epoch: far above chance
    assert standard["FGSM 0.3"] < standard["FGSM 0.1"] < standard["clean"]


def test_cyclic_lr_and_the_best_epoch_restored(example):
    lm.manual_seed(0)
    model = lm.Model(example.small_cnn())
    model.compile(optimizer="adam", loss="cross_entropy")
    schedule = example.CyclicLR(lr_max=0.01, epochs=5)
    schedule.set_model(model)
    schedule.set_params({"steps": 10, "epochs": 5})
    rates = []
    for epoch in range(5):
        schedule.on_epoch_begin(epoch)
        for batch in range(10):
            schedule.on_batch_begin(batch)
            rates.append(model.optimizer.param_groups[0]["lr"])
    assert rates[19] == pytest.approx(0.01) and rates[-1] == pytest.approx(0.0)   # peak at 40 %, 0 at the end
    assert rates[0] == pytest.approx(0.0005) and max(rates) == pytest.approx(0.01)

    x, y = lm.rand(30, 1, 28, 28), lm.from_numpy((lm.rand(30).numpy() * 10).astype("int64"))
    check = example.RobustCheck(x, y, eps=0.3, seed=0)
    check.set_model(model)
    check.set_params({"epochs": 3})
    check.on_epoch_end(0)
    first = [p.detach().numpy().copy() for p in model.parameters()]
    check.best = 2.0                                                     # epoch 1 stays the most robust
    for p in model.parameters():
        p.data[...] = 0
    check.on_epoch_end(1)
    check.on_train_end()
    for p, saved in zip(model.parameters(), first):
        np.testing.assert_array_equal(p.detach().numpy(), saved)


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
