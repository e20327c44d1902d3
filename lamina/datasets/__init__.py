"""Data sets: MNIST and Fashion-MNIST (IDX files), Tiny Shakespeare and rt-polarity (text; all checked and
downloaded), toy sets.

    idx.py       read/write IDX files with strict checks
    download.py  where data lives (root=, $LAMINA_DATA, ~/.cache/lamina), sha256 checks, atomic downloads
    mnist.py     mnist(), fashion_mnist() -> ImageDataset
    text.py      tiny_shakespeare() -> str, rt_polarity() -> (sentences, int64 labels)
    segmentation.py  digit_canvases() -> SegmentationDataset (MNIST digits on noisy canvases, a class per pixel)
    toy.py       digits(), regression_table(), truth_table(), circle(), xor(), gaussians(), spiral()

Host-side: files are read and data sets generated with NumPy in host memory.
"""
from .download import ChecksumError, ensure_files, resolve_root, sha256sum, verify
from .idx import IDXError, read_idx, read_idx_images, read_idx_labels, write_idx
from .mnist import ImageDataset, fashion_mnist, mnist
from .segmentation import CANVAS_CLASSES, SegmentationDataset, digit_canvases, render_digit_canvases
from .text import rt_polarity, tiny_shakespeare
from .toy import circle, digits, gaussians, regression_table, spiral, truth_table, xor

__all__ = ["ChecksumError", "ensure_files", "resolve_root", "sha256sum", "verify", "IDXError", "read_idx",
           "read_idx_images", "read_idx_labels", "write_idx", "ImageDataset", "fashion_mnist", "mnist", "circle",
           "digits", "gaussians", "regression_table", "spiral", "truth_table", "xor", "rt_polarity", "tiny_shakespeare",
           "CANVAS_CLASSES", "SegmentationDataset", "digit_canvases", "render_digit_canvases"]
