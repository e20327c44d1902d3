"""U-Net segmentation (course seed 002) of MNIST digits scattered on noisy 64x64 canvases: a class for every
pixel (0 background, 1 + d for the digit d). Target: mean IoU >= 0.80 over the 11 classes on the test canvases.

    python examples/unet_segmentation.py [--epochs 4] [--out unet_output]

The canvases (``lm.datasets.digit_canvases``) are generated from MNIST, no other download: two to
four digits each, scaled and shifted, from the training digits for the training canvases and from the test digits
for the test canvases. The network is ``lm.models.unet(1, 11, base_channels=16, depth=3)`` (482,619 parameters; the
paper's is base 64, depth 4), trained with Adam (batch 8, learning rate 2e-3 on a cosine schedule) on cross-entropy
+ soft Dice (Dice gives the small digit classes as much weight as the background, which covers 92 % of the pixels):
4,000 training canvases, 4 epochs, 2,000 steps. It prints the mean IoU on the 1,000 test canvases after each epoch,
then the IoU of each class and their mean, and saves input / truth / prediction pictures (segmentation.png) in
--out.

Measured 2026-12-03 with the default command (OPENBLAS_NUM_THREADS=1, nice 5) on the shared 2-core machine, load
average 8-22 (other trainings and test suites running): test mean IoU over the 11 classes 0.819 (after the epochs
0.278, 0.653, 0.781, 0.819); background 0.993, digits 0.753 (8) to 0.847 (1). Training took 38 min of wall time but
10.9 min of CPU time for the whole run (user + sys; the process got 28 % of a core): on an idle machine expect about
11 minutes with one BLAS thread.
"""
import argparse
import math
import os
import time

import numpy as np  # host-side: masks, confusion matrices and pictures are NumPy arrays

import lamina as lm
import lamina.functional as F
from lamina.datasets import CANVAS_CLASSES, digit_canvases
from lamina.train import Callback, LearningRateScheduler
from lamina.train.metrics import iou_from_confusion, pixel_confusion_matrix

NUM_CLASSES = len(CANVAS_CLASSES)  # 11


def data_root():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def segmentation_loss(dice_weight=1.0):
    """Pixel-wise cross-entropy over the class dimension plus ``dice_weight`` times the soft Dice loss of each
    class over the whole batch (``batch=True``: a canvas holds at most 4 of the 10 digits, a batch all of them)."""
    def loss(logits, masks):
        return F.cross_entropy(logits, masks) + dice_weight * F.dice_loss(logits, masks, batch=True)
    return loss


class TestIoU(Callback):
    """Prints the mean IoU on the test canvases after each epoch (the learning curve of the measure)."""

    def __init__(self, images, masks):
        super().__init__()
        self.images, self.masks = images, masks

    def on_epoch_end(self, epoch, logs=None):
        predicted = predict_masks(self.model, self.images)
        iou = iou_from_confusion(pixel_confusion_matrix(self.masks, predicted, NUM_CLASSES))
        print(f"epoch {epoch + 1}: test mean IoU {np.nanmean(iou):.3f}", flush=True)


def predict_masks(model, images, batch_size=100):
    """The predicted class of every pixel, (N, H, W) int64, in evaluation mode."""
    model.eval()
    with lm.no_grad():
        return np.concatenate([model(images[i:i + batch_size]).numpy().argmax(axis=1)
                               for i in range(0, len(images), batch_size)])


def report_iou(masks, predicted):
    """Prints the IoU of each class and returns (per-class IoU, mean IoU)."""
    iou = iou_from_confusion(pixel_confusion_matrix(masks, predicted, NUM_CLASSES))
    for name, value in zip(CANVAS_CLASSES, iou):
        print(f"  IoU {name:<10} {value:.3f}")
    mean = float(np.nanmean(iou))
    print(f"mean IoU over the {NUM_CLASSES} classes: {mean:.3f}")
    return iou, mean


def save_pictures(images, masks, predicted, folder, count=8):
    """``segmentation.png`` in ``folder``: inputs (top row), true masks, predicted masks, one colour per class."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    os.makedirs(folder, exist_ok=True)
    colours = ListedColormap(["black"] + [f"C{d}" for d in range(10)])
    fig = Figure(figsize=(2 * count, 6.4))
    axes = fig.subplots(3, count)
    for column in range(count):
        for row, (picture, options) in enumerate(((images[column, 0], dict(cmap="gray", vmin=0, vmax=1)),
                                                  (masks[column], dict(cmap=colours, vmin=0, vmax=10)),
                                                  (predicted[column], dict(cmap=colours, vmin=0, vmax=10)))):
            axes[row, column].imshow(picture, interpolation="nearest", **options)
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
    for row, title in enumerate(("input", "truth", "prediction")):
        axes[row, 0].set_ylabel(title)
    fig.legend(handles=[_patch(colours(c), CANVAS_CLASSES[c]) for c in range(NUM_CLASSES)], loc="lower center",
               ncol=NUM_CLASSES, fontsize="small")
    path = os.path.join(folder, "segmentation.png")
    FigureCanvasAgg(fig).print_png(path)
    return path


def _patch(colour, label):
    from matplotlib.patches import Patch
    return Patch(color=colour, label=label)


def main(epochs=4, train_canvases=4000, test_canvases=1000, base_channels=16, depth=3, batch_size=8, lr=2e-3,
         dice_weight=1.0, seed=0, out="unet_output", root=None, verbose=1):
    lm.manual_seed(seed)
    root = root or data_root()
    start = time.perf_counter()
    train = digit_canvases(train=True, n=train_canvases, seed=seed, root=root)
    test = digit_canvases(train=False, n=test_canvases, seed=seed + 1, root=root)
    print(f"{len(train)} training and {len(test)} test canvases generated in {time.perf_counter() - start:.1f} s")
    x_train, y_train = train.as_tensors()
    x_test, y_test = test.as_tensors()
    model = lm.Model(lm.models.unet(1, NUM_CLASSES, base_channels=base_channels, depth=depth))
    model.summary((1, 64, 64))
    model.compile(optimizer=lm.optim.Adam(model.parameters(), lr=lr), loss=segmentation_loss(dice_weight))
    cosine = LearningRateScheduler(lambda epoch, _: lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, y_test),
              generator=lm.Generator(seed), callbacks=[cosine, TestIoU(x_test, test.masks)], verbose=verbose)
    print(f"trained in {(time.perf_counter() - start) / 60:.1f} min")
    predicted = predict_masks(model, x_test)
    iou, mean = report_iou(test.masks, predicted)
    print(f"pictures: {save_pictures(x_test.numpy(), test.masks, predicted, out)}")
    return mean


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-canvases", type=int, default=4000)
    parser.add_argument("--test-canvases", type=int, default=1000)
    parser.add_argument("--base-channels", type=int, default=16)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dice-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="unet_output", help="folder for the pictures")
    parser.add_argument("--data", default=None, help="the data root holding mnist/ (default: $LAMINA_DATA)")
    parser.add_argument("--verbose", type=int, default=1, help="1: a progress bar per epoch, 2: one line per epoch")
    args = parser.parse_args()
    main(args.epochs, args.train_canvases, args.test_canvases, args.base_channels, args.depth, args.batch_size,
         args.lr, args.dice_weight, args.seed, args.out, args.data, args.verbose)
