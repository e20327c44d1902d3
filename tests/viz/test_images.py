"""lamina.viz.images: the figures are written as valid PNG files of the size asked for, and draw what they are
given (a grid's panels hold the normalised images; an overlay has its colour bar)."""
import struct
import sys

import matplotlib  # noqa: F401  (the viz extra)
import numpy as np
import pytest

import lamina as lm
from lamina import viz

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC, path
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_image_grid_writes_a_png_of_the_grid_size(tmp_path, rng):
    images = lm.tensor(rng.uniform(0, 1, (6, 1, 5, 5)).astype(np.float32))
    fig = viz.image_grid(images, titles=[f"filter {k}" for k in range(6)], ncols=3, panel_size=1.5,
                         title="six filters", path=tmp_path / "grid.png", dpi=80)
    assert png_size(tmp_path / "grid.png") == (round(3 * 1.5 * 80), round(2 * 1.5 * 80))
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 6
    for picture, image in zip(shown, images.numpy()):
        expected = (image[0] - image.min()) / (image.max() - image.min())
        np.testing.assert_allclose(np.asarray(picture), expected, rtol=1e-6)
    assert [ax.get_title() for ax in fig.axes if ax.images][:2] == ["filter 0", "filter 1"]


def test_image_grid_normalises_on_one_scale_and_draws_colour(tmp_path, rng):
    images = np.stack([np.zeros((4, 4)), np.full((4, 4), 2.0), np.full((4, 4), 4.0)])
    fig = viz.image_grid(images, normalize="all")
    values = [float(np.asarray(ax.images[0].get_array()).mean()) for ax in fig.axes if ax.images]
    assert values == [0.0, 0.5, 1.0]
    rgb = rng.uniform(0, 1, (2, 3, 4, 4))
    fig = viz.image_grid(list(rgb), normalize=None, path=tmp_path / "rgb.png")
    assert np.asarray(fig.axes[0].images[0].get_array()).shape == (4, 4, 3)
    assert png_size(tmp_path / "rgb.png")[0] > 0


def test_attribution_overlay_has_a_colour_bar_and_centres_signed_values(tmp_path, rng):
    image = rng.uniform(0, 1, (1, 8, 8))
    signed = rng.standard_normal((1, 8, 8))
    fig = viz.attribution_overlay(image, signed, title="integrated gradients", size=3.0,
                                  path=tmp_path / "overlay.png", dpi=100)
    assert png_size(tmp_path / "overlay.png") == (375, 300)
    assert len(fig.axes) == 2                      # the picture and its colour bar
    heat = fig.axes[0].images[1]
    low, high = heat.get_clim()
    assert low == -high == -np.abs(signed).max()
    cam = np.abs(rng.standard_normal((1, 1, 3, 3)))[0]   # a Grad-CAM map smaller than the input is stretched
    fig = viz.attribution_overlay(image, cam)
    assert fig.axes[0].images[1].get_clim() == (0.0, cam.max())
    assert fig.axes[0].images[1].get_extent() == fig.axes[0].images[0].get_extent()


def test_attribution_grid_one_row_per_image(tmp_path, rng):
    x = rng.uniform(0, 1, (3, 1, 6, 6))
    fig = viz.attribution_grid(x, {"saliency": np.abs(rng.standard_normal((3, 1, 6, 6))),
                                   "Grad-CAM": rng.standard_normal((3, 1, 3, 3))},
                               row_titles=["a 7", "a 2", "a 1"], panel_size=1.0, path=tmp_path / "g.png", dpi=100)
    assert png_size(tmp_path / "g.png") == (375, 300)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:3] == ["a 7", "saliency", "Grad-CAM"]
    with pytest.raises(ValueError, match="attribution_grid: 'saliency' has 2 attributions for 3 images"):
        viz.attribution_grid(x, {"saliency": x[:2]})


def test_errors_and_missing_matplotlib(monkeypatch):
    with pytest.raises(ValueError, match="image_grid: normalize must be one of"):
        viz.image_grid(np.zeros((2, 4, 4)), normalize="max")
    with pytest.raises(ValueError, match=r"image_grid: got 1 titles for 2 images"):
        viz.image_grid(np.zeros((2, 4, 4)), titles=["a"])
    with pytest.raises(ValueError, match=r"image_grid: expected images \(N, C, H, W\) or \(N, H, W\), got shape"):
        viz.image_grid(np.zeros((2, 1, 1, 4, 4)))
    for key in [k for k in sys.modules if k == "matplotlib" or k.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, key, None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        viz.image_grid(np.zeros((2, 4, 4)))
