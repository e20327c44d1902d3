"""lamina.data.augment: each augmentation on tiny hand-checkable images, batches, seeds."""
import numpy as np
import pytest

import lamina as lm
from lamina.data.augment import (EdgeEnhance, GaussianNoise, Grayscale, RandomCrop, RandomHorizontalFlip,
                                 RandomRotation, RandomShift, RandomTranslation, RandomVerticalFlip, edge_enhance,
                                 grayscale, hflip, rotate, translate, vflip)

IMAGE = np.array([[1, 2], [3, 4]], dtype=np.float32)


def batch_of(image, n):
    return np.broadcast_to(image, (n, 1) + image.shape).copy()


# ---- flips ----------------------------------------------------------------------------------------
def test_flips_of_a_2x2_image():
    assert hflip(IMAGE).tolist() == [[2, 1], [4, 3]]
    assert vflip(IMAGE).tolist() == [[3, 4], [1, 2]]
    out = hflip(lm.tensor(IMAGE[None]))  # C x H x W tensor in, tensor out
    assert isinstance(out, lm.Tensor) and out.shape == (1, 2, 2) and out.tolist() == [[[2, 1], [4, 3]]]


def test_random_flip_with_p_1_and_p_0():
    batch = batch_of(IMAGE, 3)
    assert np.array_equal(RandomHorizontalFlip(p=1.0)(batch), batch[..., ::-1])
    assert np.array_equal(RandomVerticalFlip(p=1.0)(batch), batch[..., ::-1, :])
    assert np.array_equal(RandomHorizontalFlip(p=0.0)(batch), batch)


def test_random_flip_flips_some_images_of_a_batch_reproducibly():
    batch = batch_of(IMAGE, 100)
    out = RandomHorizontalFlip(p=0.5, generator=lm.Generator(0))(batch)
    flipped = np.all(out == IMAGE[::, ::-1], axis=(1, 2, 3))
    kept = np.all(out == IMAGE, axis=(1, 2, 3))
    assert np.all(flipped | kept) and 20 < flipped.sum() < 80
    again = RandomHorizontalFlip(p=0.5, generator=lm.Generator(0))(batch)
    assert np.array_equal(out, again)
    assert np.array_equal(batch, batch_of(IMAGE, 100))  # the input is left alone


# ---- rotation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [2, 3, 4])
def test_rotate_by_90_degrees_is_rot90(interpolation, size):
    image = np.arange(size * size, dtype=np.float32).reshape(size, size)
    out = rotate(image, 90, interpolation=interpolation)
    assert np.allclose(out, np.rot90(image), atol=1e-5)
    assert np.allclose(rotate(image, -90, interpolation=interpolation), np.rot90(image, -1), atol=1e-5)
    assert np.allclose(rotate(image, 180, interpolation=interpolation), image[::-1, ::-1], atol=1e-5)


def test_rotate_2x2_counter_clockwise_by_hand():
    assert np.allclose(rotate(IMAGE, 90), [[2, 4], [1, 3]], atol=1e-6)


def test_rotate_45_keeps_the_centre_and_fills_from_outside():
    image = np.ones((3, 3), dtype=np.float32)
    out = rotate(image, 45)
    assert np.isclose(out[1, 1], 1) and np.isclose(out[0, 1], 1)
    # corner (0, 0) reads the input at row 1 - sqrt(2) = -0.414, column 1: a weight sqrt(2) - 1 falls
    # outside (fill 0), the rest on row 0
    assert np.allclose(out[[0, 0, 2, 2], [0, 2, 0, 2]], 2 - np.sqrt(2))
    assert np.allclose(rotate(image, 45, fill=-1.0)[0, 0], 3 - 2 * np.sqrt(2))


def test_rotate_reads_only_fill_far_outside_the_image():
    out = rotate(np.ones((7, 7), dtype=np.float32), 45)
    assert out[0, 0] == 0  # reads the input at row -1.24: both neighbouring rows are outside


@pytest.mark.parametrize("degrees", [30, -75, 123])
def test_rotate_bilinear_matches_scipy(degrees):
    from scipy import ndimage

    image = np.random.default_rng(0).random((6, 5))
    expected = ndimage.rotate(image, degrees, reshape=False, order=1, mode="grid-constant", cval=0.3)
    assert np.allclose(rotate(image, degrees, fill=0.3), expected, atol=1e-12)


def test_rotate_keeps_uint8_and_takes_one_angle_per_image():
    image = np.arange(9, dtype=np.uint8).reshape(1, 3, 3)
    batch = np.stack([image, image])
    out = rotate(batch, [0, 90])
    assert out.dtype == np.uint8
    assert np.array_equal(out[0, 0], image[0]) and np.array_equal(out[1, 0], np.rot90(image[0]))


def test_random_rotation_is_seeded_and_per_image():
    batch = batch_of(np.arange(25, dtype=np.float32).reshape(5, 5), 4)
    out = RandomRotation(30, generator=lm.Generator(0))(batch)
    assert np.array_equal(out, RandomRotation(30, generator=lm.Generator(0))(batch))
    assert not np.array_equal(out, RandomRotation(30, generator=lm.Generator(1))(batch))
    assert not np.allclose(out[0], out[1])  # each image its own angle
    fixed = RandomRotation((90, 90), interpolation="nearest")(batch)
    assert np.array_equal(fixed[2, 0], np.rot90(batch[2, 0]))


# ---- shifts and crops ---------------------------------------------------------------------------------
def test_translate_by_one_pixel():
    assert translate(IMAGE, 0, 1).tolist() == [[0, 1], [0, 3]]  # right
    assert translate(IMAGE, 1, 0).tolist() == [[0, 0], [1, 2]]  # down
    assert translate(IMAGE, 0, -1, fill=9).tolist() == [[2, 9], [4, 9]]  # left, filled with 9
    batch = translate(batch_of(IMAGE, 2), [0, -1], [1, 0])
    assert batch[0, 0].tolist() == [[0, 1], [0, 3]] and batch[1, 0].tolist() == [[3, 4], [0, 0]]


def all_shifts(image, max_shift):
    return [translate(image, dy, dx) for dy in range(-max_shift, max_shift + 1)
            for dx in range(-max_shift, max_shift + 1)]


def test_random_translation_draws_whole_pixel_shifts():
    image = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    out = RandomTranslation(0.25, generator=lm.Generator(0))(batch_of(image, 40))  # at most 1 pixel
    shifts = all_shifts(image, 1)
    which = [next(k for k, s in enumerate(shifts) if np.array_equal(o[0], s)) for o in out]
    assert len(set(which)) > 3
    again = RandomShift(0.25, generator=lm.Generator(0))(batch_of(image, 40))
    assert np.array_equal(out, again)


def test_random_crop_with_padding_cuts_windows_of_the_padded_image():
    out = RandomCrop(2, padding=1, generator=lm.Generator(0))(batch_of(IMAGE, 30))
    assert out.shape == (30, 1, 2, 2)
    padded = np.pad(IMAGE, 1)
    windows = [padded[i:i + 2, j:j + 2] for i in range(3) for j in range(3)]
    which = [next(k for k, w in enumerate(windows) if np.array_equal(o[0], w)) for o in out]
    assert len(set(which)) > 3


def test_random_crop_without_padding_and_errors():
    image = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    out = RandomCrop((2, 3), generator=lm.Generator(2))(image)
    assert out.shape == (1, 2, 3)
    assert any(np.array_equal(out[0], image[0, i:i + 2, j:j + 3]) for i in range(3) for j in range(2))
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(5)(image)


# ---- colour and filters ---------------------------------------------------------------------------------
def test_grayscale_uses_itu_r_601_2_weights():
    rgb = np.zeros((3, 1, 3), dtype=np.float32)
    rgb[0, 0, 0], rgb[1, 0, 1], rgb[2, 0, 2] = 1, 1, 1  # a red, a green and a blue pixel
    gray = grayscale(rgb)
    assert gray.shape == (1, 1, 3) and np.allclose(gray[0, 0], [0.299, 0.587, 0.114])
    pixel = np.array([100, 150, 200], dtype=np.uint8).reshape(3, 1, 1)
    assert grayscale(pixel)[0, 0, 0] == 141  # 29.9 + 88.05 + 22.8 = 140.75, rounded
    three = Grayscale(num_output_channels=3)(lm.tensor(rgb))
    assert three.shape == (3, 1, 3) and np.allclose(three.numpy()[2, 0], [0.299, 0.587, 0.114])


def test_grayscale_errors_and_random_grayscale():
    with pytest.raises(ValueError, match="1 or 3"):
        grayscale(np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="num_output_channels=3"):
        Grayscale(p=0.5)
    batch = np.random.default_rng(0).random((50, 3, 2, 2)).astype(np.float32)
    out = Grayscale(num_output_channels=3, p=0.5, generator=lm.Generator(0))(batch)
    turned = np.all(out[:, 0] == out[:, 1], axis=(1, 2))
    assert 10 < turned.sum() < 40 and np.array_equal(out[~turned], batch[~turned])


def edge_enhance_by_loops(image):
    """PIL's EDGE_ENHANCE written out: kernel (-1 x 8, 10) / 2, border copied, +0.5 then truncation."""
    image = image.astype(np.float64)
    out = image.copy()
    h, w = image.shape
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            window = image[i - 1:i + 2, j - 1:j + 2]
            out[i, j] = (10 * image[i, j] - (window.sum() - image[i, j])) / 2
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def test_edge_enhance_by_hand_and_against_loops():
    spot = np.zeros((3, 3), dtype=np.float32)
    spot[1, 1] = 10
    out = edge_enhance(spot)
    assert out[1, 1] == 50 and np.all(out[[0, 0, 2, 2], [0, 2, 0, 2]] == 0)  # (10*10 - 0) / 2; border kept
    flat = np.full((4, 4), 7.0, dtype=np.float32)
    assert np.allclose(edge_enhance(flat), flat)  # the kernel sums to 1
    image = np.random.default_rng(0).integers(0, 256, size=(6, 7), dtype=np.uint8)
    assert np.array_equal(edge_enhance(image), edge_enhance_by_loops(image))
    assert np.array_equal(EdgeEnhance()(image[None, None])[0, 0], edge_enhance_by_loops(image))


def test_gaussian_noise_statistics_seed_and_uint8():
    zeros = np.zeros((20, 1, 16, 16), dtype=np.float32)
    out = GaussianNoise(0.5, generator=lm.Generator(0))(zeros)
    assert out.dtype == np.float32 and abs(out.mean()) < 0.02 and abs(out.std() - 0.5) < 0.02
    assert np.array_equal(out, GaussianNoise(0.5, generator=lm.Generator(0))(zeros))
    assert np.array_equal(GaussianNoise(0.0)(IMAGE), IMAGE)
    clipped = GaussianNoise(2.0, clip=(0, 1), generator=lm.Generator(0))(zeros)
    assert clipped.min() >= 0 and clipped.max() <= 1
    pixels = np.full((1, 8, 8), 250, dtype=np.uint8)
    noisy = GaussianNoise(20.0, generator=lm.Generator(0))(pixels)
    assert noisy.dtype == np.uint8 and noisy.max() == 255 and noisy.min() < 250


def test_bad_shapes_are_reported():
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: expected .* got shape \(1, 1, 1, 2, 2\)"):
        RandomHorizontalFlip()(np.zeros((1, 1, 1, 2, 2)))
