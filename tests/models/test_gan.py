"""lamina/models/gan.py: the DCGAN generator and discriminator, against PyTorch networks built the same way."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.models import Discriminator, Generator, discriminator_loss, gan_train_step, generator_loss


def _torch_generator(latent_dim, width, num_classes, hidden=0):
    tnn = torch.nn
    inputs, features = latent_dim + num_classes, 2 * width * 7 * 7
    project = [tnn.Linear(inputs, hidden, bias=False), tnn.BatchNorm1d(hidden), tnn.ReLU(),
               tnn.Linear(hidden, features, bias=False), tnn.BatchNorm1d(features), tnn.ReLU(),
               tnn.Unflatten(1, (2 * width, 7, 7))] if hidden else \
        [tnn.ConvTranspose2d(inputs, 2 * width, 7, bias=False), tnn.BatchNorm2d(2 * width), tnn.ReLU()]
    return tnn.Sequential(
        *project,
        tnn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), tnn.BatchNorm2d(width), tnn.ReLU(),
        tnn.ConvTranspose2d(width, 1, 4, 2, 1), tnn.Tanh())


def _torch_discriminator(width, num_classes, hidden=0):
    tnn = torch.nn
    judge = [tnn.Flatten(), tnn.Linear(2 * width * 49, hidden), tnn.LeakyReLU(0.2), tnn.Linear(hidden, 1)] \
        if hidden else [tnn.Conv2d(2 * width, 1, 7)]
    return tnn.Sequential(
        tnn.Conv2d(1 + num_classes, width, 4, 2, 1), tnn.LeakyReLU(0.2),
        tnn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), tnn.BatchNorm2d(2 * width), tnn.LeakyReLU(0.2),
        *judge, tnn.Flatten(0))


def _copy_weights(lamina_model, torch_model):
    state = {name: torch.tensor(value.detach().numpy()) for name, value in lamina_model.net.state_dict().items()}
    torch_model.load_state_dict(state)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts_follow_the_layer_shapes():
    # G: 100x128x7x7 (no bias) + BN 2x128 + 128x64x4x4 (no bias) + BN 2x64 + 64x1x4x4 + 1 bias
    assert _count(Generator()) == 100 * 128 * 49 + 256 + 128 * 64 * 16 + 128 + 64 * 16 + 1 == 759_681
    # D: 1x64x4x4 + 64 + 64x128x4x4 (no bias) + BN 2x128 + 128x1x7x7 + 1
    assert _count(Discriminator()) == 16 * 64 + 64 + 64 * 128 * 16 + 256 + 128 * 49 + 1 == 138_689
    # conditional: 10 more inputs to G's first layer, 10 more input planes to D's
    assert _count(Generator(num_classes=10)) - _count(Generator()) == 10 * 128 * 49
    assert _count(Discriminator(num_classes=10)) - _count(Discriminator()) == 10 * 64 * 16
    assert _count(Generator(16, 8)) == _count(_torch_generator(16, 8, 0))
    assert _count(Discriminator(8, 10)) == _count(_torch_discriminator(8, 10))
    # hidden h: G projects z by 100 x h + BN 2h + h x (2w 7 7) + BN 2 (2w 7 7) instead of the 7x7 transposed conv;
    # D reads its features by (2w 7 7) x h + h + h x 1 + 1 instead of the 7x7 conv
    projection = 100 * 256 + 2 * 256 + 256 * 6272 + 2 * 6272
    assert _count(Generator(hidden=256)) - _count(Generator()) == projection - (100 * 128 * 49 + 256)
    assert _count(Discriminator(hidden=256)) - _count(Discriminator()) == 6272 * 256 + 256 + 257 - (128 * 49 + 1)
    assert _count(Generator(16, 8, 10, hidden=32)) == _count(_torch_generator(16, 8, 10, hidden=32))
    assert _count(Discriminator(8, hidden=32)) == _count(_torch_discriminator(8, 0, hidden=32))


@pytest.mark.parametrize("hidden", [0, 256])
def test_dcgan_initialisation_statistics(hidden):
    lm.manual_seed(0)
    generator, discriminator = Generator(hidden=hidden), Discriminator(hidden=hidden)
    for model in (generator, discriminator):
        for name, parameter in model.named_parameters():
            values = parameter.detach().numpy()
            if name.endswith("bias"):
                assert (values == 0).all(), name
            elif values.ndim == 1:                                       # batch norm's scale
                assert abs(values.mean() - 1) < 0.01 and abs(values.std() - 0.02) < 0.005, name
            else:                                                        # conv and linear weights
                assert abs(values.mean()) < 0.003 and abs(values.std() - 0.02) < 0.002, name
    assert generator.net[0].weight.detach().numpy().std() == pytest.approx(0.02, rel=0.01)   # 627,200 or 25,600 draws


@pytest.mark.parametrize("num_classes, hidden", [(0, 0), (10, 0), (0, 32), (10, 32)])
def test_generator_matches_pytorch_in_train_and_eval_mode(num_classes, hidden, rng):
    lm.manual_seed(1)
    generator, reference = Generator(16, 8, num_classes, hidden=hidden), _torch_generator(16, 8, num_classes, hidden)
    _copy_weights(generator, reference)
    z = rng.standard_normal((6, 16)).astype(np.float32)
    labels = np.array([0, 3, 9, 3, 1, 7]) if num_classes else None
    inputs = z if not num_classes else np.concatenate([z, np.eye(10, dtype=np.float32)[labels]], axis=1)
    for train in (True, False):
        generator.train(train)
        reference.train(train)
        images = generator(lm.tensor(z), None if labels is None else lm.tensor(labels)).detach()
        expected = reference(torch.tensor(inputs) if hidden else torch.tensor(inputs)[:, :, None, None]).detach()
        expected = expected.numpy()
        assert images.shape == (6, 1, 28, 28)
        np.testing.assert_allclose(images.numpy(), expected, rtol=1e-4, atol=1e-6)
    assert np.abs(images.numpy()).max() <= 1


@pytest.mark.parametrize("num_classes, hidden", [(0, 0), (10, 0), (0, 32), (10, 32)])
def test_discriminator_matches_pytorch_with_the_class_as_one_hot_planes(num_classes, hidden, rng):
    lm.manual_seed(2)
    discriminator = Discriminator(8, num_classes, hidden=hidden)
    reference = _torch_discriminator(8, num_classes, hidden)
    _copy_weights(discriminator, reference)
    images = rng.uniform(-1, 1, (5, 1, 28, 28)).astype(np.float32)
    labels = np.array([2, 2, 0, 9, 5])
    planes = np.broadcast_to(np.eye(10, dtype=np.float32)[labels][:, :, None, None], (5, 10, 28, 28))
    inputs = images if not num_classes else np.concatenate([images, planes], axis=1)
    logits = discriminator(lm.tensor(images), lm.tensor(labels) if num_classes else None).detach()
    assert logits.shape == (5,)
    np.testing.assert_allclose(logits.numpy(), reference(torch.tensor(inputs)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_the_class_changes_what_the_conditional_generator_draws(rng):
    lm.manual_seed(3)
    generator = Generator(16, 8, num_classes=10).eval()
    z = lm.tensor(np.repeat(rng.standard_normal((1, 16)).astype(np.float32), 2, axis=0))
    images = generator(z, lm.tensor([4, 4])).detach().numpy()
    np.testing.assert_array_equal(images[0], images[1])
    assert np.abs(generator(z, lm.tensor([4, 5])).detach().numpy()[1] - images[1]).max() > 1e-4
    samples = generator.sample(3, lm.tensor([0, 1, 2]), generator=lm.Generator(0))
    assert samples.shape == (3, 1, 28, 28) and not samples.requires_grad


def test_losses_are_the_binary_cross_entropies_of_the_logits(rng):
    lm.manual_seed(4)
    discriminator = Discriminator(8)
    real = lm.tensor(rng.uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32))
    fake = lm.tensor(rng.uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32))
    real_logits = torch.tensor(discriminator(real).detach().numpy())
    fake_logits = torch.tensor(discriminator(fake).detach().numpy())
    softplus = torch.nn.functional.softplus                              # -log sigmoid(x) = softplus(-x)
    expected_d = softplus(-real_logits).mean() + softplus(fake_logits).mean()
    assert discriminator_loss(discriminator, real, fake).item() == pytest.approx(expected_d.item(), rel=1e-5)
    assert generator_loss(discriminator, fake).item() == pytest.approx(softplus(-fake_logits).mean().item(), rel=1e-5)


@pytest.mark.parametrize("num_classes", [0, 10])
def test_a_training_step_lowers_the_discriminator_loss_on_its_batch(num_classes, rng):
    lm.manual_seed(5)
    generator, discriminator = Generator(16, 8, num_classes), Discriminator(8, num_classes)
    g_optimizer = lm.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_optimizer = lm.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real = lm.tensor(rng.uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32))
    labels = lm.tensor(rng.integers(0, 10, 8)) if num_classes else None
    z = lm.randn(8, 16, generator=lm.Generator(7))
    with lm.no_grad():
        fake = generator(z, labels)
        before = discriminator_loss(discriminator, real, fake, labels).item()
    g_weights = [p.detach().numpy().copy() for p in generator.parameters()]
    d_loss, g_loss = gan_train_step(generator, discriminator, g_optimizer, d_optimizer, real, labels,
                                    generator_rng=lm.Generator(7))            # the same noise z
    assert d_loss == pytest.approx(before, rel=1e-5)                     # measured before D's step
    with lm.no_grad():
        after = discriminator_loss(discriminator, real, fake, labels).item()
    assert after < before - 1e-3
    assert np.isfinite(g_loss) and g_loss > 0
    moved = [np.abs(p.detach().numpy() - w).max() > 0 for p, w in zip(generator.parameters(), g_weights)]
    assert all(moved)                                                    # G took its step too


def test_errors_name_the_network_and_the_shapes():
    generator, discriminator = Generator(16, 8), Discriminator(8, num_classes=10)
    with pytest.raises(ValueError, match=r"Generator: noise must have shape \(N, 16\), got \(3, 15\)"):
        generator(lm.randn(3, 15))
    with pytest.raises(ValueError, match="Generator: labels given to an unconditional model"):
        generator(lm.randn(3, 16), lm.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        discriminator(lm.randn(2, 1, 32, 32), lm.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"conditional model \(num_classes=10\) needs the labels"):
        discriminator(lm.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\), got \(3,\)"):
        discriminator(lm.randn(2, 1, 28, 28), lm.tensor([1, 2, 3]))


def test_a_packed_discriminator_judges_consecutive_images_together():
    lm.manual_seed(0)
    packed = lm.models.Discriminator(width=4, pack=2)
    assert packed.net[0].in_channels == 2 and "pack=2" in repr(packed)
    images = lm.randn(6, 1, 28, 28)
    logits = packed(images)
    assert logits.shape == (3,)
    plain = lm.models.Discriminator(width=4, channels=2)
    plain.load_state_dict(packed.state_dict())
    np.testing.assert_allclose(logits.detach().numpy(), plain(images.reshape(3, 2, 28, 28)).detach().numpy(),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="6 images does not divide into packs of 4"):
        lm.models.Discriminator(width=4, pack=4)(images)
    conditional = lm.models.Discriminator(width=4, num_classes=10, pack=2)
    assert conditional(images, lm.tensor([0, 1, 2, 3, 4, 5])).shape == (3,)
