"""A DCGAN on MNIST, judged by LeNet-5 rather than by eye (course seeds 001 and 003).

    OPENBLAS_NUM_THREADS=1 python examples/dcgan_mnist.py [--minutes 30] [--epochs 100] [--out dcgan_output]
        [--classifier lenet5_mnist.lamina] [--conditional] [--width 32] [--hidden 256] [--d-width W] [--pack 2]
        [--ema 0.999] [--g-lr 2e-4] [--d-lr 2e-4] [--decay 0]

1. The judge: LeNet-5 (``lm.models.LeNet5``, ReLU and max pooling, as examples/mnist_lenet5.py) trained on MNIST,
   or loaded from ``--classifier`` when that file exists (it is saved there otherwise; ``lm.save``/``lm.load``).
   On the 10,000 real test digits it gives the reference numbers: its accuracy, their LeNet score
   exp(E_x KL(p(y|x) || p(y))) (the inception score's formula with LeNet; at most 10) and the Frechet distance
   of LeNet's 84 penultimate features between 10,000 real training digits and the test digits (the floor
   a perfect generator would reach, up to sampling noise).
2. The GAN: ``lm.models.Generator`` / ``Discriminator`` (DCGAN, width 32, with InfoGAN's fully connected hidden
   layers of ``--hidden 256`` units: G projects z to its 7x7 maps by two linear layers, D reads its 7x7 features by
   one; 0.87 M and 0.84 M parameters; ``--hidden 0`` gives the plain DCGAN, 0.35 M and 0.04 M), non-saturating
   losses, Adam lr 2e-4, beta1 = 0.5, batches of 64 real digits scaled to [-1, 1], for ``--epochs`` epochs or
   ``--minutes`` minutes of training, whichever ends first (``--decay F``: both rates fall linearly to 0 over
   the last fraction F of that budget). The generator judged is the exponential moving average of the trained
   one (``lm.optim.swa_utils.AveragedModel``, ``--ema 0.999``; 0 judges the last weights); D judges pairs of
   images (PacGAN, ``--pack 2``; 1 for plain DCGAN). Each epoch saves a 10 x 10 grid of samples from the same
   noise (``samples_epoch_NN.png``); the end saves the two losses (``losses.png``) and the generator's weights
   (``generator.lamina``).
3. The verdict on 10,000 generated digits (generator in eval mode): the LeNet score and the Frechet distance
   to the real test digits' features. With ``--conditional`` the class is an input of both networks
   (1,000 digits of each class are drawn) and LeNet's accuracy on the digits of each requested class is
   reported too. Goal (issue 12): LeNet score >= 9.0 within 30 minutes of GAN training on 2 cores.

Measured 2026-12-03, LeNet-5 loaded (``--classifier``, 10 epochs): test accuracy 99.14 %, the real test digits'
LeNet score 9.869, Frechet distance of 10,000 training digits to them 1.71.

The defaults (unconditional), the issue's 30 minutes on the 2-core machine, two runs at a time, each on its own
core (one BLAS thread; about 69 ms a step, 1.07 min an epoch), 10,000 generated digits:
    --seed 0   26,155 steps (27.9 epochs): LeNet score 9.129, Frechet distance 13.5   (goal >= 9.0)
    --seed 1   26,084 steps (27.8 epochs): LeNet score 9.052, Frechet distance 20.1
    --seed 0 --epochs 30   28,110 steps in 27.0 min: 9.145, Frechet 12.8 (a faster hour of the machine)
    --decay 0.5 --epochs 30  25,664 steps: 9.077, Frechet 17.1; with --seed 1 24,522 steps: 9.032, Frechet 25.2
Seed 0, 2,000 digits after each epoch: 1.01 3.00 6.06 7.41 7.93 8.13 8.46 8.55 8.64 8.68 8.59 8.69 8.74 8.90 8.84
8.94 8.96 8.99 8.96 9.08 8.98 8.96 8.96 9.02 9.10 9.09 9.06 9.12 (first above 9.0 after epoch 20, 21.5 minutes;
from epoch 24 on, 25.5 minutes). LeNet finds every class (seed 0: 0:1138 1:1041 2:816 3:1095 4:863 5:836 6:1044
7:1008 8:928 9:1231; class marginal 2.294 of at most 2.303 nats) and is sure of most digits: mean entropy of
p(y|x) 0.083 nats (real digits 0.012), 82 % of the digits at p > 0.99. Sampling with batch statistics instead
of the averaged running ones gives 9.101; truncated noise (BigGAN's trick) lowers the score (9.06 at |z| < 3,
9.01 at 2).

How it got there (same 30 minutes, two runs at a time; before commit d6bd6a0 made the step 1.8x faster the plain
width-32 step took 113 ms):
    plain DCGAN (--hidden 0 --pack 1 --ema 0)  15,816 steps: LeNet score 7.712, Frechet distance 132.9
    + EMA of G (--ema 0.999)                   15,860 steps: 7.741, Frechet 129.6 (width 64: 6,554 steps, 7.704)
    + PacGAN (--pack 2)                        18,639 steps: 7.908, Frechet 119.8 (D width 64: 7.827; two-timescale
                                                             rates G 1e-4, D 4e-4: 7.642)
    + hidden layers (--hidden 256)             the defaults above: 9.13
The plain DCGAN levelled off at 7.5-7.9 after about 7 epochs. Its class marginal was nearly uniform (2.266 nats)
but LeNet was unsure of many of its digits (mean entropy of p(y|x) 0.198 nats; 59 % at p > 0.99): blends of two
digits, thick or half-formed. Its generator decides what to draw by one linear map of z (the 7x7 transposed
convolution from 1x1) and one ReLU; with two fully connected layers and a hidden layer in D (InfoGAN's MNIST
layout, Chen et al. 2016, at a quarter of its width) a 12-minute trial reached 8.90 where the plain one had 7.66.

Conditional (``--conditional``, the defaults, 30 minutes, alone on a core but for 5 minutes of the test suite):
20,744 steps (22.1 epochs): LeNet score 9.951, Frechet distance 5.8, accuracy on the requested classes 99.72 %
(every class 99.1-100 %). Before the hidden layers, EMA and packing, with
``--hidden 0 --pack 1 --ema 0 --minutes 48`` on the machine shared by six agents (load 7-24, about 6 CPU minutes):
3,274 steps (3.5 epochs): LeNet score 9.273, Frechet distance 32.3, accuracy on the requested classes 89.0 %
(0: 96.1, 1: 95.9, 2: 87.6, 3: 87.6, 4: 89.3, 5: 83.9, 6: 93.5, 7: 95.3, 8: 80.0, 9: 80.5 %); per epoch 6.96 8.84
9.22 9.39. The unconditional one ran 4,565 steps there (4.9 epochs): 7.431, Frechet 163.1.
"""
import argparse
import os
import time

import numpy as np  # host-side: shuffling indices, the grids of pictures, the metrics' arrays

import lamina as lm
from lamina.models import Discriminator, Generator, LeNet5, gan_train_step
from lamina.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from lamina.train import classifier_outputs, classifier_score, classifier_scores, frechet_distance


def data_root():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    return os.environ.get("LAMINA_DATA", shared if os.path.isdir(shared) else None)


def load_mnist(root, train_images=None, test_images=None):
    """(x_train, y_train, x_test, y_test): float32 images (N, 1, 28, 28) in [0, 1] and int64 labels, as NumPy."""
    x_train, y_train = (t.numpy() for t in lm.datasets.mnist(root=root, train=True).as_tensors())
    x_test, y_test = (t.numpy() for t in lm.datasets.mnist(root=root, train=False).as_tensors())
    return x_train[:train_images], y_train[:train_images], x_test[:test_images], y_test[:test_images]


# ---- the judge ----------------------------------------------------------------------------------------
def train_classifier(x_train, y_train, epochs=3, seed=0):
    """LeNet-5 (ReLU, max pooling, 28x28 input) trained with Adam and a cosine learning rate."""
    lm.manual_seed(seed)
    net = LeNet5(activation="relu", pooling="max", input_size=28)
    model = lm.Model(net)
    model.compile(optimizer=lm.optim.Adam(net.parameters(), lr=2e-3), loss="cross_entropy", metrics=["accuracy"])
    cosine = lm.train.LearningRateScheduler(lambda epoch, lr: 2e-3 * 0.5 * (1 + np.cos(np.pi * epoch / epochs)))
    model.fit(lm.from_numpy(x_train), lm.from_numpy(y_train), epochs=epochs, batch_size=64,
              generator=lm.Generator(seed), callbacks=[cosine], verbose=0)
    return net


def classifier(path, x_train, y_train, epochs, seed):
    """LeNet-5 loaded from ``path`` when the file exists; otherwise trained (and saved to ``path`` if given)."""
    if path and os.path.exists(path):
        net = LeNet5(activation="relu", pooling="max", input_size=28)
        net.load_state_dict(lm.load(path))
        print(f"LeNet-5 loaded from {path}")
        return net
    start = time.perf_counter()
    net = train_classifier(x_train, y_train, epochs, seed)
    print(f"LeNet-5 trained for {epochs} epochs in {time.perf_counter() - start:.0f} s")
    if path:
        lm.save(net.state_dict(), path)
        print(f"LeNet-5 saved to {path}")
    return net


def judge(net, images, real_features, labels=None):
    """The verdict on ``images`` (N, 1, 28, 28) in [0, 1]: LeNet score (whole set, and mean +- std of 10 chunks),
    Frechet distance of their features to ``real_features``, and with ``labels`` LeNet's accuracy per class."""
    features, probs = classifier_outputs(net, images)
    chunks = classifier_scores(probs, splits=10) if len(probs) >= 10 else np.array([np.nan])
    verdict = {"score": classifier_score(probs), "score_chunks": (chunks.mean(), chunks.std()),
               "frechet": frechet_distance(features, real_features), "probs": probs}
    if labels is not None:
        predicted = probs.argmax(axis=1)
        verdict["accuracy"] = float((predicted == labels).mean())
        verdict["class_accuracy"] = [float((predicted[labels == c] == c).mean()) for c in range(10)]
    return verdict


def report(name, verdict):
    mean, std = verdict["score_chunks"]
    print(f"{name}: LeNet score {verdict['score']:.3f} (10 chunks of a tenth: {mean:.3f} +- {std:.3f}), "
          f"Frechet distance {verdict['frechet']:.3f}")
    if "class_accuracy" in verdict:
        per_class = " ".join(f"{c}:{a:.1%}" for c, a in enumerate(verdict["class_accuracy"]))
        print(f"{name}: LeNet accuracy on the requested classes {verdict['accuracy']:.2%} ({per_class})")


# ---- pictures -----------------------------------------------------------------------------------------
def save_grid(images, path, rows=10):
    """Save images (N, 1, 28, 28) in [0, 1] as one PNG, ``rows`` rows."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n, _, h, w = images.shape
    cols = -(-n // rows)
    canvas = np.ones((rows * (h + 2), cols * (w + 2)), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = image[0]
    plt.imsave(path, canvas, cmap="gray", vmin=0, vmax=1)


def plot_losses(d_losses, g_losses, steps_per_epoch, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    epochs = np.arange(1, len(d_losses) + 1) / steps_per_epoch
    for losses, label in ((d_losses, "discriminator"), (g_losses, "generator")):
        window = max(1, min(50, len(losses) // 10))
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(epochs, losses, alpha=0.2)
        ax.plot(epochs[window - 1:], smooth, label=f"{label} (mean of {window} steps)", color=ax.lines[-1].get_color())
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title("DCGAN on MNIST: the two losses")
    ax.legend()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def elapsed(start, cpu_start):
    """Wall-clock minutes since ``start``, and this process's CPU minutes (fewer on a busy machine)."""
    return f"{(time.perf_counter() - start) / 60:.1f} min ({(time.process_time() - cpu_start) / 60:.1f} CPU min)"


# ---- the GAN ------------------------------------------------------------------------------------------
def budget_left(start, minutes, steps, total_steps):
    """The fraction of the training budget left: of the minutes or of the steps, whichever runs out first."""
    used_time = (time.perf_counter() - start) / (60 * minutes) if minutes > 0 else 1.0
    return max(0.0, 1.0 - max(used_time, steps / total_steps))


def generate(generator, n, batch_size=500, rng=None):
    """``n`` digits in [0, 1] from the generator in eval mode, and their requested classes (1/10 of ``n`` each
    when conditional, else None)."""
    labels = np.arange(n) % 10 if generator.num_classes else None
    generator.eval()
    images = []
    for start in range(0, n, batch_size):
        batch_labels = None if labels is None else lm.from_numpy(labels[start:start + batch_size])
        size = min(batch_size, n - start)
        images.append(generator.sample(size, batch_labels, generator=rng).numpy())
    generator.train()
    return (np.concatenate(images) + 1) / 2, labels


def train_gan(x_train, y_train, conditional=False, epochs=100, minutes=30.0, batch_size=64, latent_dim=100,
              width=32, seed=0, out=None, log_every=100, after_epoch=None, ema_decay=0.999, pack=1, d_width=None,
              g_lr=2e-4, d_lr=2e-4, hidden=0, decay=0.0):
    """Train a DCGAN on images in [0, 1] for ``epochs`` epochs or ``minutes`` minutes; ``after_epoch(generator)``,
    if given, runs after each epoch, inside the budget. With ``ema_decay`` > 0 the generator judged and returned
    is the exponential moving average of the trained one's weights and statistics (Yazici et al. 2019: averaged
    generators give better samples than the last iterate, whose weights circle as the two networks play).
    ``decay`` > 0: both learning rates fall linearly to 0 over that last fraction of the budget (of the minutes or
    the epochs, whichever runs out first).
    Returns ``(generator, d_losses, g_losses, steps_per_epoch)``."""
    lm.manual_seed(seed)
    num_classes = 10 if conditional else 0
    generator = Generator(latent_dim, width, num_classes, hidden=hidden)
    discriminator = Discriminator(d_width or width, num_classes, pack=pack, hidden=hidden)
    averaged = AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(ema_decay), use_buffers=True) \
        if ema_decay else None
    judged = averaged.module if averaged else generator
    g_optimizer = lm.optim.Adam(generator.parameters(), lr=g_lr, betas=(0.5, 0.999))
    d_optimizer = lm.optim.Adam(discriminator.parameters(), lr=d_lr, betas=(0.5, 0.999))
    rng, noise_rng = np.random.default_rng(seed), lm.Generator(seed + 1)
    fixed_noise = lm.randn(100, latent_dim, generator=lm.Generator(seed + 2))
    fixed_labels = lm.from_numpy(np.repeat(np.arange(10), 10)) if conditional else None  # a row per class
    images = x_train * 2 - 1
    steps_per_epoch = len(images) // batch_size
    d_losses, g_losses = [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + 60 * minutes
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(images))
        for step in range(steps_per_epoch):
            if decay:
                left = budget_left(start, minutes, len(d_losses), epochs * steps_per_epoch)
                for optimizer, lr in ((g_optimizer, g_lr), (d_optimizer, d_lr)):
                    optimizer.param_groups[0]["lr"] = lr * min(1.0, left / decay)
            index = order[step * batch_size:(step + 1) * batch_size]
            labels = lm.from_numpy(y_train[index]) if conditional else None
            d_loss, g_loss = gan_train_step(generator, discriminator, g_optimizer, d_optimizer,
                                            lm.from_numpy(images[index]), labels, generator_rng=noise_rng)
            if averaged:
                averaged.update_parameters(generator)
            d_losses.append(d_loss)
            g_losses.append(g_loss)
            if (step + 1) % log_every == 0:
                print(f"epoch {epoch} step {step + 1}/{steps_per_epoch}: D loss {np.mean(d_losses[-log_every:]):.3f}"
                      f", G loss {np.mean(g_losses[-log_every:]):.3f}, {elapsed(start, cpu_start)}", flush=True)
            if time.perf_counter() > deadline:
                break
        if out:
            judged.eval()
            with lm.no_grad():
                samples = (judged(fixed_noise, fixed_labels).numpy() + 1) / 2
            judged.train()
            save_grid(samples, os.path.join(out, f"samples_epoch_{epoch:02d}.png"))
        if after_epoch is not None:
            after_epoch(judged)
        print(f"epoch {epoch} done after {elapsed(start, cpu_start)}", flush=True)
        if time.perf_counter() > deadline:
            print(f"time budget of {minutes} min reached during epoch {epoch}")
            break
    return judged, d_losses, g_losses, steps_per_epoch


def main(args):
    lm.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    x_train, y_train, x_test, y_test = load_mnist(args.data, args.train_images, args.test_images)
    net = classifier(args.classifier, x_train, y_train, args.classifier_epochs, args.seed)
    real_features = classifier_outputs(net, x_test)[0]
    real = judge(net, x_test, real_features, labels=y_test)
    print(f"LeNet-5 test accuracy {real['accuracy']:.2%}")
    train_reference = judge(net, x_train[:args.samples], real_features)
    report("real test digits", real)
    print(f"real training digits ({min(args.samples, len(x_train))}) against the test digits: "
          f"Frechet distance {train_reference['frechet']:.3f}")

    def quick_look(generator):  # the verdict on 2,000 digits after each epoch
        n = min(2000, args.samples)
        images, labels = generate(generator, n, rng=lm.Generator(args.seed + 4))
        report(f"  {n:,} digits after this epoch", judge(net, images, real_features, labels))

    start, cpu_start = time.perf_counter(), time.process_time()
    generator, d_losses, g_losses, steps_per_epoch = train_gan(
        x_train, y_train, args.conditional, args.epochs, args.minutes, args.batch_size, args.latent_dim,
        args.width, args.seed, args.out, after_epoch=quick_look, ema_decay=args.ema, pack=args.pack,
        d_width=args.d_width, g_lr=args.g_lr, d_lr=args.d_lr, hidden=args.hidden, decay=args.decay)
    print(f"GAN trained for {len(d_losses)} steps ({len(d_losses) / steps_per_epoch:.2f} epochs) in "
          f"{elapsed(start, cpu_start)}")
    plot_losses(d_losses, g_losses, steps_per_epoch, os.path.join(args.out, "losses.png"))
    lm.save(generator.state_dict(), os.path.join(args.out, "generator.lamina"))

    images, labels = generate(generator, args.samples, rng=lm.Generator(args.seed + 3))
    verdict = judge(net, images, real_features, labels)
    report(f"{args.samples} generated digits", verdict)
    counts = np.bincount(verdict["probs"].argmax(axis=1), minlength=10)
    print("classes LeNet sees in them: " + " ".join(f"{c}:{n}" for c, n in enumerate(counts)))
    print(f"LeNet score {verdict['score']:.3f} (goal >= 9.0), Frechet distance {verdict['frechet']:.3f}")
    return verdict


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=data_root(), help="folder holding mnist/ (default: $LAMINA_DATA)")
    parser.add_argument("--out", default="dcgan_output", help="folder for the pictures and the generator")
    parser.add_argument("--classifier", default=None, help="LeNet-5 weights: loaded if the file exists, else saved")
    parser.add_argument("--classifier-epochs", type=int, default=10)
    parser.add_argument("--conditional", action="store_true", help="the class as an input of G and D")
    parser.add_argument("--epochs", type=int, default=100, help="most GAN epochs (the minutes end training first)")
    parser.add_argument("--minutes", type=float, default=30.0, help="time budget of the GAN's training")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--width", type=int, default=32, help="channels of G's last and D's first convolution")
    parser.add_argument("--ema", type=float, default=0.999,
                        help="judge the moving average of the generator's weights with this decay (0: the last ones)")
    parser.add_argument("--d-width", type=int, default=None, help="D's first width (default: --width)")
    parser.add_argument("--g-lr", type=float, default=2e-4, help="G's Adam learning rate")
    parser.add_argument("--d-lr", type=float, default=2e-4, help="D's Adam learning rate")
    parser.add_argument("--pack", type=int, default=2, help="PacGAN: D judges this many images at once")
    parser.add_argument("--decay", type=float, default=0.0,
                        help="learning rates fall linearly to 0 over this last fraction of --minutes")
    parser.add_argument("--hidden", type=int, default=256,
                        help="fully connected hidden units in G's projection and D's head (0: plain DCGAN)")
    parser.add_argument("--samples", type=int, default=10000, help="generated digits to judge")
    parser.add_argument("--train-images", type=int, default=None, help="use only the first N training digits")
    parser.add_argument("--test-images", type=int, default=None, help="use only the first N test digits")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse_args())
