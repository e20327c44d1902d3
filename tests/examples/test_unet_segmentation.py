"""Smoke test of examples/unet_segmentation.py: a tiny U-Net for one epoch on a few canvases, its IoU report
and its pictures."""
import math

import numpy as np
import pytest

import lamina as lm

pytestmark = pytest.mark.usefixtures("needs_mnist")


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("unet_segmentation")


def test_tiny_run_reports_a_mean_iou_and_saves_the_pictures(example, shared_data, tmp_path, capsys):
    mean = example.main(epochs=1, train_canvases=32, test_canvases=8, base_channels=4, depth=2, batch_size=16,
                        out=str(tmp_path), root=str(shared_data), verbose=0)
    printed = capsys.readouterr().out
    assert 0 <= mean <= 1 and math.isfinite(mean)
    assert "IoU digit 9" in printed and f"mean IoU over the 11 classes: {mean:.3f}" in printed
    assert "epoch 1: test mean IoU" in printed
    picture = tmp_path / "segmentation.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_loss_is_cross_entropy_plus_batch_dice_and_training_lowers_it(example):
    lm.manual_seed(0)
    model = lm.models.unet(1, 3, base_channels=4, depth=1)
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 3, (4, 8, 8))
    images = lm.tensor((masks[:, None] / 2 + 0.1 * rng.standard_normal((4, 1, 8, 8))).astype(np.float32))
    loss_fn = example.segmentation_loss(dice_weight=0.5)
    target = lm.tensor(masks)
    first = loss_fn(model(images), target)
    expected = (lm.functional.cross_entropy(model(images), target)
                + 0.5 * lm.functional.dice_loss(model(images), target, batch=True))
    assert first.item() == pytest.approx(expected.item(), rel=1e-6)
    optimizer = lm.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(15):
        loss = loss_fn(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first.item() - 0.2
    predicted = example.predict_masks(model, images, batch_size=3)
    assert predicted.shape == (4, 8, 8) and predicted.dtype.kind == "i"
