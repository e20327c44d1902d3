"""lamina.models.autoencoder: parameter counts (course seed 003), shapes, the sparse and denoising variants, and the
VAE's negative ELBO against the same computation in PyTorch."""
import math

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F
from lamina.errors import ArgumentError
from lamina.models import VAE, Autoencoder, GaussianNoise, conv_autoencoder, dense_autoencoder, gaussian_kl
from lamina.nn import ActivityRegularization, activity_penalty


def images(rng, n=6, shape=(784,)):
    return lm.tensor(rng.uniform(0, 1, (n, *shape)).astype(np.float32))


def n_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ---- parameter counts and shapes ---------------------------------------------------------------------------
def test_seed003_parameter_counts_and_summary():
    dense = dense_autoencoder((784, 32))
    deep = dense_autoencoder((784, 128, 64, 32, 64, 128, 784))
    assert n_parameters(dense) == 50_992 == 784 * 32 + 32 + 32 * 784 + 784
    assert n_parameters(deep) == 222_384
    assert lm.nn.summary.summary(deep, (784,), print_fn=None).total_params == 222_384
    per_layer = [m.weight.numel() + m.bias.numel() for m in deep.modules() if isinstance(m, lm.nn.Linear)]
    assert per_layer == [100_480, 8_256, 2_080, 2_112, 8_320, 101_136]       # seed 003's table, row by row
    assert n_parameters(dense_autoencoder((784, 128, 64, 32))) == 222_384    # the encoder half builds the same


def test_shapes_and_encode_decode(rng):
    x = images(rng)
    model = dense_autoencoder((784, 64, 16))
    code = model.encode(x)
    assert code.shape == (6, 16) and model(x).shape == (6, 784)
    np.testing.assert_allclose(model.decode(code).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    out = model(x).detach().numpy()
    assert ((out > 0) & (out < 1)).all()                                    # a sigmoid at the end
    assert (code.detach().numpy() >= 0).all()                                        # a ReLU code
    conv = conv_autoencoder(code_size=10, channels=(4, 8))
    x4 = images(rng, 3, (1, 28, 28))
    assert conv.encode(x4).shape == (3, 10) and conv(x4).shape == (3, 1, 28, 28)
    assert conv_autoencoder(5, channels=(4,), image_size=16, in_channels=3)(images(rng, 2, (3, 16, 16))).shape == (
        2, 3, 16, 16)


def test_autoencoder_wraps_any_pair_of_modules(rng):
    encoder, decoder = lm.nn.Linear(5, 2), lm.nn.Linear(2, 5)
    model = Autoencoder(encoder, decoder)
    x = lm.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    np.testing.assert_allclose(model(x).detach().numpy(), decoder(encoder(x)).detach().numpy())
    assert [name for name, _ in model.named_parameters()] == ["encoder.weight", "encoder.bias", "decoder.weight",
                                                              "decoder.bias"]


def test_glorot_initialisation_bounds_and_zero_biases():
    model = dense_autoencoder((784, 32), generator=lm.Generator(0))
    first, last = model.encoder[0], model.decoder[0]
    bound = math.sqrt(6 / (784 + 32))
    for layer in (first, last):
        w = layer.weight.detach().numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
        assert (layer.bias.detach().numpy() == 0).all()
    default = dense_autoencoder((784, 32), init="default", generator=lm.Generator(0))
    assert np.abs(default.encoder[0].bias.detach().numpy()).max() > 0                # PyTorch's: biases drawn too
    a, b = (dense_autoencoder((784, 8), generator=lm.Generator(3)) for _ in range(2))
    np.testing.assert_array_equal(a.encoder[0].weight.detach().numpy(), b.encoder[0].weight.detach().numpy())   # seeded


def test_builder_errors():
    with pytest.raises(ArgumentError, match=r"dense_autoencoder: sizes must be at least two positive integers"):
        dense_autoencoder((784,))
    with pytest.raises(ArgumentError, match="init must be 'glorot'"):
        dense_autoencoder((784, 32), init="he")
    with pytest.raises(ArgumentError, match=r"image_size must be divisible by 2\*\*2 = 4 .* got 30"):
        conv_autoencoder(image_size=30)
    with pytest.raises(ArgumentError, match="GaussianNoise: std must be >= 0"):
        GaussianNoise(-0.1)


# ---- sparse and denoising ----------------------------------------------------------------------------------
def test_sparse_adds_l1_of_the_code_divided_by_the_batch_in_training_only(rng):
    x = images(rng, 8)
    model = dense_autoencoder((784, 16), activity_l1=1e-3)
    assert isinstance(model.encoder[-1], ActivityRegularization)
    model.train()
    model(x)
    penalty = activity_penalty(model)
    code = model.encode(x).detach().numpy()
    activity_penalty(model)                                                  # consumes the one encode() recorded
    assert penalty.item() == pytest.approx(1e-3 * np.abs(code).sum() / 8, rel=1e-5) and penalty.item() > 0
    model.eval()
    model(x)
    assert activity_penalty(model) == 0.0
    model.train()                                                            # lm.Model adds it to its loss
    keras = lm.Model(model).compile("adam", "bce")
    output = model(x)
    assert keras.compute_loss(output, x).item() == pytest.approx(
        F.binary_cross_entropy(output, x).item() + 1e-3 * np.abs(code).sum() / 8, rel=1e-5)


def test_sparse_penalty_gradient_pushes_the_code_towards_zero(rng):
    x = images(rng, 8)
    model = dense_autoencoder((784, 16), activity_l1=1.0, generator=lm.Generator(1))
    model(x)
    activity_penalty(model).backward()                                      # the penalty alone
    bias = model.encoder[0].bias
    active = (model.encode(x).detach().numpy() > 0).sum(axis=0)            # d/db_j = l1 * (active rows) / batch
    np.testing.assert_allclose(bias.grad.numpy(), active / 8, rtol=1e-5)


def test_gaussian_noise_only_in_training_mode_and_seeded(rng):
    x = images(rng, 500)
    noise = GaussianNoise(0.5, generator=lm.Generator(7))
    noisy = noise(x).detach().numpy()
    expected = x.detach().numpy() + 0.5 * lm.randn(500, 784, generator=lm.Generator(7)).detach().numpy()
    np.testing.assert_allclose(noisy, expected, rtol=1e-6, atol=1e-6)
    assert (noisy - x.detach().numpy()).std() == pytest.approx(0.5, rel=0.01)
    clipped = GaussianNoise(0.5, clip=(0.0, 1.0))(x).detach().numpy()
    assert clipped.min() == 0.0 and clipped.max() == 1.0
    noise.eval()
    assert noise(x) is x
    assert noise.flops((784,), (784,)) == 0


def test_denoising_autoencoder_corrupts_the_input_and_keeps_the_target_clean(rng):
    x = images(rng, 4)
    model = dense_autoencoder((784, 16), noise_std=0.3, generator=lm.Generator(2))
    assert isinstance(model.encoder[0], GaussianNoise)
    model.train()
    assert not np.allclose(model(x).detach().numpy(), model(x).detach().numpy())  # a new corruption each time
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), model(x).detach().numpy())       # none at test time
    clean = Autoencoder(lm.nn.Sequential(*list(model.encoder)[1:]), model.decoder)   # the same layers, no noise
    np.testing.assert_allclose(model(x).detach().numpy(), clean(x).detach().numpy(), rtol=1e-6)
    model.train()                                                           # training: f(x + noise) against x
    model.encoder[0].generator = lm.Generator(5)
    loss = F.binary_cross_entropy(model(x), x)
    corrupted = x + 0.3 * lm.randn(4, 784, generator=lm.Generator(5))
    assert loss.item() == pytest.approx(F.binary_cross_entropy(clean(corrupted), x).item(), rel=1e-6)


@pytest.mark.parametrize("build, shape", [
    (lambda: dense_autoencoder((784, 32, 8), activity_l1=1e-4, noise_std=0.2), (784,)),
    (lambda: conv_autoencoder(8, channels=(4, 8)), (1, 28, 28)),
])
def test_gradients_reach_every_parameter_and_a_few_steps_lower_the_loss(rng, build, shape):
    lm.manual_seed(0)
    model, x = build(), images(rng, 16, shape)
    optimizer = lm.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        loss = F.binary_cross_entropy(model(x), x) + activity_penalty(model)
        optimizer.zero_grad()
        loss.backward()
        if not losses:
            for name, p in model.named_parameters():
                assert p.grad is not None, name
                assert np.isfinite(p.grad.numpy()).all() and np.abs(p.grad.numpy()).sum() > 0, name
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


# ---- the variational autoencoder ---------------------------------------------------------------------------
def torch_vae(vae):
    """The same network in plain torch.nn, with the VAE's weights."""
    def linear(layer):
        t = torch.nn.Linear(layer.in_features, layer.out_features).double()
        t.weight.data = torch.tensor(layer.weight.detach().numpy(), dtype=torch.float64)
        t.bias.data = torch.tensor(layer.bias.detach().numpy(), dtype=torch.float64)
        return t

    hidden, decode = linear(vae.encoder[0]), [linear(m) for m in vae.decoder if isinstance(m, lm.nn.Linear)]
    mu, logvar = linear(vae.fc_mu), linear(vae.fc_logvar)

    def loss(x, eps):
        h = torch.relu(hidden(x))
        m, lv = mu(h), logvar(h)
        z = m + torch.exp(0.5 * lv) * eps
        logits = decode[1](torch.relu(decode[0](z)))
        reconstruction = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + lv - m.pow(2) - lv.exp())
        return (reconstruction + kl) / len(x)

    return loss, [hidden, mu, logvar, *decode]


def test_vae_loss_and_gradients_match_pytorch(rng):
    vae = VAE(input_dim=12, hidden_sizes=(9,), latent_dim=3, weight_generator=lm.Generator(4)).to(lm.float64)
    x = rng.uniform(0, 1, (5, 12))
    eps = rng.standard_normal((5, 3))
    loss = vae.loss(lm.tensor(x, dtype=lm.float64), eps=lm.tensor(eps, dtype=lm.float64))
    loss.backward()
    reference, layers = torch_vae(vae)
    expected = reference(torch.tensor(x), torch.tensor(eps))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    ours = [vae.encoder[0], vae.fc_mu, vae.fc_logvar, *[m for m in vae.decoder if isinstance(m, lm.nn.Linear)]]
    for mine, theirs in zip(ours, layers):
        np.testing.assert_allclose(mine.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(mine.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_vae_terms_images_and_seeded_eps(rng):
    vae = VAE(input_dim=784, hidden_sizes=(32,), latent_dim=2, generator=lm.Generator(9))
    x = images(rng, 4, (1, 28, 28))                                         # images are flattened
    reconstruction, kl = vae.loss_terms(x)
    assert reconstruction.item() > 0 and kl.item() >= 0
    vae.generator = lm.Generator(9)
    total = vae.loss(x).item()
    mu, logvar = vae.encode(x)
    eps = lm.randn(4, 2, generator=lm.Generator(9))                        # the VAE drew exactly this eps
    assert total == pytest.approx(vae.loss(x, eps=eps).item(), rel=1e-6)
    z = vae.reparameterize(mu, logvar, eps)
    mu, logvar, eps = (t.detach().numpy() for t in (mu, logvar, eps))
    np.testing.assert_allclose(z.detach().numpy(), mu + np.exp(0.5 * logvar) * eps, rtol=1e-5)
    assert vae.sample(7, generator=lm.Generator(0)).shape == (7, 784)
    out = vae.reconstruct(x).detach().numpy()
    assert out.shape == (4, 784) and ((out >= 0) & (out <= 1)).all()
    assert lm.nn.summary.summary(vae.encoder, (784,), print_fn=None).total_params == 784 * 32 + 32
    with pytest.raises(ArgumentError, match=r"VAE: expected inputs of 784 values each .* got shape \(4, 783\)"):
        vae.encode(images(rng, 4, (783,)))


def test_reparameterisation_gradients():
    mu = lm.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = lm.tensor([[0.2, -0.6]], requires_grad=True)
    eps = lm.tensor([[1.5, -0.3]])
    VAE(4, (3,), 2).reparameterize(mu, logvar, eps).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), [[1.0, 1.0]])
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * np.exp(0.5 * np.array([[0.2, -0.6]])) * [[1.5, -0.3]],
                               rtol=1e-6)


def test_gaussian_kl_against_numerical_integration_and_torch_distributions():
    mu = np.array([[0.0, 0.0], [1.2, -0.7], [-2.0, 0.3]])
    logvar = np.array([[0.0, 0.0], [-0.5, 0.8], [1.1, -2.0]])
    ours = gaussian_kl(lm.tensor(mu, dtype=lm.float64), lm.tensor(logvar, dtype=lm.float64)).detach().numpy()
    assert ours.shape == (3,) and ours[0] == 0.0
    grid = np.linspace(-15, 15, 200_001)
    numeric = np.zeros(3)
    for i in range(3):
        for m, lv in zip(mu[i], logvar[i]):                                 # KL of a diagonal Gaussian: a sum per axis
            s = math.exp(lv / 2)
            log_q = -0.5 * ((grid - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)
            log_p = -0.5 * grid ** 2 - 0.5 * math.log(2 * math.pi)
            numeric[i] += np.trapezoid(np.exp(log_q) * (log_q - log_p), grid)
    np.testing.assert_allclose(ours, numeric, rtol=1e-7, atol=1e-9)
    normal = torch.distributions.Normal
    expected = torch.distributions.kl_divergence(normal(torch.tensor(mu), torch.tensor(np.exp(logvar / 2))),
                                                 normal(0.0, 1.0)).sum(-1)
    np.testing.assert_allclose(ours, expected.detach().numpy(), rtol=1e-12)
