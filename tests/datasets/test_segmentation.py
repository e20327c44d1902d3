"""lamina.datasets.segmentation: seeded MNIST digit canvases with an 11-class mask per pixel."""
import numpy as np
import pytest

from lamina.data import DataLoader
from lamina.datasets import mnist
from lamina.datasets.segmentation import CANVAS_CLASSES, digit_canvases, render_digit_canvases

pytestmark = pytest.mark.usefixtures("needs_mnist")


@pytest.fixture(scope="module")
def train(shared_data):
    return digit_canvases(train=True, n=300, seed=5, root=shared_data)


@pytest.fixture(scope="module")
def test_digits(shared_data):
    return mnist(root=shared_data, train=False)


def test_same_seed_same_canvases_other_seed_other_canvases(train, shared_data):
    again = digit_canvases(train=True, n=300, seed=5, root=shared_data)
    np.testing.assert_array_equal(again.images, train.images)
    np.testing.assert_array_equal(again.masks, train.masks)
    np.testing.assert_array_equal(again.sources, train.sources)
    other = digit_canvases(train=True, n=300, seed=6, root=shared_data)
    assert (other.images != train.images).mean() > 0.5


def test_shapes_dtypes_and_classes(train):
    assert train.images.shape == train.masks.shape == (300, 64, 64)
    assert train.images.dtype == train.masks.dtype == np.uint8
    assert len(CANVAS_CLASSES) == len(train.classes) == 11 and CANVAS_CLASSES[0] == "background"
    assert train.masks.min() == 0 and train.masks.max() <= 10
    assert set(np.unique(train.masks)) == set(range(11))     # every class appears somewhere in 300 canvases
    x, y = train.as_tensors()
    assert x.shape == (300, 1, 64, 64) and x.dtype == np.float32 and 0 <= x.numpy().min() <= x.numpy().max() <= 1
    assert y.shape == (300, 64, 64) and y.dtype == np.int64
    xb, yb = next(iter(DataLoader(train, batch_size=8)))
    assert xb.shape == (8, 1, 64, 64) and yb.shape == (8, 64, 64)
    np.testing.assert_array_equal(yb.numpy(), train.masks[:8])


def test_two_to_four_digits_and_the_mask_holds_only_their_classes(train):
    drawn = (train.sources >= 0).sum(axis=1)
    assert drawn.min() == 2 and drawn.max() == 4 and set(np.unique(drawn)) == {2, 3, 4}
    np.testing.assert_array_equal(train.sources >= 0, train.digits >= 0)
    for digits, mask in zip(train.digits, train.masks):
        assert set(np.unique(mask)) <= {0} | {1 + d for d in digits if d >= 0}
    # a digit covers 20-30 pixels of ink or more (its mask), a canvas about 2-10 % of digit pixels
    digit_fraction = (train.masks > 0).mean(axis=(1, 2))
    assert 0.02 < digit_fraction.mean() < 0.15 and digit_fraction.min() > 0


def test_digit_pixels_are_bright_and_the_background_is_noisy(train):
    images, masks = train.images.astype(np.float64) / 255, train.masks
    assert images[masks > 0].mean() > 0.6 > 0.3 > images[masks == 0].mean()
    assert images[masks == 0].std() > 0.05                 # noise, not a flat background


def test_labels_are_those_of_the_source_digits(train, shared_data):
    source = mnist(root=shared_data, train=True)
    used = train.sources >= 0
    np.testing.assert_array_equal(train.digits[used], source.targets[train.sources[used]])


def test_test_canvases_are_drawn_from_the_test_digits_only(shared_data, test_digits):
    test = digit_canvases(train=False, n=50, seed=2, root=shared_data)
    from_test = render_digit_canvases(test_digits.data, test_digits.targets, 50, seed=2)
    np.testing.assert_array_equal(test.images, from_test.images)
    train_digits = mnist(root=shared_data, train=True)
    from_train = render_digit_canvases(train_digits.data, train_digits.targets, 50, seed=2)
    assert (from_train.images != test.images).mean() > 0.05   # same draws, other pool: other pictures
    assert test.sources.max() < len(test_digits)


def test_a_single_digit_is_drawn_where_its_ink_is():
    digit = np.zeros((1, 28, 28), np.uint8)
    digit[0, 10:18, 12:16] = 255                            # an 8x4 bar of ink
    ds = render_digit_canvases(digit, np.array([7]), 4, size=64, seed=0, digits_per_canvas=(1, 1),
                               scale=(1.0, 1.0), noise=0.0)
    for image, mask in zip(ds.images, ds.masks):
        rows, cols = np.nonzero(mask)
        assert set(np.unique(mask)) == {0, 8}                  # class 1 + 7
        assert rows.max() - rows.min() + 1 == 8 and cols.max() - cols.min() + 1 == 4  # unscaled: 8x4 pixels
        assert (image[mask == 8] > 0.5 * 255).all()


def test_errors_are_clear(test_digits):
    with pytest.raises(ValueError, match=r"digits_per_canvas must be \(low, high\)"):
        render_digit_canvases(test_digits.data, test_digits.targets, 2, digits_per_canvas=(3, 2))
    with pytest.raises(ValueError, match="does not fit on a 32x32 canvas"):
        render_digit_canvases(test_digits.data, test_digits.targets, 2, size=32, scale=(1.0, 1.5))
    with pytest.raises(ValueError, match="n must be >= 0"):
        digit_canvases(n=-1)
