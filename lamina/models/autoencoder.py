"""Autoencoders (course seeds 001 and 003) and the variational autoencoder (Kingma and Welling 2014).

An autoencoder learns to copy its input through a bottleneck: an encoder maps x to a short code
z = g(x) and a decoder maps the code back, x_hat = h(z); training lowers a reconstruction loss
L(x, h(g(x))) (seed 003's "decoding energy"). With 32 units for MNIST's 784 pixels the code is 24.5
times shorter than the image, so the network must keep what matters and drop the rest.

    Autoencoder(encoder, decoder)     any pair of modules; ``encode``, ``decode``, forward = decode(encode(x))
    dense_autoencoder(sizes)          784-32-784 (50,992 parameters, seed 003's "single dense layer"),
                                      784-128-64-32-64-128-784 (222,384, its "deep autoencoder")
      activity_l1=...                 sparse: the L1 "sparsity constraint" on the code (Keras' activity_regularizer)
      noise_std=...                   denoising: Gaussian noise on the input while training, clean targets
    conv_autoencoder(code_size)       strided convolutions down to a code, transposed convolutions back up
    GaussianNoise(std)                x + std * N(0, 1) in training mode, the identity in eval mode
    VAE(...)                          encoder to (mu, log sigma^2), z = mu + sigma * eps, decoder to logits;
                                      ``loss`` is the negative ELBO in nats per image
    gaussian_kl(mu, logvar)           KL(N(mu, sigma^2) || N(0, I)) per sample, in closed form
    glorot_init_(model)               Keras' initialisation (Glorot-uniform weights, zero biases): the builders' default

The decoders here end in a sigmoid (pixel intensities in [0, 1], trained with binary cross-entropy as
in Keras' autoencoder tutorial), except the VAE's, which returns logits (its loss uses the stable
``binary_cross_entropy_with_logits``; ``VAE.reconstruct`` applies the sigmoid).
"""
from __future__ import annotations

from .. import functional as F
from ..creation import randn
from ..errors import ArgumentError
from ..nn import init as nn_init
from ..nn import (ActivityRegularization, ConvTranspose2d, Conv2d, Flatten, Linear, Module, ReLU, Sequential,
                  Sigmoid, Unflatten)


# ---- the pieces -------------------------------------------------------------------------------------
class GaussianNoise(Module):
    """x + std * eps, eps ~ N(0, 1), in training mode only (Keras' ``GaussianNoise``); the identity in eval.

    Put first in an encoder it makes a denoising autoencoder: the network sees corrupted inputs while
    the targets stay clean, so it must learn to remove the noise. ``clip=(0, 1)`` keeps the noisy pixels
    in the image range (Keras' denoising tutorial clips the same way)."""

    def __init__(self, std: float, clip: tuple | None = None, generator=None):
        super().__init__()
        if not std >= 0:
            raise ArgumentError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std, self.clip, self.generator = float(std), clip, generator

    def forward(self, x):
        if not self.training or self.std == 0:
            return x
        noisy = x + randn(*x.shape, generator=self.generator, dtype=x.dtype) * self.std
        return noisy.clamp(*self.clip) if self.clip is not None else noisy

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def flops(self, input_shape, output_shape) -> int:
        """0: an identity at inference, when models are counted."""
        return 0

    def extra_repr(self) -> str:
        return f"std={self.std}" + (f", clip={self.clip}" if self.clip is not None else "")


class Autoencoder(Module):
    """x -> encoder -> code z -> decoder -> reconstruction x_hat; forward(x) = decoder(encoder(x)).

    ``encode(x)`` gives the codes, ``decode(z)`` the images of codes. The reconstruction loss is the
    caller's choice (``F.binary_cross_entropy(model(x), x)`` for images in [0, 1]); the penalties of
    ``ActivityRegularization`` layers (the sparse autoencoder) are added by ``lm.Model`` by itself, or
    by hand with ``lm.nn.activity_penalty(model)`` in a plain loop."""

    def __init__(self, encoder: Module, decoder: Module):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def glorot_init_(model: Module, generator=None) -> Module:
    """Keras' initialisation, in place: Glorot-uniform weights, W ~ U(-a, a) with a = sqrt(6 / (fan_in + fan_out)),
    and zero biases, for every Linear and (transposed) convolution of ``model``; returns the model.

    The builders below use it (``init="glorot"``) because PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
    the weights AND the biases, lets ReLU code units die: measured on MNIST, 784-32-784 with Adam 1e-3, after 10
    epochs 9 of the 32 code units were never active on the test set (test BCE 0.126 per pixel) against none with
    Glorot and zero biases (0.109)."""
    for module in model.modules():
        if isinstance(module, (Linear, Conv2d, ConvTranspose2d)):
            nn_init.xavier_uniform_(module.weight, generator=generator)
            if module.bias is not None:
                nn_init.zeros_(module.bias)
    return model


def _initialised(name: str, model: Module, init: str, generator) -> Module:
    if init == "glorot":
        return glorot_init_(model, generator)
    if init != "default":
        raise ArgumentError(f"{name}: init must be 'glorot' (Keras) or 'default' (PyTorch's), got {init!r}")
    return model


def _check_sizes(name: str, sizes) -> tuple:
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(not isinstance(s, int) or s < 1 for s in sizes):
        raise ArgumentError(f"{name}: sizes must be at least two positive integers (input, ..., code), got {sizes}")
    return sizes


def dense_autoencoder(sizes, activity_l1: float = 0.0, noise_std: float = 0.0, noise_clip: tuple | None = None,
                      init: str = "glorot", generator=None) -> Autoencoder:
    """Fully connected autoencoder, mirrored: ``sizes = (784, 128, 64, 32)`` builds
    784-128-64-32 (encoder, ReLU after each layer) then 32-64-128-784 (decoder, ReLU, sigmoid at the end).

    A full list is accepted too: ``(784, 128, 64, 32, 64, 128, 784)`` (it must be a palindrome).
    ``activity_l1``: L1 penalty on the code, l1 * sum |z| / batch size, added to the loss (the sparse
    autoencoder of seed 003; Keras' ``activity_regularizer=l1(...)``). ``noise_std``: Gaussian noise on
    the input in training mode (the denoising autoencoder), clipped to ``noise_clip`` when given.
    ``init``: 'glorot' (Keras' initialisation, ``glorot_init_``) or 'default' (PyTorch's).
    ``generator`` seeds the weights (and the noise)."""
    sizes = _check_sizes("dense_autoencoder", sizes)
    if len(sizes) >= 3 and len(sizes) % 2 and sizes == sizes[::-1]:
        sizes = sizes[:len(sizes) // 2 + 1]                       # the full mirrored list: keep the encoder half
    encoder = [GaussianNoise(noise_std, noise_clip, generator)] if noise_std else []
    for n_in, n_out in zip(sizes, sizes[1:]):
        encoder += [Linear(n_in, n_out, generator=generator), ReLU()]
    if activity_l1:
        encoder.append(ActivityRegularization(l1=activity_l1))
    decoder, backwards = [], sizes[::-1]
    for n_in, n_out in zip(backwards, backwards[1:]):
        decoder += [Linear(n_in, n_out, generator=generator), ReLU()]
    decoder[-1] = Sigmoid()
    return _initialised("dense_autoencoder", Autoencoder(Sequential(*encoder), Sequential(*decoder)), init, generator)


def conv_autoencoder(code_size: int = 32, channels=(16, 32), image_size: int = 28, in_channels: int = 1,
                     activity_l1: float = 0.0, noise_std: float = 0.0, noise_clip: tuple | None = None,
                     init: str = "glorot", generator=None) -> Autoencoder:
    """Convolutional autoencoder for (N, C, H, W) images, H = W = ``image_size`` divisible by 2^len(channels).

    Encoder: 3x3 convolutions of stride 2 (each halves the side; 28 -> 14 -> 7), ReLU, then a Linear layer
    to a ``code_size`` code (ReLU). Decoder: the mirror image, Linear then 3x3 transposed convolutions of
    stride 2 (output_padding 1 doubles the side exactly), ReLU between, sigmoid at the end. A convolution
    shares its weights over the image, so its convolutions have few weights (most of its parameters are in
    the two Linear layers). ``activity_l1``, ``noise_std``, ``init`` as in ``dense_autoencoder``."""
    channels = tuple(channels)
    if image_size % 2 ** len(channels):
        raise ArgumentError(f"conv_autoencoder: image_size must be divisible by 2**{len(channels)} = "
                            f"{2 ** len(channels)} (one halving per entry of channels {channels}), got {image_size}")
    side = image_size // 2 ** len(channels)
    flat = channels[-1] * side * side
    encoder = [GaussianNoise(noise_std, noise_clip, generator)] if noise_std else []
    for c_in, c_out in zip((in_channels,) + channels, channels):
        encoder += [Conv2d(c_in, c_out, 3, stride=2, padding=1, generator=generator), ReLU()]
    encoder += [Flatten(), Linear(flat, code_size, generator=generator), ReLU()]
    if activity_l1:
        encoder.append(ActivityRegularization(l1=activity_l1))
    decoder = [Linear(code_size, flat, generator=generator), ReLU(), Unflatten(1, (channels[-1], side, side))]
    backwards = channels[::-1] + (in_channels,)
    for c_in, c_out in zip(backwards, backwards[1:]):
        decoder += [ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1, generator=generator),
                    ReLU()]
    decoder[-1] = Sigmoid()
    return _initialised("conv_autoencoder", Autoencoder(Sequential(*encoder), Sequential(*decoder)), init, generator)


# ---- the variational autoencoder --------------------------------------------------------------------
def gaussian_kl(mu, logvar):
    """KL(N(mu, diag sigma^2) || N(0, I)) of each row, sigma^2 = exp(logvar), in nats:

        KL = -1/2 sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2)         (shape (N,) for (N, latent) inputs)
    """
    return (1 + logvar - mu * mu - logvar.exp()).sum(dim=-1) * -0.5


class VAE(Module):
    """Variational autoencoder with a Gaussian encoder q(z|x) = N(mu(x), diag sigma^2(x)), a standard
    normal prior p(z) = N(0, I) and a Bernoulli decoder p(x|z) whose logits the decoder returns.

        h = ReLU(W x + b) (one layer per ``hidden_sizes`` entry);  mu = W_mu h + b_mu;  logvar = W_lv h + b_lv
        z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)   (the reparameterisation trick: z is a differentiable
                                                          function of mu and logvar, the randomness is in eps)
        logits = decoder(z)                              (the mirror of the encoder, no activation at the end)

    The loss is the negative evidence lower bound, in nats per image (averaged over the batch):

        -ELBO(x) = sum_pixels BCE(sigmoid(logits), x)  +  KL(q(z|x) || N(0, I))
                 = reconstruction term                 +  ``gaussian_kl(mu, logvar)``

    a one-sample estimate (one eps per image) of an upper bound on -log p(x) (for binary pixels; with grey
    levels in [0, 1] the BCE is the usual surrogate, as in PyTorch's VAE example). eps is drawn from
    ``generator`` (an ``lm.Generator``; the default generator when None), in training and eval mode alike.
    """

    def __init__(self, input_dim: int = 784, hidden_sizes=(512,), latent_dim: int = 20, generator=None,
                 weight_generator=None):
        super().__init__()
        sizes = _check_sizes("VAE", (input_dim, *hidden_sizes, latent_dim))
        body = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            body += [Linear(n_in, n_out, generator=weight_generator), ReLU()]
        self.encoder = Sequential(*body)
        self.fc_mu = Linear(sizes[-2], latent_dim, generator=weight_generator)
        self.fc_logvar = Linear(sizes[-2], latent_dim, generator=weight_generator)
        backwards, decoder = sizes[::-1], []
        for n_in, n_out in zip(backwards, backwards[1:]):
            decoder += [Linear(n_in, n_out, generator=weight_generator), ReLU()]
        self.decoder = Sequential(*decoder[:-1])
        self.input_dim, self.latent_dim, self.generator = input_dim, latent_dim, generator

    def _flat(self, x):
        x = x.reshape(x.shape[0], -1) if x.ndim > 2 else x
        if x.shape[-1] != self.input_dim:
            raise ArgumentError(f"VAE: expected inputs of {self.input_dim} values each (flattened), got shape "
                                f"{tuple(x.shape)}")
        return x

    def encode(self, x):
        """(mu, logvar) of q(z|x), each (N, latent_dim); x is (N, input_dim) or (N, C, H, W)."""
        h = self.encoder(self._flat(x))
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar, eps=None):
        """z = mu + exp(logvar / 2) * eps; eps ~ N(0, I) from the VAE's generator unless given."""
        if eps is None:
            eps = randn(*mu.shape, generator=self.generator, dtype=mu.dtype)
        return mu + (logvar * 0.5).exp() * eps

    def decode(self, z):
        """The decoder's logits (N, input_dim) for codes z; ``sigmoid`` of them are pixel intensities."""
        return self.decoder(z)

    def forward(self, x, eps=None):
        """(logits, mu, logvar): the decoded logits of one sample z ~ q(z|x) per input."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, eps)), mu, logvar

    def loss_terms(self, x, eps=None) -> tuple:
        """(reconstruction, KL), each a per-image mean in nats (their sum is ``loss``)."""
        target = self._flat(x)
        logits, mu, logvar = self(x, eps)
        reconstruction = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / target.shape[0]
        return reconstruction, gaussian_kl(mu, logvar).mean()

    def loss(self, x, eps=None):
        """The negative ELBO, nats per image: sum over pixels of the BCE + KL(q(z|x) || N(0, I)), batch mean."""
        reconstruction, kl = self.loss_terms(x, eps)
        return reconstruction + kl

    def reconstruct(self, x):
        """sigmoid(decoder(mu(x))): the decoded mean code, (N, input_dim) intensities in [0, 1]."""
        mu, _ = self.encode(x)
        return self.decode(mu).sigmoid()

    def sample(self, n: int, generator=None):
        """n images decoded from z ~ N(0, I): (n, input_dim) intensities in [0, 1]."""
        z = randn(n, self.latent_dim, generator=generator or self.generator)
        return self.decode(z).sigmoid()

