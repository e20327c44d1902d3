"""MNIST and Fashion-MNIST: 60,000 training and 10,000 test images of 28 x 28 grey pixels, 10 classes.

    train = lm.datasets.mnist(train=True)         # files from root=, $LAMINA_DATA/mnist or ~/.cache
    train.data, train.targets                     # uint8 (60000, 28, 28), int64 (60000,)
    x, y = train.as_tensors()                     # float32 (60000, 1, 28, 28) in [0, 1], int64
    for xb, yb in DataLoader(train, batch_size=64, shuffle=True):   # same, one batch at a time
        ...

The files are checked against their published sha256 before use (see ``download.py``).
"""
from __future__ import annotations

import numpy as np

from ..backend import xp
from ..data.dataset import Dataset
from ..tensor import Tensor
from .download import ensure_files
from .idx import read_idx_images, read_idx_labels

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
    "train-labels-idx1-ubyte.gz": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
    "t10k-images-idx3-ubyte.gz": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    "t10k-labels-idx1-ubyte.gz": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
}
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
    "train-labels-idx1-ubyte.gz": ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
    "t10k-images-idx3-ubyte.gz": ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
    "t10k-labels-idx1-ubyte.gz": ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
}
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
FASHION_MNIST_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")


class ImageDataset(Dataset):
    """Labelled uint8 images kept as they are in memory; samples come out as float32 in [0, 1].

    ``data``: uint8 ``(N, H, W)``; ``targets``: int64 ``(N,)``; ``classes``: the class names.
    ``ds[i]`` is ``(image float32 (1, H, W), label int64 0-d)``; a ``DataLoader`` fetches whole
    batches ``(float32 (B, 1, H, W), int64 (B,))`` with one gather (conversion per batch only).
    ``transform``, if given, is applied to each image or batch of images (the augmentations of
    ``lamina.data.augment`` accept both).
    """

    batched = True

    def __init__(self, data, targets, classes=(), transform=None):
        data, targets = xp.asarray(data), xp.asarray(targets, dtype=np.int64)
        if data.ndim != 3 or targets.shape != data.shape[:1]:
            raise ValueError(f"ImageDataset: expected images (N, H, W) and labels (N,), got shapes "
                             f"{tuple(data.shape)} and {tuple(targets.shape)}")
        self.data, self.targets, self.classes, self.transform = data, targets, tuple(classes), transform

    def __len__(self) -> int:
        return self.data.shape[0]

    def _images(self, pixels):
        images = pixels[..., None, :, :].astype(np.float32) * np.float32(1 / 255)
        return images if self.transform is None else self.transform(images)

    def get_batch(self, index):
        return Tensor._wrap(xp.asarray(self._images(self.data[index]))), Tensor._wrap(self.targets[index])

    def __getitem__(self, index):
        index = int(index)
        return Tensor._wrap(xp.asarray(self._images(self.data[index]))), Tensor._wrap(xp.asarray(self.targets[index]))

    def as_tensors(self) -> tuple[Tensor, Tensor]:
        """The whole set: ``(float32 (N, 1, H, W) in [0, 1], int64 (N,))`` (``transform`` not applied)."""
        return Tensor._wrap(self.data[:, None].astype(np.float32) * np.float32(1 / 255)), Tensor._wrap(self.targets)

    def __repr__(self) -> str:
        return f"ImageDataset({len(self)} images of {self.data.shape[1:]}, {len(self.classes)} classes)"


def _load(name, files, mirrors, classes, root, train, download, transform) -> ImageDataset:
    prefix = "train" if train else "t10k"
    needed = {filename: check for filename, check in files.items() if filename.startswith(prefix)}
    folder = ensure_files(name, needed, mirrors, root, download)
    images_path = folder / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = folder / f"{prefix}-labels-idx1-ubyte.gz"
    images, labels = read_idx_images(images_path), read_idx_labels(labels_path)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{name}: {images_path} holds {images.shape[0]} images but {labels_path} "
                         f"holds {labels.shape[0]} labels")
    if labels.size and labels.max() >= len(classes):
        raise ValueError(f"{name}: {labels_path} has label {labels.max()}, expected 0..{len(classes) - 1}")
    return ImageDataset(images, labels, classes, transform)


def mnist(root=None, train: bool = True, download: bool = True, transform=None) -> ImageDataset:
    """The MNIST digits (LeCun, Cortes and Burges; CC BY-SA 3.0): train 60,000 or test 10,000."""
    return _load("mnist", MNIST_FILES, MNIST_MIRRORS, MNIST_CLASSES, root, train, download, transform)


def fashion_mnist(root=None, train: bool = True, download: bool = True, transform=None) -> ImageDataset:
    """Fashion-MNIST (Zalando Research, MIT licence): clothing images in MNIST's format and sizes."""
    return _load("fashion-mnist", FASHION_MNIST_FILES, FASHION_MNIST_MIRRORS, FASHION_MNIST_CLASSES, root, train,
                 download, transform)
