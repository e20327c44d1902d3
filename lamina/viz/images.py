"""Pictures of images and attributions, as matplotlib figures saved as PNG (``pip install matplotlib``, or the
``viz`` extra): a grid of images (filters, feature maps, class visualisations) and attributions overlaid on
their input with a colour bar.

    image_grid(filters, titles=..., title="First-layer filters", path="filters.png")
    attribution_overlay(x[0], saliency[0], title="Saliency of class 3", path="saliency.png")
    attribution_grid(x[:4], {"saliency": s, "Grad-CAM": cam}, path="attributions.png")

The figures are drawn on matplotlib's Agg canvas (no window, no pyplot state); matplotlib is imported only when a
figure is made. Host-side plotting: NumPy directly.
"""
from __future__ import annotations

import math
import os
import textwrap

import numpy as np

from ..backend import to_numpy
from ..tensor import Tensor

__all__ = ["image_grid", "attribution_overlay", "attribution_grid", "save_png"]

NORMALIZE = ("each", "all", None)


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("lamina.viz draws images with matplotlib, which is not installed: pip install matplotlib "
                          "(or pip install 'lamina[viz]')") from None
    return Figure, FigureCanvasAgg


def _figure(width: float, height: float):
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _panels(fig, rows: int, cols: int, title: str | None, panel_titles: bool, width: float, height: float,
            right: float = 0.1):
    """A rows x cols grid of axes with fixed margins: room at the top for the wrapped figure title and the panel
    titles, ``right`` inches on the right (a colour bar's labels). (Matplotlib's constrained layout measured 5x
    slower to save on these many-panel grids.)"""
    top = 0.1 + (0.2 if panel_titles else 0.0)
    if title:
        lines = _wrap(title, width).count("\n") + 1
        top += 0.17 * lines + 0.05
        fig.suptitle(_wrap(title, width), fontsize=9, y=1 - 0.04 / height, va="top")
    spacing = 0.3 / (height / rows) if panel_titles else 0.08
    axes = fig.subplots(rows, cols, squeeze=False,
                        gridspec_kw=dict(left=0.1 / width, right=1 - right / width, bottom=0.08 / height,
                                         top=1 - top / height, wspace=0.15, hspace=spacing))
    return axes


def _wrap(title: str, width_inches: float) -> str:
    """A title wrapped to the figure's width (about 14 characters per inch at font size 9)."""
    return textwrap.fill(title, max(20, int(width_inches * 14)))


def save_png(fig, path, dpi: int = 100) -> str:
    """Write ``fig`` as a PNG file (its folder created if needed): ``figsize * dpi`` pixels. Returns the path."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def _host(array) -> np.ndarray:
    return np.asarray(to_numpy(array.data if isinstance(array, Tensor) else array), dtype=np.float64)


def _as_picture(image) -> np.ndarray:
    """(H, W) or (H, W, 3) for imshow, from (H, W), (1, H, W), (3, H, W) or (C, H, W) (channels averaged)."""
    image = _host(image)
    if image.ndim == 2:
        return image
    if image.ndim != 3:
        raise ValueError(f"image_grid: an image must be (H, W) or (C, H, W), got shape {tuple(image.shape)}")
    if image.shape[0] == 3:
        return np.moveaxis(image, 0, -1)
    return image.mean(axis=0) if image.shape[0] != 1 else image[0]


def _scaled(picture: np.ndarray, low: float, high: float) -> np.ndarray:
    return (picture - low) / (high - low) if high > low else np.zeros_like(picture)


def _images(images) -> list:
    if isinstance(images, (Tensor, np.ndarray)) or hasattr(images, "__array__"):
        images = _host(images)
        if images.ndim == 4 or images.ndim == 3:
            return [images[i] for i in range(images.shape[0])]
        raise ValueError(f"image_grid: expected images (N, C, H, W) or (N, H, W), got shape {tuple(images.shape)}")
    return list(images)


def image_grid(images, titles=None, ncols: int | None = None, title: str | None = None, cmap: str = "gray",
               normalize: str | None = "each", panel_size: float = 1.6, path=None, dpi: int = 100):
    """A grid of images, (N, C, H, W) / (N, H, W) or a list of (C, H, W) / (H, W) arrays; one title each if
    given. ``normalize``: 'each' stretches every image to its own [min, max], 'all' uses one range for the
    grid (filters compared on one scale), None shows the values as they are (0..1 for RGB). Grey images
    use ``cmap``; 3-channel images are drawn in colour. Returns the matplotlib Figure; ``path``: also save it
    as a PNG of ``(ncols, nrows) * panel_size * dpi`` pixels."""
    if normalize not in NORMALIZE:
        raise ValueError(f"image_grid: normalize must be one of {NORMALIZE}, got {normalize!r}")
    pictures = [_as_picture(image) for image in _images(images)]
    if not pictures:
        raise ValueError("image_grid: no images to draw")
    if titles is not None and len(titles) != len(pictures):
        raise ValueError(f"image_grid: got {len(titles)} titles for {len(pictures)} images")
    ncols = min(len(pictures), ncols or math.ceil(math.sqrt(len(pictures))))
    nrows = math.ceil(len(pictures) / ncols)
    width, height = ncols * panel_size, nrows * panel_size
    fig = _figure(width, height)
    axes = _panels(fig, nrows, ncols, title, titles is not None, width, height).ravel()
    low = min(float(p.min()) for p in pictures)
    high = max(float(p.max()) for p in pictures)
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k >= len(pictures):
            continue
        picture = pictures[k]
        if normalize == "each":
            picture = _scaled(picture, float(picture.min()), float(picture.max()))
        elif normalize == "all":
            picture = _scaled(picture, low, high)
        shown = dict(vmin=0, vmax=1) if normalize else {}
        ax.imshow(np.clip(picture, 0, 1) if picture.ndim == 3 else picture, cmap=cmap, interpolation="nearest",
                  **shown)
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=8)
    if path is not None:
        save_png(fig, path, dpi)
    return fig


def _attribution_map(attribution) -> np.ndarray:
    attribution = _host(attribution)
    if attribution.ndim == 3:          # (C, h, w): summed over the channels, as Captum's visualisations do
        attribution = attribution.sum(axis=0)
    if attribution.ndim != 2:
        raise ValueError(f"attribution_overlay: an attribution must be (h, w) or (C, h, w), got shape "
                         f"{tuple(attribution.shape)}")
    return attribution


def _overlay(ax, image, attribution, alpha: float, cmap: str | None, colorbar: bool, label: str | None):
    """Draw the image in grey and the attribution over it (stretched to the image when smaller, as a Grad-CAM
    map); a signed attribution gets a diverging map centred on 0. Returns the attribution's image."""
    picture = _as_picture(image)
    values = _attribution_map(attribution)
    height, width = picture.shape[:2]
    extent = (-0.5, width - 0.5, height - 0.5, -0.5)
    ax.imshow(_scaled(picture, float(picture.min()), float(picture.max())), cmap="gray", vmin=0, vmax=1,
              extent=extent, interpolation="nearest")
    signed = float(values.min()) < 0
    bound = float(np.abs(values).max()) or 1.0
    limits = dict(vmin=-bound, vmax=bound) if signed else dict(vmin=0.0, vmax=bound)
    shown = ax.imshow(values, cmap=cmap or ("RdBu_r" if signed else "inferno"), alpha=alpha, extent=extent,
                      interpolation="nearest" if values.shape == (height, width) else "bilinear", **limits)
    ax.set_axis_off()
    if colorbar:
        bar = ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.02)
        bar.ax.tick_params(labelsize=6)
        if label:
            bar.set_label(label, fontsize=7)
    return shown


def attribution_overlay(image, attribution, title: str | None = None, alpha: float = 0.6, cmap: str | None = None,
                        label: str | None = "attribution", size: float = 3.2, path=None, dpi: int = 100):
    """One input image (C, H, W) or (H, W) in grey with its attribution (same size, or a smaller map such as
    Grad-CAM's, stretched over it) drawn on top with transparency ``alpha`` and a colour bar. Unsigned
    attributions use 'inferno' from 0, signed ones 'RdBu_r' centred on 0 (red: raises the score, blue: lowers it).
    Returns the Figure (``size * 1.25`` by ``size`` inches); ``path``: also save it as a PNG."""
    fig = _figure(size * 1.25, size)
    ax = _panels(fig, 1, 1, None, bool(title), size * 1.25, size, right=0.45)[0, 0]
    _overlay(ax, image, attribution, alpha, cmap, True, label)
    if title:
        ax.set_title(_wrap(title, size), fontsize=9)
    if path is not None:
        save_png(fig, path, dpi)
    return fig


def attribution_grid(images, attributions: dict, row_titles=None, title: str | None = None, alpha: float = 0.6,
                     panel_size: float = 2.0, path=None, dpi: int = 100):
    """Several inputs side by side with several attributions of each: one row per image (the input alone
    first), one column per entry of ``attributions`` (name -> (N, ...) attributions), each overlaid with its
    colour bar. Returns the Figure (``(1 + len(attributions)) * 1.25 * panel_size`` by ``N * panel_size``
    inches); ``path``: also save it as a PNG."""
    images = _images(images)
    columns = list(attributions.items())
    for name, values in columns:
        if len(values) != len(images):
            raise ValueError(f"attribution_grid: {name!r} has {len(values)} attributions for {len(images)} images")
    width, height = (1 + len(columns)) * 1.25 * panel_size, len(images) * panel_size
    fig = _figure(width, height)
    axes = _panels(fig, len(images), 1 + len(columns), title, True, width, height, right=0.45)
    for row, image in enumerate(images):
        picture = _as_picture(image)
        axes[row, 0].imshow(picture, cmap="gray", interpolation="nearest")
        axes[row, 0].set_axis_off()
        axes[row, 0].set_title(row_titles[row] if row_titles is not None else "input", fontsize=8)
        for col, (name, values) in enumerate(columns, start=1):
            _overlay(axes[row, col], image, values[row], alpha, None, True, None)
            axes[row, col].set_title(name, fontsize=8)
    if path is not None:
        save_png(fig, path, dpi)
    return fig
