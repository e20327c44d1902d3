"""DCGAN (Radford, Metz and Chintala 2015, "Unsupervised representation learning with deep convolutional
generative adversarial networks") for 28x28 single-channel images such as MNIST (course seeds 001, 003).

A generative adversarial network (Goodfellow et al. 2014) is a game between two networks. The generator G
turns noise z ~ N(0, I) into an image; the discriminator D gives the logit of "this image is real". D is
trained to tell real from generated images, G to make D say "real":

    D loss = BCE(D(x), 1) + BCE(D(G(z)), 0)          (logistic regression, real against generated)
    G loss = BCE(D(G(z)), 1) = -log sigmoid(D(G(z)))  (the "non-saturating" loss: strong gradients early on)

Width w (64 by default); every convolution has a 4x4 kernel:

    Generator      z (N, latent_dim) as (N, latent_dim, 1, 1)
                   -> ConvTranspose 7x7     -> (2w, 7, 7)   BatchNorm, ReLU    (the "project and reshape")
                   -> ConvTranspose stride 2 -> (w, 14, 14)  BatchNorm, ReLU
                   -> ConvTranspose stride 2 -> (1, 28, 28)  tanh               (pixels in [-1, 1])
    Discriminator  (1, 28, 28) -> Conv stride 2 -> (w, 14, 14) LeakyReLU 0.2      (no batch norm on the input)
                   -> Conv stride 2 -> (2w, 7, 7) BatchNorm, LeakyReLU 0.2
                   -> Conv 7x7 -> one logit per image

``hidden`` = h > 0 adds a fully connected hidden layer at each end, as InfoGAN's MNIST networks (Chen et al.
2016, FC 1024 in both): G projects z by Linear(h), BatchNorm, ReLU, Linear(2w * 7 * 7), BatchNorm, ReLU instead
of the one 7x7 transposed convolution, and D reads its (2w, 7, 7) features by Linear(h), LeakyReLU, Linear(1).
G's projection then has two layers of ReLU to decide which digit to draw, where one linear map and ReLU give
a blend of two digits for many z between classes; on MNIST (examples/dcgan_mnist.py) h = 256 raised the LeNet
score of 30 minutes' training from 7.9 to 9.13 (9.05 with another seed).

DCGAN's recipe, followed here: strided (transposed) convolutions instead of pooling, batch norm in both
networks except G's output and D's input, ReLU in G and LeakyReLU(0.2) in D, tanh output, every weight
drawn from N(0, 0.02) (batch norm's scale from N(1, 0.02)), Adam with lr 2e-4 and beta1 = 0.5.

Conditional GAN (Mirza and Osindero 2014), ``num_classes > 0``: the class is an input of both networks,
as a one-hot vector appended to G's noise and as ``num_classes`` constant planes (one-hot) appended to D's
input image; then ``G(z, y)`` draws a digit of class y and D judges whether (image, class) is a real pair.

Not to be confused with ``lm.Generator``, the random-number generator: ``lm.models.Generator`` is the network,
and its ``sample(n, generator=lm.Generator(seed))`` takes the former, as PyTorch's ``torch.randn`` does.
"""
from __future__ import annotations

from .. import functional as F
from ..autograd import no_grad
from ..creation import ones, randn, zeros
from ..nn import (BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Flatten, LeakyReLU, Linear, Module, ReLU,
                  Sequential, Tanh, Unflatten, init)
from ..tensor import Tensor

IMAGE_SIZE = 28


def dcgan_init_(module: Module, std: float = 0.02) -> Module:
    """DCGAN's initialisation, in place: conv and linear weights ~ N(0, std), batch-norm scales ~ N(1, std),
    every bias 0. Returns ``module``."""
    for layer in module.modules():
        if isinstance(layer, (BatchNorm1d, BatchNorm2d)):
            init.normal_(layer.weight, 1.0, std)
        elif hasattr(layer, "weight") and layer.weight is not None:
            init.normal_(layer.weight, 0.0, std)
        if getattr(layer, "bias", None) is not None:
            init.zeros_(layer.bias)
    return module


def _check_labels(who: str, labels, batch: int, num_classes: int) -> None:
    if num_classes == 0:
        if labels is not None:
            raise ValueError(f"{who}: labels given to an unconditional model (num_classes=0)")
        return
    if labels is None:
        raise ValueError(f"{who}: a conditional model (num_classes={num_classes}) needs the labels")
    if tuple(labels.shape) != (batch,):
        raise ValueError(f"{who}: labels must have shape ({batch},), got {tuple(labels.shape)}")


def _one_hot(labels, num_classes: int) -> Tensor:
    return F.one_hot(labels, num_classes).float()


class Generator(Module):
    """DCGAN generator: noise (N, latent_dim) [and class labels (N,)] -> images (N, 1, 28, 28) in [-1, 1].
    ``hidden`` > 0: z is projected to (2w, 7, 7) by two fully connected layers (see the module's docstring)."""

    def __init__(self, latent_dim: int = 100, width: int = 64, num_classes: int = 0, channels: int = 1,
                 hidden: int = 0):
        super().__init__()
        self.latent_dim, self.width, self.num_classes, self.channels = latent_dim, width, num_classes, channels
        self.hidden = hidden
        inputs = latent_dim + num_classes
        if hidden:
            project = [Linear(inputs, hidden, bias=False), BatchNorm1d(hidden), ReLU(),
                       Linear(hidden, 2 * width * 7 * 7, bias=False), BatchNorm1d(2 * width * 7 * 7), ReLU(),
                       Unflatten(1, (2 * width, 7, 7))]
        else:
            project = [ConvTranspose2d(inputs, 2 * width, 7, bias=False), BatchNorm2d(2 * width), ReLU()]  # 1x1 -> 7x7
        self.net = Sequential(
            *project,
            ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),                # 7x7 -> 14x14
            BatchNorm2d(width), ReLU(),
            ConvTranspose2d(width, channels, 4, 2, 1),                             # 14x14 -> 28x28
            Tanh(),
        )
        dcgan_init_(self)

    def forward(self, z, labels=None):
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Generator: noise must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        _check_labels("Generator", labels, z.shape[0], self.num_classes)
        if self.num_classes:
            z = F.cat([z, _one_hot(labels, self.num_classes)], dim=1)
        return self.net(z if self.hidden else z.reshape(z.shape[0], z.shape[1], 1, 1))

    def sample(self, n: int, labels=None, generator=None) -> Tensor:
        """``n`` images from fresh noise (no graph, in the current train/eval mode)."""
        with no_grad():
            return self(randn(n, self.latent_dim, generator=generator), labels)

    def extra_repr(self) -> str:
        hidden = f", hidden={self.hidden}" if self.hidden else ""
        return f"latent_dim={self.latent_dim}, width={self.width}, num_classes={self.num_classes}{hidden}"


class Discriminator(Module):
    """DCGAN discriminator: images (N, 1, 28, 28) [and class labels (N,)] -> logits (N,) of "real".

    ``pack`` > 1 (PacGAN, Lin et al. 2018): D judges ``pack`` consecutive images of the batch together, stacked
    as channels, and gives N / pack logits; seeing several samples at once it can tell a generator that repeats
    itself from real data, which penalises mode collapse. ``hidden`` > 0: the logit comes from a fully connected
    hidden layer on the (2w, 7, 7) features (see the module's docstring)."""

    def __init__(self, width: int = 64, num_classes: int = 0, channels: int = 1, pack: int = 1, hidden: int = 0):
        super().__init__()
        self.width, self.num_classes, self.channels, self.pack = width, num_classes, channels, pack
        self.hidden = hidden
        if hidden:
            judge = [Flatten(), Linear(2 * width * 7 * 7, hidden), LeakyReLU(0.2), Linear(hidden, 1)]
        else:
            judge = [Conv2d(2 * width, 1, 7)]                     # 7x7 -> 1x1: the logit
        self.net = Sequential(
            Conv2d((channels + num_classes) * pack, width, 4, 2, 1),   # 28x28 -> 14x14
            LeakyReLU(0.2),
            Conv2d(width, 2 * width, 4, 2, 1, bias=False),        # 14x14 -> 7x7
            BatchNorm2d(2 * width), LeakyReLU(0.2),
            *judge,
            Flatten(0),
        )
        dcgan_init_(self)

    def forward(self, images, labels=None):
        expected = (self.channels, IMAGE_SIZE, IMAGE_SIZE)
        if images.ndim != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(f"Discriminator: images must have shape (N, {', '.join(map(str, expected))}), "
                             f"got {tuple(images.shape)}")
        _check_labels("Discriminator", labels, images.shape[0], self.num_classes)
        if self.num_classes:
            planes = _one_hot(labels, self.num_classes)[:, :, None, None] * ones(1, 1, IMAGE_SIZE, IMAGE_SIZE)
            images = F.cat([images, planes], dim=1)
        if self.pack > 1:
            if images.shape[0] % self.pack:
                raise ValueError(f"Discriminator: the batch of {images.shape[0]} images does not divide into packs "
                                 f"of {self.pack}")
            images = images.reshape(images.shape[0] // self.pack, -1, IMAGE_SIZE, IMAGE_SIZE)
        return self.net(images)

    def extra_repr(self) -> str:
        return (f"width={self.width}, num_classes={self.num_classes}" + (f", pack={self.pack}" if self.pack > 1 else "")
                + (f", hidden={self.hidden}" if self.hidden else ""))


def discriminator_loss(discriminator: Discriminator, real, fake, labels=None) -> Tensor:
    """BCE(D(real), 1) + BCE(D(fake), 0), real and fake in separate batches (separate batch-norm statistics,
    as DCGAN does). ``fake`` should be detached when only D is trained."""
    real_logits, fake_logits = discriminator(real, labels), discriminator(fake, labels)
    return (F.binary_cross_entropy_with_logits(real_logits, ones(real_logits.shape[0]))
            + F.binary_cross_entropy_with_logits(fake_logits, zeros(fake_logits.shape[0])))


def generator_loss(discriminator: Discriminator, fake, labels=None) -> Tensor:
    """The non-saturating loss BCE(D(fake), 1) = mean -log sigmoid(D(G(z)))."""
    logits = discriminator(fake, labels)
    return F.binary_cross_entropy_with_logits(logits, ones(logits.shape[0]))


def gan_train_step(generator: Generator, discriminator: Discriminator, g_optimizer, d_optimizer, real,
                   labels=None, generator_rng=None) -> tuple[float, float]:
    """One step of each network on a batch of real images (in [-1, 1]); returns ``(d_loss, g_loss)``.

    1. D: new fakes G(z) (with the real batch's labels when conditional), D loss on (real, fakes
       detached), one optimiser step;
    2. G: the G loss on the same fakes, judged by the updated D, one optimiser step.
    """
    z = randn(real.shape[0], generator.latent_dim, generator=generator_rng)
    fake = generator(z, labels)
    d_loss = discriminator_loss(discriminator, real, fake.detach(), labels)
    d_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()
    g_loss = generator_loss(discriminator, fake, labels)
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    return d_loss.item(), g_loss.item()
