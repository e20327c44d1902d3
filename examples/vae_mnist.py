"""A variational autoencoder on MNIST (Kingma and Welling 2014): a 2-D latent space to look at, a 20-D one to score.

    OPENBLAS_NUM_THREADS=1 python examples/vae_mnist.py [--latent 2 20] [--epochs 20] [--out vae_mnist_out]

Model (``lamina.models.VAE``): 784-512 ReLU encoder with two heads, mu and log sigma^2 (``--latent`` numbers each);
z = mu + sigma * eps with eps ~ N(0, I) from a seeded ``lm.Generator`` (the reparameterisation trick); decoder
latent-512-784 giving logits. Loss: the negative ELBO, sum over the 784 pixels of the binary cross-entropy between
the image (intensities in [0, 1]) and sigmoid(logits), plus KL(q(z|x) || N(0, I)) in closed form, in nats per image.
Adam 1e-3 with a cosine decay, batches of 128, the 60,000 training images.

Prints the test negative ELBO (its reconstruction and KL parts) on the 10,000 test images, one eps per image from a
fixed generator. Saves into --out: for the 2-D latent space, the test digits' means mu(x) coloured by class
(``vae_latent2_scatter.png``) and the decoder's images over a grid of z (``vae_latent2_grid.png``, z at the
Gaussian quantiles 0.05 .. 0.95 of each axis); for each latent size, random samples z ~ N(0, I) and test digits
beside their reconstructions.

Measured (2026-12-03; 2 cores shared with the lead's and five other helpers' jobs, load 12-23, OPENBLAS_NUM_THREADS=1
under nice -n 5, so the wall times are very pessimistic; the CPU time the process got is given beside them):
    python examples/vae_mnist.py --latent 20          test -ELBO 103.16 nats/image (reconstruction 77.68 + KL 25.48)
                                                      after 20 epochs (training -ELBO 103.29); 47 min wall, about
                                                      2 min of CPU (about 5 s per epoch on an idle core)
    python examples/vae_mnist.py --latent 2 --epochs 10
                                                      test -ELBO 155.06 nats/image (reconstruction 149.40 + KL 5.66);
                                                      24 min wall, 64 s of CPU; the scatter shows the ten classes in
                                                      separate regions (1s apart at the top, 0s and 7s on either
                                                      side, 4/9 and 3/5/8 overlapping) and the grid morphs smoothly
                                                      from one digit to the next
"""
import argparse
import os
import statistics
import time

import numpy as np  # host-side: pictures

import lamina as lm
from lamina.data import DataLoader, TensorDataset
from lamina.models import VAE

from autoencoders_mnist import data_root, load   # the same MNIST loading as the autoencoders

SHOWN = 10


def train(model, x_train, epochs, batch_size, lr, seed):
    loader = DataLoader(TensorDataset(x_train), batch_size=batch_size, shuffle=True, generator=lm.Generator(seed))
    optimizer = lm.optim.Adam(model.parameters(), lr=lr)
    scheduler = lm.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    model.train()
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for (xb,) in loader:
            loss = model.loss(xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        print(f"  latent {model.latent_dim} epoch {epoch + 1:3d}  "
              f"training -ELBO {total / len(x_train):.2f} nats/image  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)


def evaluate(model, x, seed, batch_size=1000):
    """Test (negative ELBO, reconstruction, KL) in nats per image: one eps per image from Generator(seed)."""
    model.eval()
    generator, model.generator = model.generator, lm.Generator(seed)
    totals = np.zeros(2)
    with lm.no_grad():
        for i in range(0, len(x), batch_size):
            xb = lm.from_numpy(x[i:i + batch_size])
            reconstruction, kl = model.loss_terms(xb)
            totals += np.array([reconstruction.item(), kl.item()]) * len(xb)
    model.generator = generator
    reconstruction, kl = totals / len(x)
    return reconstruction + kl, reconstruction, kl


def figure(rows, cols, size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def save_images(path, rows, labels, title):
    fig, axes = figure(len(rows), len(rows[0]), (1.0 * len(rows[0]) + 1.8, 1.05 * len(rows) + 0.5))
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c, image in enumerate(images):
            axes[r, c].imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=90)
    return path


def latent_scatter(model, x, y, path):
    """The means mu(x) of the test digits in the 2-D latent space, one colour per class."""
    model.eval()
    with lm.no_grad():
        mu = np.concatenate([model.encode(lm.from_numpy(x[i:i + 1000]))[0].numpy() for i in range(0, len(x), 1000)])
    fig, axes = figure(1, 1, (7.5, 6.5))
    ax = axes[0, 0]
    points = ax.scatter(mu[:, 0], mu[:, 1], c=y, cmap="tab10", s=3, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
    ax.set_xlabel("$z_1$ (mean of q(z|x))")
    ax.set_ylabel("$z_2$")
    ax.set_title(f"{len(x)} test digits in the VAE's 2-D latent space")
    fig.savefig(path, dpi=100)
    return path


def latent_grid(model, path, n=15):
    """Decoded images over an n x n grid of z, at the N(0, 1) quantiles 0.05 .. 0.95 of each axis."""
    quantiles = [statistics.NormalDist().inv_cdf(q) for q in np.linspace(0.05, 0.95, n)]
    z = np.array([[a, b] for b in quantiles[::-1] for a in quantiles], dtype=np.float32)
    model.eval()
    with lm.no_grad():
        images = model.decode(lm.from_numpy(z)).sigmoid().numpy()
    canvas = images.reshape(n, n, 28, 28).transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
    fig, axes = figure(1, 1, (7.5, 7.5))
    axes[0, 0].imshow(canvas, cmap="gray", vmin=0, vmax=1, extent=(0, n, 0, n))
    ticks = np.arange(n) + 0.5
    axes[0, 0].set_xticks(ticks[::2], [f"{q:.1f}" for q in quantiles[::2]])
    axes[0, 0].set_yticks(ticks[::2], [f"{q:.1f}" for q in quantiles[::2]])
    axes[0, 0].set_xlabel("$z_1$")
    axes[0, 0].set_ylabel("$z_2$")
    axes[0, 0].set_title("decoder(z) over the 2-D latent space")
    fig.savefig(path, dpi=100)
    return path


def main(latents=(2, 20), epochs=20, out="vae_mnist_out", data=None, seed=0, batch_size=128, lr=1e-3,
         hidden=512, train_size=None, test_size=None):
    """Train a VAE for each latent size; returns {latent: {"neg_elbo", "reconstruction", "kl", "figures"}}."""
    os.makedirs(out, exist_ok=True)
    x_train, x_test, y_test = load(data_root(data), train_size, test_size)
    print(f"{len(x_train)} training and {len(x_test)} test images")
    results = {}
    for latent in latents:
        start = time.perf_counter()
        lm.manual_seed(seed)
        model = VAE(784, (hidden,), latent, generator=lm.Generator(seed + 1), weight_generator=lm.Generator(seed))
        train(model, x_train, epochs, batch_size, lr, seed)
        neg_elbo, reconstruction, kl = evaluate(model, x_test, seed + 2)
        seconds = time.perf_counter() - start
        print(f"latent {latent}: test negative ELBO {neg_elbo:.2f} nats per image (reconstruction {reconstruction:.2f}"
              f" + KL {kl:.2f}), {seconds:.0f} s", flush=True)
        model.eval()
        with lm.no_grad():
            samples = model.sample(2 * SHOWN, generator=lm.Generator(seed + 3)).numpy()
            recon = model.reconstruct(lm.from_numpy(x_test[:SHOWN])).numpy()
        figures = [save_images(os.path.join(out, f"vae_latent{latent}_samples.png"),
                               [x_test[:SHOWN], recon, samples[:SHOWN], samples[SHOWN:]],
                               ["test digit", "reconstructed", "sample", "sample"],
                               f"VAE, {latent}-D latent: test -ELBO {neg_elbo:.1f} nats/image; samples z ~ N(0, I)")]
        if latent == 2:
            figures.append(latent_scatter(model, x_test, y_test, os.path.join(out, "vae_latent2_scatter.png")))
            figures.append(latent_grid(model, os.path.join(out, "vae_latent2_grid.png")))
        results[latent] = {"neg_elbo": neg_elbo, "reconstruction": reconstruction, "kl": kl, "seconds": seconds,
                           "figures": figures}
    print("\nlatent   test -ELBO (nats/image)   reconstruction   KL      time")
    for latent, r in results.items():
        print(f"{latent:>6}   {r['neg_elbo']:>23.2f}   {r['reconstruction']:>14.2f}   {r['kl']:>5.2f}   "
              f"{r['seconds']:.0f} s")
    print(f"pictures in {out}/")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latent", type=int, nargs="+", default=[2, 20],
                        help="latent sizes to train (each its own VAE)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--out", default="vae_mnist_out", help="folder for the PNG pictures")
    parser.add_argument("--data", default=None, help="data root holding mnist/ (default: $LAMINA_DATA)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--test-size", type=int, default=None, help="use only the first N test images")
    args = parser.parse_args()
    main(tuple(args.latent), args.epochs, args.out, args.data, args.seed, args.batch_size, args.lr, args.hidden,
         args.train_size, args.test_size)
